// Hand-written matcher for GPT-2's pre-tokenization regex; see SplitGpt2 in bpe_trainer.h.
#pragma once
#include <cstdint>
#include <vector>

namespace egen {
namespace gpt2 {

// Decodes one UTF-8 code point at p (end exclusive); invalid bytes decode as themselves, length 1.
inline uint32_t Decode(const unsigned char* p, const unsigned char* end, int* length) {
  const unsigned char c = p[0];
  if (c < 0x80) { *length = 1; return c; }
  int n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || p + n > end) { *length = 1; return 0xFFFD; }
  uint32_t cp = c & (0x7F >> n);
  for (int i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) { *length = 1; return 0xFFFD; }
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  *length = n;
  return cp < 0x110000 ? cp : 0xFFFD;
}

}  // namespace gpt2

template <typename Emit>
void SplitGpt2(const char* text, size_t size, const std::vector<uint8_t>& classes, Emit emit) {
  const auto* begin = reinterpret_cast<const unsigned char*>(text);
  const auto* end = begin + size;
  auto class_at = [&](const unsigned char* p, int* len) -> uint8_t {
    const uint32_t cp = gpt2::Decode(p, end, len);
    return classes[cp];
  };
  // "other" = not whitespace, not letter, not number
  const unsigned char* p = begin;
  while (p < end) {
    const unsigned char* start = p;
    // 1) contractions
    if (*p == '\'' && p + 1 < end) {
      const unsigned char a = p[1];
      if (a == 's' || a == 't' || a == 'm' || a == 'd') { emit(reinterpret_cast<const char*>(start), 2); p += 2; continue; }
      if (p + 2 < end && ((a == 'r' && p[2] == 'e') || (a == 'v' && p[2] == 'e') || (a == 'l' && p[2] == 'l'))) {
        emit(reinterpret_cast<const char*>(start), 3); p += 3; continue;
      }
    }
    int len = 0;
    uint8_t cls = class_at(p, &len);
    const unsigned char* q = p;
    uint8_t run_class;  // class of the run after an optional leading space
    if (*p == ' ' && p + 1 < end) {
      int next_len = 0;
      const uint8_t next = class_at(p + 1, &next_len);
      if (!(next & kSpace)) {
        q = p + 1;
        cls = next;
        len = next_len;
      }
    }
    if (!(cls & kSpace) || q != p) {
      // 2-4) ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
      run_class = (cls & kLetter) ? kLetter : (cls & kNumber) ? kNumber : 0;
      q += len;
      while (q < end) {
        int l = 0;
        const uint8_t c = class_at(q, &l);
        const uint8_t k = (c & kLetter) ? kLetter : (c & kNumber) ? kNumber : (c & kSpace) ? kSpace : 0;
        if (k != run_class) break;
        q += l;
      }
      emit(reinterpret_cast<const char*>(start), static_cast<size_t>(q - start));
      p = q;
      continue;
    }
    // 5-6) '\s+(?!\S)' then '\s+': a whitespace run, less its last character when a non-space follows
    const unsigned char* last = p;
    q = p + len;
    while (q < end) {
      int l = 0;
      if (!(class_at(q, &l) & kSpace)) break;
      last = q;
      q += l;
    }
    if (q < end && last > p) q = last;
    emit(reinterpret_cast<const char*>(start), static_cast<size_t>(q - start));
    p = q;
  }
}

}  // namespace egen

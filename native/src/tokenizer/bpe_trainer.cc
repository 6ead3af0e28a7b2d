#include "tokenizer/bpe_trainer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace egen {
namespace {

using Pair = std::pair<uint32_t, uint32_t>;

inline uint64_t Key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }
inline Pair Unkey(uint64_t k) { return {static_cast<uint32_t>(k >> 32), static_cast<uint32_t>(k & 0xFFFFFFFFu)}; }

std::string EncodeUtf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// Word counts keyed by views into an arena owned by the same counter.
struct WordCounter {
  std::unordered_map<std::string_view, uint64_t> counts;
  std::deque<std::string> arena;

  void Add(std::string_view word, uint64_t n = 1) {
    auto it = counts.find(word);
    if (it != counts.end()) {
      it->second += n;
      return;
    }
    arena.emplace_back(word);
    counts.emplace(std::string_view(arena.back()), n);
  }
};

// Splits [data, data+size) into lines (keeping "\n"), pre-tokenizes each and counts the pieces.
void CountLines(const char* data, size_t size, const std::vector<uint8_t>& classes, WordCounter* counter) {
  size_t start = 0;
  while (start < size) {
    const void* nl = std::memchr(data + start, '\n', size - start);
    const size_t stop = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) + 1 : size;
    SplitGpt2(data + start, stop - start, classes, [&](const char* piece, size_t length) { counter->Add(std::string_view(piece, length)); });
    start = stop;
  }
}

// A candidate merge; the queue's top is the highest count, then the smallest pair.
struct Merge {
  Pair pair;
  uint64_t count;
  std::shared_ptr<std::vector<uint32_t>> positions;  // indices of words holding the pair
};
struct MergeOrder {
  bool operator()(const Merge& a, const Merge& b) const {
    if (a.count != b.count) return a.count < b.count;
    return a.pair > b.pair;
  }
};

// Replaces every non-overlapping (c1, c2), left to right, by `replacement`; reports pair changes.
void MergeWord(std::vector<uint32_t>& word, uint32_t c1, uint32_t c2, uint32_t replacement, std::vector<std::pair<uint64_t, int>>* changes) {
  size_t i = 0;
  while (i < word.size()) {
    if (word[i] == c1 && i + 1 < word.size() && word[i + 1] == c2) {
      if (i > 0) {
        changes->push_back({Key(word[i - 1], c1), -1});
        changes->push_back({Key(word[i - 1], replacement), 1});
      }
      word[i] = replacement;
      word.erase(word.begin() + static_cast<long>(i) + 1);
      if (i + 1 < word.size()) {
        changes->push_back({Key(c2, word[i + 1]), -1});
        changes->push_back({Key(replacement, word[i + 1]), 1});
      }
    }
    ++i;
  }
}

}  // namespace

const std::vector<std::string>& ByteLevelAlphabet() {
  static const std::vector<std::string> alphabet = [] {
    std::vector<std::string> out(256);
    uint32_t n = 0;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      out[b] = EncodeUtf8(printable ? b : 256 + n++);
    }
    return out;
  }();
  return alphabet;
}

BpeTrainResult TrainByteLevelBpe(const BpeTrainOptions& options) {
  if (options.char_classes.size() != 0x110000) throw std::invalid_argument("char class table must have 0x110000 entries");
  BpeTrainResult result;

  // 1) count pre-tokenized words, each file cut into line-aligned chunks counted in parallel
  const uint32_t threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  WordCounter total;
  constexpr size_t kChunk = 64u << 20;
  for (const std::string& path : options.files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    std::string carry;
    while (true) {
      std::string buffer = std::move(carry);
      const size_t have = buffer.size();
      buffer.resize(have + kChunk);
      in.read(&buffer[have], static_cast<std::streamsize>(kChunk));
      const size_t got = static_cast<size_t>(in.gcount());
      buffer.resize(have + got);
      result.bytes_read += got;
      const bool eof = got < kChunk;
      size_t usable = buffer.size();
      if (!eof) {
        const size_t nl = buffer.rfind('\n');
        usable = nl == std::string::npos ? 0 : nl + 1;
        carry.assign(buffer, usable, std::string::npos);
      }
      // split the usable part across threads at line boundaries
      std::vector<std::pair<size_t, size_t>> ranges;
      size_t from = 0;
      for (uint32_t t = 0; t < threads && from < usable; ++t) {
        size_t to = t + 1 == threads ? usable : std::min(usable, from + usable / threads);
        if (to < usable) {
          const size_t nl = buffer.find('\n', to);
          to = nl == std::string::npos || nl >= usable ? usable : nl + 1;
        }
        ranges.push_back({from, to});
        from = to;
      }
      std::vector<WordCounter> partial(ranges.size());
      std::vector<std::thread> workers;
      for (size_t t = 0; t < ranges.size(); ++t) {
        workers.emplace_back([&, t] { CountLines(buffer.data() + ranges[t].first, ranges[t].second - ranges[t].first, options.char_classes, &partial[t]); });
      }
      for (auto& w : workers) w.join();
      for (auto& p : partial) {
        for (const auto& [word, n] : p.counts) total.Add(word, n);
      }
      if (eof) break;
    }
    if (in.bad()) throw std::runtime_error("cannot read " + path);
  }

  // 2) vocabulary: special tokens, then the 256 byte symbols sorted by code point
  std::unordered_map<std::string, uint32_t> token_to_id;
  auto add_token = [&](const std::string& token) {
    if (token_to_id.count(token)) return;
    token_to_id.emplace(token, static_cast<uint32_t>(result.vocab.size()));
    result.vocab.push_back(token);
  };
  for (const auto& special : options.special_tokens) add_token(special);
  const auto& alphabet = ByteLevelAlphabet();
  std::vector<std::pair<uint32_t, uint8_t>> by_code_point;  // (code point, byte)
  for (uint32_t b = 0; b < 256; ++b) {
    int len = 0;
    const uint32_t cp = gpt2::Decode(reinterpret_cast<const unsigned char*>(alphabet[b].data()),
                                     reinterpret_cast<const unsigned char*>(alphabet[b].data() + alphabet[b].size()), &len);
    by_code_point.push_back({cp, static_cast<uint8_t>(b)});
  }
  std::sort(by_code_point.begin(), by_code_point.end());
  uint32_t byte_id[256];
  for (const auto& [cp, b] : by_code_point) {
    add_token(alphabet[b]);
    byte_id[b] = token_to_id[alphabet[b]];
  }

  // 3) words as symbol ids; pair counts and where each pair occurs
  std::vector<std::vector<uint32_t>> words;
  std::vector<uint64_t> counts;
  words.reserve(total.counts.size());
  // sorted for a deterministic word order (the result does not depend on it, the work does)
  std::vector<std::pair<std::string_view, uint64_t>> sorted(total.counts.begin(), total.counts.end());
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [word, n] : sorted) {
    std::vector<uint32_t> symbols;
    symbols.reserve(word.size());
    for (unsigned char c : word) symbols.push_back(byte_id[c]);
    words.push_back(std::move(symbols));
    counts.push_back(n);
  }
  result.words = words.size();

  std::unordered_map<uint64_t, int64_t> pair_counts;
  std::unordered_map<uint64_t, std::vector<uint32_t>> where;
  for (uint32_t i = 0; i < words.size(); ++i) {
    const auto& w = words[i];
    for (size_t j = 0; j + 1 < w.size(); ++j) {
      const uint64_t k = Key(w[j], w[j + 1]);
      pair_counts[k] += static_cast<int64_t>(counts[i]);
      auto& list = where[k];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
  std::priority_queue<Merge, std::vector<Merge>, MergeOrder> queue;
  for (auto& [k, positions] : where) {
    const int64_t c = pair_counts[k];
    if (c > 0) queue.push(Merge{Unkey(k), static_cast<uint64_t>(c), std::make_shared<std::vector<uint32_t>>(std::move(positions))});
  }
  where.clear();

  // 4) merge the best pair until the vocabulary is full
  std::vector<std::pair<uint64_t, int>> changes;
  std::unordered_map<uint64_t, std::unordered_set<uint32_t>> to_update;
  while (token_to_id.size() < options.vocab_size && !queue.empty()) {
    Merge top = queue.top();
    queue.pop();
    const int64_t current = pair_counts[Key(top.pair.first, top.pair.second)];
    if (static_cast<int64_t>(top.count) != current) {
      top.count = current > 0 ? static_cast<uint64_t>(current) : 0;
      queue.push(std::move(top));
      continue;
    }
    if (top.count < 1 || options.min_frequency > top.count) break;

    const std::string merged = result.vocab[top.pair.first] + result.vocab[top.pair.second];
    uint32_t new_id;
    auto found = token_to_id.find(merged);
    if (found != token_to_id.end()) {
      new_id = found->second;
    } else {
      new_id = static_cast<uint32_t>(result.vocab.size());
      add_token(merged);
    }
    result.merges.push_back({result.vocab[top.pair.first], result.vocab[top.pair.second]});

    for (uint32_t i : *top.positions) {
      changes.clear();
      MergeWord(words[i], top.pair.first, top.pair.second, new_id, &changes);
      for (const auto& [k, delta] : changes) {
        pair_counts[k] += static_cast<int64_t>(delta) * static_cast<int64_t>(counts[i]);
        if (delta > 0) to_update[k].insert(i);
      }
    }
    for (auto& [k, positions] : to_update) {
      const int64_t c = pair_counts[k];
      if (c > 0) {
        auto list = std::make_shared<std::vector<uint32_t>>(positions.begin(), positions.end());
        std::sort(list->begin(), list->end());
        queue.push(Merge{Unkey(k), static_cast<uint64_t>(c), std::move(list)});
      }
    }
    to_update.clear();
  }
  return result;
}

}  // namespace egen

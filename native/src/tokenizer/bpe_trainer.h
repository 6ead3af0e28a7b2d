// Byte-level BPE training, the way Hugging Face tokenizers' BpeTrainer does it, so that the same
// corpus and vocabulary size give the same merges: GPT-2 pre-tokenization of each line (line
// endings kept), words counted, the 256 byte symbols as the alphabet (sorted by code point),
// then merges chosen by highest pair count, ties broken by the smaller (left, right) id pair.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace egen {

// Unicode classes of every code point, filled by the caller (JavaScript's \p{L}, \p{N},
// \p{White_Space}); bit values below.
enum CharClass : uint8_t { kLetter = 1, kNumber = 2, kSpace = 4 };

struct BpeTrainOptions {
  std::vector<std::string> files;           // UTF-8 text files, read line by line
  uint32_t vocab_size = 4096;               // special tokens + 256 bytes + merges
  uint64_t min_frequency = 0;               // pairs seen fewer times are never merged
  std::vector<std::string> special_tokens;  // ids 0..n-1, in order
  std::vector<uint8_t> char_classes;        // 0x110000 entries of CharClass bits
  uint32_t threads = 0;                     // 0: hardware concurrency
};

struct BpeTrainResult {
  std::vector<std::string> vocab;                            // id -> token (byte-level alphabet)
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  uint64_t words = 0;                                        // distinct pre-tokenized words
  uint64_t bytes_read = 0;
};

// Throws std::runtime_error naming the file on I/O errors.
BpeTrainResult TrainByteLevelBpe(const BpeTrainOptions& options);

// GPT-2's pre-tokenization split ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)
// of one UTF-8 line; calls emit(begin, length) for each piece, in order.
template <typename Emit>
void SplitGpt2(const char* text, size_t size, const std::vector<uint8_t>& classes, Emit emit);

// The byte -> printable character mapping of GPT-2 (bytes_to_unicode), as UTF-8 strings.
const std::vector<std::string>& ByteLevelAlphabet();

}  // namespace egen

#include "tokenizer/gpt2_split.inl"

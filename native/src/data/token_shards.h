// Token shards, shared with the datasets side (server/src/datasets writes them):
//
//   NAME.bin   flat little-endian token ids, uint16 or uint32, no header, no padding
//   NAME.json  {"format":"egen-tokens","version":1,"dtype":"uint16"|"uint32",
//               "count":<number of tokens in NAME.bin>,"vocabSize":<int>}
//
// A shard path names either file or the common stem; the .bin is memory-mapped read-only.
// Opening checks the header, that the .bin holds exactly `count` tokens, that the header's
// vocabSize fits the model, and that no token id is >= the model's vocabulary.
//
// Batches are windows of T+1 consecutive tokens (inputs and next-token targets) that never
// cross a shard boundary. The sampler is counter-based, so its whole state is one integer
// cursor (the number of windows drawn), saved in checkpoints:
//   random:     window k starts at a uniformly drawn valid offset, hash(seed, k);
//   sequential: windows tile each shard in order with stride T, wrapping around at the end.
#pragma once
#include <ATen/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace egen {

class MappedShard;  // a read-only memory-mapped .bin

class TokenDataset {
 public:
  // Throws std::runtime_error naming the shard file on any mismatch. `what` is "train" or
  // "validation", used in messages.
  TokenDataset(const std::vector<std::string>& paths, int64_t model_vocab_size, int64_t context_length, const std::string& what);
  ~TokenDataset();

  // Fills x and y (B, T) int64 on the CPU with windows cursor, cursor+1, ...; advances cursor.
  void NextBatch(int64_t batch_size, bool random, uint64_t seed, int64_t& cursor, at::Tensor& x, at::Tensor& y) const;
  int64_t total_tokens() const { return total_tokens_; }
  // Number of non-overlapping windows (sequential mode period).
  int64_t sequential_windows() const { return sequential_windows_; }

 private:
  void Window(int64_t global_start_index, bool random_offset, int64_t* x, int64_t* y) const;
  std::vector<std::unique_ptr<MappedShard>> shards_;
  std::vector<int64_t> random_prefix_;      // cumulative count of valid random starts per shard
  std::vector<int64_t> sequential_prefix_;  // cumulative count of sequential windows per shard
  int64_t context_ = 0;
  int64_t total_tokens_ = 0;
  int64_t sequential_windows_ = 0;
};

// splitmix64: the counter-based generator behind random windows.
uint64_t SplitMix64(uint64_t x);

}  // namespace egen

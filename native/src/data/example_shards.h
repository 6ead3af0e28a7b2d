// Labelled example shards, the classification counterpart of token shards (token_shards.h),
// written by native/lib/shards.ts (ExampleShardWriter):
//
//   NAME.bin   every example's token ids one after the other, little-endian uint16 or uint32
//   NAME.idx   one record per example: little-endian uint32 length (tokens, >= 1), uint32 label
//   NAME.json  {"format":"egen-examples","version":1,"dtype":"uint16"|"uint32","examples":<int>,
//               "tokens":<int>,"vocabSize":<int>,"numLabels":<int>}
//
// Examples are stored whole; the trainer keeps the first contextLength tokens of a longer one
// (so one shard serves models of any context). A shard path names any of the three files or
// their stem. Opening reads the shard into memory (classification sets are small next to
// pretraining corpora) and checks everything a batch relies on: sizes, lengths, token ids below
// the model's vocabulary, labels below numLabels, the header's numLabels equal to the model's.
//
// Batches are B examples right-padded to the longest (truncated) one among them, with each
// example's length and label. The sampler's whole state is one cursor (examples drawn): example
// k is the (k mod N)-th of epoch k / N, whose order is a permutation drawn from (seed, epoch)
// when shuffled, the stored order otherwise.
#pragma once
#include <ATen/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace egen {

class ExampleDataset {
 public:
  // Throws std::runtime_error naming the shard file on any mismatch. `what` is "train" or
  // "validation", used in messages.
  ExampleDataset(const std::vector<std::string>& paths, int64_t model_vocab_size, int64_t num_labels, int64_t context_length, const std::string& what);

  // Fills x (B, T) with examples cursor, cursor+1, ... right-padded with token 0 (T = the
  // longest of them after truncation), lengths (B) and labels (B), int64 on the CPU; advances
  // cursor. Returns the real (unpadded) tokens of the batch.
  int64_t NextBatch(int64_t batch_size, bool shuffle, uint64_t seed, int64_t& cursor, at::Tensor& x, at::Tensor& lengths, at::Tensor& labels) const;

  int64_t size() const { return static_cast<int64_t>(labels_.size()); }
  int64_t total_tokens() const { return static_cast<int64_t>(tokens_.size()); }

 private:
  int64_t ExampleAt(int64_t cursor, bool shuffle, uint64_t seed) const;
  std::vector<uint32_t> tokens_;
  std::vector<int64_t> starts_;  // size() + 1 offsets into tokens_
  std::vector<int64_t> labels_;
  int64_t context_ = 0;
  // The permutation of the epoch last drawn from (the trainer reads epochs in order).
  mutable int64_t order_epoch_ = -1;
  mutable uint64_t order_seed_ = 0;
  mutable std::vector<int64_t> order_;
};

}  // namespace egen

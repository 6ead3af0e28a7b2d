#include "data/example_shards.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "data/token_shards.h"
#include "io/files.h"
#include "util/json.h"

namespace egen {
namespace {

constexpr int64_t kIndexRecordBytes = 8;  // uint32 length, uint32 label

std::string Stem(const std::string& path) {
  for (const char* ext : {".bin", ".idx", ".json"}) {
    const std::string e(ext);
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0) return path.substr(0, path.size() - e.size());
  }
  return path;
}

uint32_t ReadU32(const std::string& bytes, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + offset;
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

}  // namespace

ExampleDataset::ExampleDataset(const std::vector<std::string>& paths, int64_t model_vocab, int64_t num_labels, int64_t context_length, const std::string& what)
    : context_(context_length) {
  if (paths.empty()) throw std::runtime_error("no " + what + " shards given");
  starts_.push_back(0);
  for (const std::string& path : paths) {
    const std::string stem = Stem(path);
    const std::string header_path = stem + ".json", bin = stem + ".bin", idx = stem + ".idx";
    const auto require = [&](const std::string& file) {
      if (!PathExists(file)) throw std::runtime_error(what + " example shard file " + file + " does not exist");
    };
    require(header_path);
    const Json header = Json::Parse(ReadFile(header_path), header_path);
    int64_t width = 2, examples = 0, tokens = 0, vocab = 0, labels = 0;
    try {
      if (!header.Has("format") || header.at("format").AsString() != "egen-examples") {
        throw std::runtime_error(std::string("format is not \"egen-examples\"") + (header.Has("format") && header.at("format").AsString() == "egen-tokens" ? " (this is a token shard; a classification model trains on labelled example shards)" : ""));
      }
      if (header.at("version").AsInt() != 1) throw std::runtime_error("unsupported version " + header.at("version").Dump());
      const std::string dtype = header.at("dtype").AsString();
      if (dtype == "uint16") width = 2;
      else if (dtype == "uint32") width = 4;
      else throw std::runtime_error("dtype must be \"uint16\" or \"uint32\", not \"" + dtype + "\"");
      examples = header.at("examples").AsInt();
      tokens = header.at("tokens").AsInt();
      vocab = header.at("vocabSize").AsInt();
      labels = header.at("numLabels").AsInt();
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(what + " example shard header " + header_path + ": " + e.what());
    }
    require(bin);
    require(idx);
    if (labels != num_labels) {
      throw std::runtime_error(what + " example shard " + header_path + " has numLabels " + std::to_string(labels) + " but the model has " + std::to_string(num_labels));
    }
    if (vocab > model_vocab) {
      throw std::runtime_error(what + " example shard " + header_path + " has vocabSize " + std::to_string(vocab) + " but the model's vocabulary has " + std::to_string(model_vocab) + " tokens");
    }
    const std::string bin_bytes = ReadFile(bin);
    const std::string idx_bytes = ReadFile(idx);
    if (static_cast<int64_t>(bin_bytes.size()) != tokens * width) {
      throw std::runtime_error(what + " example shard " + bin + " holds " + std::to_string(bin_bytes.size()) + " bytes but its header says " + std::to_string(tokens) + " tokens of " + std::to_string(width) + " bytes");
    }
    if (static_cast<int64_t>(idx_bytes.size()) != examples * kIndexRecordBytes) {
      throw std::runtime_error(what + " example shard " + idx + " holds " + std::to_string(idx_bytes.size()) + " bytes but its header says " + std::to_string(examples) + " examples of " + std::to_string(kIndexRecordBytes) + " bytes");
    }
    const int64_t first_token = static_cast<int64_t>(tokens_.size());
    int64_t offset = 0;
    for (int64_t e = 0; e < examples; ++e) {
      const int64_t length = ReadU32(idx_bytes, static_cast<size_t>(e * kIndexRecordBytes));
      const int64_t label = ReadU32(idx_bytes, static_cast<size_t>(e * kIndexRecordBytes + 4));
      if (length < 1) throw std::runtime_error(what + " example shard " + idx + ": example " + std::to_string(e) + " is empty");
      if (label >= num_labels) throw std::runtime_error(what + " example shard " + idx + ": example " + std::to_string(e) + " has label " + std::to_string(label) + " but numLabels is " + std::to_string(num_labels));
      offset += length;
      if (offset > tokens) throw std::runtime_error(what + " example shard " + idx + ": the examples' lengths add up to more than the header's " + std::to_string(tokens) + " tokens");
      starts_.push_back(first_token + offset);
      labels_.push_back(label);
    }
    if (offset != tokens) throw std::runtime_error(what + " example shard " + idx + ": the examples' lengths add up to " + std::to_string(offset) + " tokens but the header says " + std::to_string(tokens));
    tokens_.resize(static_cast<size_t>(first_token + tokens));
    for (int64_t i = 0; i < tokens; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(bin_bytes.data()) + i * width;
      const uint32_t id = width == 2 ? static_cast<uint32_t>(p[0] | p[1] << 8) : ReadU32(bin_bytes, static_cast<size_t>(i * width));
      if (static_cast<int64_t>(id) >= model_vocab) {
        throw std::runtime_error(what + " example shard " + bin + " contains token id " + std::to_string(id) + " but the model's vocabulary has " + std::to_string(model_vocab) + " tokens");
      }
      tokens_[static_cast<size_t>(first_token + i)] = id;
    }
  }
  if (labels_.empty()) throw std::runtime_error(what + " example shards hold no examples");
}

int64_t ExampleDataset::ExampleAt(int64_t cursor, bool shuffle, uint64_t seed) const {
  const int64_t n = size();
  if (!shuffle) return cursor % n;
  const int64_t epoch = cursor / n;
  if (epoch != order_epoch_ || seed != order_seed_) {
    // Fisher-Yates driven by the counter-based generator: the order depends on (seed, epoch) only.
    order_.resize(static_cast<size_t>(n));
    std::iota(order_.begin(), order_.end(), 0);
    const uint64_t base = SplitMix64(seed * 0x100000001B3ull ^ (static_cast<uint64_t>(epoch) + 0x5851F42D4C957F2Dull));
    for (int64_t i = n - 1; i > 0; --i) {
      const auto j = static_cast<int64_t>(SplitMix64(base ^ static_cast<uint64_t>(i)) % static_cast<uint64_t>(i + 1));
      std::swap(order_[static_cast<size_t>(i)], order_[static_cast<size_t>(j)]);
    }
    order_epoch_ = epoch;
    order_seed_ = seed;
  }
  return order_[static_cast<size_t>(cursor % n)];
}

int64_t ExampleDataset::NextBatch(int64_t batch_size, bool shuffle, uint64_t seed, int64_t& cursor, at::Tensor& x, at::Tensor& lengths, at::Tensor& labels) const {
  std::vector<int64_t> picked(static_cast<size_t>(batch_size));
  int64_t width = 1;
  for (int64_t b = 0; b < batch_size; ++b, ++cursor) {
    picked[static_cast<size_t>(b)] = ExampleAt(cursor, shuffle, seed);
    const int64_t e = picked[static_cast<size_t>(b)];
    width = std::max(width, std::min(context_, starts_[static_cast<size_t>(e + 1)] - starts_[static_cast<size_t>(e)]));
  }
  x = at::zeros({batch_size, width}, at::kLong);
  lengths = at::empty({batch_size}, at::kLong);
  labels = at::empty({batch_size}, at::kLong);
  auto* xp = x.data_ptr<int64_t>();
  auto* lp = lengths.data_ptr<int64_t>();
  auto* yp = labels.data_ptr<int64_t>();
  int64_t real = 0;
  for (int64_t b = 0; b < batch_size; ++b) {
    const auto e = static_cast<size_t>(picked[static_cast<size_t>(b)]);
    const int64_t length = std::min(context_, starts_[e + 1] - starts_[e]);  // longer examples keep their first contextLength tokens
    for (int64_t t = 0; t < length; ++t) xp[b * width + t] = tokens_[static_cast<size_t>(starts_[e] + t)];
    lp[b] = length;
    yp[b] = labels_[e];
    real += length;
  }
  return real;
}

}  // namespace egen

#include "data/token_shards.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "io/files.h"
#include "util/json.h"

#ifndef _WIN32
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace egen {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class MappedShard {
 public:
  MappedShard(const std::string& stem, int64_t model_vocab, const std::string& what) : bin_(stem + ".bin") {
    const std::string header_path = stem + ".json";
    if (!PathExists(header_path)) throw std::runtime_error(what + " shard header " + header_path + " does not exist");
    if (!PathExists(bin_)) throw std::runtime_error(what + " shard " + bin_ + " does not exist");
    const Json header = Json::Parse(ReadFile(header_path), header_path);
    try {
      if (header.at("format").AsString() != "egen-tokens") throw std::runtime_error("format is not \"egen-tokens\"");
      if (header.at("version").AsInt() != 1) throw std::runtime_error("unsupported version " + header.at("version").Dump());
      const std::string dtype = header.at("dtype").AsString();
      if (dtype == "uint16") width_ = 2;
      else if (dtype == "uint32") width_ = 4;
      else throw std::runtime_error("dtype must be \"uint16\" or \"uint32\", not \"" + dtype + "\"");
      count_ = header.at("count").AsInt();
      vocab_ = header.at("vocabSize").AsInt();
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(what + " shard header " + header_path + ": " + e.what());
    }
    const int64_t size = FileSize(bin_);
    if (size != count_ * width_) {
      throw std::runtime_error(what + " shard " + bin_ + " holds " + std::to_string(size) + " bytes but its header says " + std::to_string(count_) + " tokens of " + std::to_string(width_) + " bytes (" + std::to_string(count_ * width_) + " bytes)");
    }
    if (vocab_ > model_vocab) {
      throw std::runtime_error(what + " shard " + header_path + " has vocabSize " + std::to_string(vocab_) + " but the model's vocabulary has " + std::to_string(model_vocab) + " tokens");
    }
    Map();
    const int64_t largest = MaxToken();
    if (largest >= model_vocab) {
      throw std::runtime_error(what + " shard " + bin_ + " contains token id " + std::to_string(largest) + " but the model's vocabulary has " + std::to_string(model_vocab) + " tokens");
    }
  }
  ~MappedShard() {
#ifndef _WIN32
    if (mapped_ && size_ > 0) ::munmap(const_cast<void*>(data_), static_cast<size_t>(size_));
#endif
  }
  int64_t count() const { return count_; }
  int64_t Token(int64_t i) const {
    return width_ == 2 ? static_cast<const uint16_t*>(data_)[i] : static_cast<const uint32_t*>(data_)[i];
  }
  void Copy(int64_t start, int64_t n, int64_t* out) const {
    if (width_ == 2) {
      const auto* p = static_cast<const uint16_t*>(data_) + start;
      for (int64_t i = 0; i < n; ++i) out[i] = p[i];
    } else {
      const auto* p = static_cast<const uint32_t*>(data_) + start;
      for (int64_t i = 0; i < n; ++i) out[i] = p[i];
    }
  }

 private:
  void Map() {
    size_ = count_ * width_;
    if (size_ == 0) return;
#ifndef _WIN32
    const int fd = ::open(bin_.c_str(), O_RDONLY);
    if (fd < 0) throw std::runtime_error("cannot open shard " + bin_);
    void* p = ::mmap(nullptr, static_cast<size_t>(size_), PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) throw std::runtime_error("cannot memory-map shard " + bin_);
    data_ = p;
    mapped_ = true;
#else
    // Windows: read into memory (a file mapping is a later optimization).
    buffer_ = ReadFile(bin_);
    data_ = buffer_.data();
#endif
  }
  int64_t MaxToken() const {
    int64_t largest = -1;
    if (width_ == 2) {
      const auto* p = static_cast<const uint16_t*>(data_);
      largest = count_ ? *std::max_element(p, p + count_) : -1;
    } else {
      const auto* p = static_cast<const uint32_t*>(data_);
      largest = count_ ? *std::max_element(p, p + count_) : -1;
    }
    return largest;
  }

  std::string bin_;
  int64_t width_ = 2;
  int64_t count_ = 0;
  int64_t vocab_ = 0;
  int64_t size_ = 0;
  const void* data_ = nullptr;
  bool mapped_ = false;
  std::string buffer_;
};

namespace {
std::string Stem(const std::string& path) {
  for (const char* ext : {".bin", ".json"}) {
    const std::string e(ext);
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0) return path.substr(0, path.size() - e.size());
  }
  return path;
}
}  // namespace

TokenDataset::TokenDataset(const std::vector<std::string>& paths, int64_t model_vocab_size, int64_t context_length, const std::string& what)
    : context_(context_length) {
  if (paths.empty()) throw std::runtime_error("no " + what + " shards given");
  int64_t random_total = 0;
  int64_t sequential_total = 0;
  for (const std::string& path : paths) {
    auto shard = std::make_unique<MappedShard>(Stem(path), model_vocab_size, what);
    total_tokens_ += shard->count();
    random_total += std::max<int64_t>(0, shard->count() - context_);
    sequential_total += std::max<int64_t>(0, (shard->count() - 1) / context_);
    random_prefix_.push_back(random_total);
    sequential_prefix_.push_back(sequential_total);
    shards_.push_back(std::move(shard));
  }
  if (random_total == 0) {
    throw std::runtime_error(what + " shards hold " + std::to_string(total_tokens_) + " tokens; each needs at least contextLength + 1 = " + std::to_string(context_ + 1));
  }
  sequential_windows_ = sequential_total;
}

TokenDataset::~TokenDataset() = default;

void TokenDataset::Window(int64_t index, bool random_offset, int64_t* x, int64_t* y) const {
  const std::vector<int64_t>& prefix = random_offset ? random_prefix_ : sequential_prefix_;
  const auto it = std::upper_bound(prefix.begin(), prefix.end(), index);
  const auto shard_index = static_cast<size_t>(it - prefix.begin());
  const int64_t before = shard_index == 0 ? 0 : prefix[shard_index - 1];
  const int64_t local = index - before;
  const int64_t start = random_offset ? local : local * context_;
  const MappedShard& shard = *shards_[shard_index];
  shard.Copy(start, context_, x);
  shard.Copy(start + 1, context_, y);
}

void TokenDataset::NextBatch(int64_t batch_size, bool random, uint64_t seed, int64_t& cursor, at::Tensor& x, at::Tensor& y) const {
  if (!x.defined() || x.size(0) != batch_size) {
    x = at::empty({batch_size, context_}, at::kLong);
    y = at::empty({batch_size, context_}, at::kLong);
  }
  auto* xp = x.data_ptr<int64_t>();
  auto* yp = y.data_ptr<int64_t>();
  const int64_t random_total = random_prefix_.back();
  for (int64_t b = 0; b < batch_size; ++b, ++cursor) {
    int64_t index;
    if (random) index = static_cast<int64_t>(SplitMix64(seed * 0x100000001B3ull ^ static_cast<uint64_t>(cursor)) % static_cast<uint64_t>(random_total));
    else index = cursor % sequential_windows_;
    Window(index, random, xp + b * context_, yp + b * context_);
  }
}

}  // namespace egen

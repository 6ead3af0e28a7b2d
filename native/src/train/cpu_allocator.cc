#include "train/cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#ifdef _WIN32
#include <malloc.h>
#endif

namespace egen {
namespace {

constexpr size_t kMinCachedBytes = size_t{1} << 20;   // smaller blocks: the default allocator
constexpr size_t kRoundBytes = size_t{4096};          // sizes round up to whole pages
constexpr size_t kMaxCachedBytes = size_t{8} << 30;   // above this, frees go straight back
constexpr size_t kAlignment = 64;                     // as c10's alloc_cpu

void* AlignedAlloc(size_t n) {
#ifdef _WIN32
  void* p = _aligned_malloc(n, kAlignment);
#else
  void* p = nullptr;
  if (posix_memalign(&p, kAlignment, n) != 0) p = nullptr;
#endif
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void AlignedFree(void* p) {
#ifdef _WIN32
  _aligned_free(p);
#else
  std::free(p);
#endif
}

// Every block carries its size in a 64-byte header in front of the data, so any pointer we
// handed out (including through raw_allocate) can be released without a lookup.
class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) override {
    const size_t size = n < kMinCachedBytes ? n : (n + kRoundBytes - 1) / kRoundBytes * kRoundBytes;
    char* block = nullptr;
    if (size >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        block = static_cast<char*>(it->second.back());
        it->second.pop_back();
        cached_ -= size;
      }
    }
    if (block == nullptr) {
      block = static_cast<char*>(AlignedAlloc(size + kAlignment));
      std::memcpy(block, &size, sizeof size);
    }
    void* data = block + kAlignment;
    return {data, data, &Release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &Release; }

  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }

  void Free(void* data) {
    char* block = static_cast<char*>(data) - kAlignment;
    size_t size = 0;
    std::memcpy(&size, block, sizeof size);
    if (size >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (enabled_ && cached_ + size <= kMaxCachedBytes) {
        free_[size].push_back(block);
        cached_ += size;
        return;
      }
    }
    AlignedFree(block);
  }

  void Enable() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (users_++ > 0) return;
    enabled_ = true;
    fallback_ = c10::GetCPUAllocator();
    c10::SetCPUAllocator(this, /*priority=*/fallback_priority_);
  }

  void Disable() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--users_ > 0) return;
    enabled_ = false;
    c10::SetCPUAllocator(fallback_, /*priority=*/fallback_priority_);
    for (auto& [size, list] : free_) for (void* p : list) AlignedFree(p);
    free_.clear();
    cached_ = 0;
  }

  size_t cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

  static CachingCpuAllocator& Instance() {
    static auto* instance = new CachingCpuAllocator();  // never destroyed: live tensors may point at it
    return *instance;
  }

 private:
  static void Release(void* p) { Instance().Free(p); }

  std::mutex mutex_;
  c10::Allocator* fallback_ = nullptr;  // the allocator we replaced, restored by Disable
  const uint8_t fallback_priority_ = 0;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
  int users_ = 0;
  bool enabled_ = false;
};

}  // namespace

CachingCpuAllocatorScope::CachingCpuAllocatorScope() { CachingCpuAllocator::Instance().Enable(); }
CachingCpuAllocatorScope::~CachingCpuAllocatorScope() { CachingCpuAllocator::Instance().Disable(); }
size_t CachedCpuBytes() { return CachingCpuAllocator::Instance().cached(); }

}  // namespace egen

// A caching CPU allocator for training: large blocks (>= 1 MiB) freed during a step are kept
// and handed out again for the same size in the next step, instead of going back to the OS
// (glibc serves blocks above 32 MiB with mmap/munmap, so every step would page-fault and zero
// them again: ~150k page faults per step for GPT-2 124M). Small blocks are allocated and freed
// normally.
#pragma once
#include <cstddef>

namespace egen {

// While at least one scope is alive, libtorch's CPU allocator is the caching one. When the last
// scope ends the cache is emptied and the default allocator restored; blocks still alive are
// freed normally later.
class CachingCpuAllocatorScope {
 public:
  CachingCpuAllocatorScope();
  ~CachingCpuAllocatorScope();
  CachingCpuAllocatorScope(const CachingCpuAllocatorScope&) = delete;
  CachingCpuAllocatorScope& operator=(const CachingCpuAllocatorScope&) = delete;
};

// Bytes currently held in the cache (free blocks), for diagnostics.
size_t CachedCpuBytes();

}  // namespace egen

// What this process's libtorch can do: version, build flavour, devices.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace egen {

struct DeviceInfo {
  std::string type;  // "cpu" or "cuda"
  int64_t index = 0;
  std::string name;
  int64_t total_memory_bytes = 0;  // 0 when unknown (CPU)
};

struct RuntimeInfo {
  std::string libtorch_version;  // e.g. "2.13.0"
  bool cuda_available = false;
  std::string cuda_version;  // empty for a CPU build
  int64_t intra_op_threads = 0;
  std::vector<DeviceInfo> devices;
  bool cpu_attention_kernel = false;  // ops/cpu_kernels.h
  bool cpu_gelu_kernel = false;
};

RuntimeInfo QueryRuntimeInfo();

}  // namespace egen

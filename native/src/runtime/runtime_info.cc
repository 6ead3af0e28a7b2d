#include "runtime/runtime_info.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "ops/cpu_kernels.h"

#ifdef EGEN_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#endif

namespace egen {

RuntimeInfo QueryRuntimeInfo() {
  RuntimeInfo info;
  info.libtorch_version = TORCH_VERSION;
  info.intra_op_threads = at::get_num_threads();
  info.cuda_available = torch::cuda::is_available();
  info.devices.push_back(DeviceInfo{"cpu", 0, "CPU", 0});
  const CpuKernelSupport kernels = QueryCpuKernels();
  info.cpu_attention_kernel = kernels.causal_attention;
  info.cpu_gelu_kernel = kernels.gelu;
#ifdef EGEN_WITH_CUDA
  info.cuda_version = std::to_string(CUDA_VERSION / 1000) + "." + std::to_string((CUDA_VERSION % 1000) / 10);
  if (info.cuda_available) {
    const auto count = static_cast<int64_t>(torch::cuda::device_count());
    for (int64_t i = 0; i < count; ++i) {
      cudaDeviceProp prop{};
      if (cudaGetDeviceProperties(&prop, static_cast<int>(i)) == cudaSuccess) {
        info.devices.push_back(DeviceInfo{"cuda", i, prop.name, static_cast<int64_t>(prop.totalGlobalMem)});
      }
    }
  }
#endif
  return info;
}

}  // namespace egen

#include "train/device_scope.h"

#include <ATen/autocast_mode.h>
#include <ATen/cpu/Utils.h>
#include <torch/cuda.h>

#include <cstdlib>
#include <stdexcept>

#ifdef EGEN_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace egen {
namespace {

bool CpuHasFastBf16() {
  for (const auto& [key, value] : at::cpu::get_cpu_capabilities()) {
    if (key.find("bf16") != std::string::npos && value.isBool() && value.toBool()) return true;
  }
  return false;
}

}  // namespace

c10::Device ResolveDevice(const std::string& name) {
  if (name == "cpu") return c10::kCPU;
  const bool cuda = torch::cuda::is_available();
  if (name == "auto") return cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (!cuda) throw std::runtime_error("device \"" + name + "\" was requested but CUDA is not available in this build or on this machine");
  const int64_t index = name == "cuda" ? 0 : std::stoll(name.substr(5));
  if (index >= static_cast<int64_t>(torch::cuda::device_count())) {
    throw std::runtime_error("device \"" + name + "\" does not exist; " + std::to_string(torch::cuda::device_count()) + " CUDA device(s) found");
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

std::optional<at::ScalarType> ResolvePrecision(const std::string& precision, const c10::Device& device, std::string& resolved) {
  resolved = precision;
  if (precision == "fp32") return std::nullopt;
  if (precision == "bf16") return at::kBFloat16;
  if (precision == "fp16") {
    if (!device.is_cuda()) throw std::runtime_error("precision \"fp16\" needs a CUDA device (dynamic loss scaling); use \"bf16\" or \"fp32\" on the CPU");
    return at::kHalf;
  }
  // auto: bf16 where the hardware does it natively, else fp16 with loss scaling on older GPUs.
  if (device.is_cuda()) {
#ifdef EGEN_WITH_CUDA
    const bool bf16 = at::cuda::getDeviceProperties(device.index())->major >= 8;
    resolved = bf16 ? "bf16" : "fp16";
    return bf16 ? at::kBFloat16 : at::kHalf;
#endif
  }
  if (CpuHasFastBf16()) {
    resolved = "bf16";
    return at::kBFloat16;
  }
  resolved = "fp32";
  return std::nullopt;
}

DeterministicScope::DeterministicScope(bool active) : active_(active) {
  if (!active_) return;
  auto& ctx = at::globalContext();
  previous_algorithms_ = ctx.deterministicAlgorithms();
  previous_warn_only_ = ctx.deterministicAlgorithmsWarnOnly();
  previous_cudnn_ = ctx.deterministicCuDNN();
  previous_benchmark_ = ctx.benchmarkCuDNN();
  // Read when cuBLAS creates a handle: effective for handles created after this point.
#ifdef _WIN32
  if (std::getenv("CUBLAS_WORKSPACE_CONFIG") == nullptr) _putenv_s("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
#else
  setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
#endif
  ctx.setDeterministicAlgorithms(true, /*warn_only=*/true);
  ctx.setDeterministicCuDNN(true);
  ctx.setBenchmarkCuDNN(false);
}

DeterministicScope::~DeterministicScope() {
  if (!active_) return;
  auto& ctx = at::globalContext();
  ctx.setDeterministicAlgorithms(previous_algorithms_, previous_warn_only_);
  ctx.setDeterministicCuDNN(previous_cudnn_);
  ctx.setBenchmarkCuDNN(previous_benchmark_);
}

AutocastScope::AutocastScope(at::DeviceType device, std::optional<at::ScalarType> dtype) : device_(device), active_(dtype.has_value()) {
  if (!active_) return;
  previous_enabled_ = at::autocast::is_autocast_enabled(device_);
  previous_dtype_ = at::autocast::get_autocast_dtype(device_);
  at::autocast::set_autocast_enabled(device_, true);
  at::autocast::set_autocast_dtype(device_, *dtype);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(device_, previous_enabled_);
  at::autocast::set_autocast_dtype(device_, previous_dtype_);
}

}  // namespace egen

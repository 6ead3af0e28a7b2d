#include "ops/cpu_kernels.h"

#include <cstdlib>
#include <string>

#include "ops/cpu_blas.h"
#include "ops/simd_math.h"

namespace egen {

bool CpuKernelsSwitchedOff() {
  static const bool off = [] {
    const char* v = std::getenv("EGEN_CPU_KERNELS");
    return v != nullptr && std::string(v) == "off";
  }();
  return off;
}

CpuKernelSupport QueryCpuKernels() {
  CpuKernelSupport s;
  s.causal_attention = !CpuKernelsSwitchedOff() && CpuBlasAvailable();
  s.gelu = !CpuKernelsSwitchedOff() && HasAvx2();
  return s;
}

}  // namespace egen

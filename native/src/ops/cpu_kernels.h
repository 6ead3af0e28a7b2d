// Which of EGen's own CPU kernels this process uses (ops/causal_attention_cpu.h, ops/gelu_cpu.h);
// the rest of the model runs on libtorch's kernels either way.
#pragma once

namespace egen {

struct CpuKernelSupport {
  bool causal_attention = false;  // needs a BLAS sgemm exported by libtorch
  bool gelu = false;              // needs AVX2 + FMA
};

// EGEN_CPU_KERNELS=off turns them all off: a diagnostic for A/B timings and for ruling them out.
bool CpuKernelsSwitchedOff();

CpuKernelSupport QueryCpuKernels();

}  // namespace egen

// Exact (erf) GELU on the CPU in float32 that keeps its derivative instead of its input.
//
// Why: the forward evaluates erf(x / sqrt 2) through exp(-x^2 / 2), which is also the normal
// density the derivative needs, so it stores GELU'(x) = Phi(x) + x phi(x) alongside the output
// and the backward is one multiply (libtorch's gelu_backward evaluates erf and exp again: on GPT
// tiny it took twice the forward's time). Same memory: the derivative replaces the saved input.
// erf is Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the approximation libtorch's vectorized
// CPU kernel uses too.
#pragma once

#include <torch/torch.h>

namespace egen {

// Whether GeluCpu applies: a float32 CPU tensor that needs a gradient, with the kernel on
// (ops/cpu_kernels.h). Elsewhere at::gelu is as fast.
bool GeluCpuApplies(const torch::Tensor& x);

// 0.5 x (1 + erf(x / sqrt 2)), differentiable.
torch::Tensor GeluCpu(const torch::Tensor& x);

}  // namespace egen

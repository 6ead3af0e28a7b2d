// Causal self-attention for short contexts on the CPU, forward and backward in one pass per head.
//
// Why: at small widths libtorch's CPU flash-attention kernel costs more than the layer's matrix
// products (GPT tiny, 12 x 4 heads x 64 x 32: ~1.4 ms per layer for forward + backward), and it
// needs the q/k/v views copied out of the fused projection and the gradients copied back in.
// This kernel reads q, k and v where c_attn wrote them, keeps the softmax probabilities (small
// at short contexts) for the backward, and writes dq/dk/dv straight into the projection's
// gradient. Each head runs whole on one thread, so results do not depend on the thread count.
#pragma once

#include <torch/torch.h>

namespace egen {

// Longest context the kernel takes: it keeps B x nh x T x T probabilities for the backward, a
// quarter of a block's activations at T = 256 with 64-wide heads; longer contexts use SDPA.
constexpr int64_t kCausalAttentionCpuMaxContext = 256;

// Whether CausalAttentionCpu takes this qkv: float32 on the CPU, at most
// kCausalAttentionCpuMaxContext positions, with the kernel on (ops/cpu_kernels.h). The caller
// decides the rest (no KV cache, no mask, no dropout).
bool CausalAttentionCpuApplies(const torch::Tensor& qkv);

// qkv: (B, T, 3C) float32 CPU, the fused projection's output (q | k | v, heads side by side).
// Returns y: (B, T, C) = softmax(q k^T / sqrt(hs), causal) v with heads side by side again.
// Differentiable with respect to qkv.
torch::Tensor CausalAttentionCpu(const torch::Tensor& qkv, int64_t n_head);

}  // namespace egen

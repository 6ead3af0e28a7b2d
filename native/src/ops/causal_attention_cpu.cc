#include "ops/causal_attention_cpu.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/cpu_blas.h"
#include "ops/cpu_kernels.h"
#include "ops/simd_math.h"

namespace egen {
namespace {

// ---- one row of the causal softmax: the first `len` entries, the rest zero ----

void SoftmaxRowScalar(float* p, int len) {
  float max = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < len; ++j) max = std::max(max, p[j]);
  float sum = 0;
  for (int j = 0; j < len; ++j) sum += p[j] = std::exp(p[j] - max);
  const float inv = 1.0f / sum;
  for (int j = 0; j < len; ++j) p[j] *= inv;
}

// dS = P (dP - rowsum(P dP)), in place over dP.
void SoftmaxBackwardRowScalar(const float* p, float* dp, int len) {
  float dot = 0;
  for (int j = 0; j < len; ++j) dot += p[j] * dp[j];
  for (int j = 0; j < len; ++j) dp[j] = p[j] * (dp[j] - dot);
}

#ifdef EGEN_SIMD_AVX2
EGEN_AVX2 void SoftmaxRowAvx2(float* p, int len) {
  int j = 0;
  __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (; j + 8 <= len; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(p + j));
  float max = HorizontalMax(vmax);
  for (; j < len; ++j) max = std::max(max, p[j]);
  const __m256 vm = _mm256_set1_ps(max);
  __m256 vsum = _mm256_setzero_ps();
  for (j = 0; j + 8 <= len; j += 8) {
    const __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(p + j), vm));
    _mm256_storeu_ps(p + j, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = HorizontalSum(vsum);
  for (; j < len; ++j) sum += p[j] = std::exp(p[j] - max);
  const float inv = 1.0f / sum;
  const __m256 vinv = _mm256_set1_ps(inv);
  for (j = 0; j + 8 <= len; j += 8) _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), vinv));
  for (; j < len; ++j) p[j] *= inv;
}

EGEN_AVX2 void SoftmaxBackwardRowAvx2(const float* p, float* dp, int len) {
  int j = 0;
  __m256 vdot = _mm256_setzero_ps();
  for (; j + 8 <= len; j += 8) vdot = _mm256_fmadd_ps(_mm256_loadu_ps(p + j), _mm256_loadu_ps(dp + j), vdot);
  float dot = HorizontalSum(vdot);
  for (; j < len; ++j) dot += p[j] * dp[j];
  const __m256 vd = _mm256_set1_ps(dot);
  for (j = 0; j + 8 <= len; j += 8) {
    _mm256_storeu_ps(dp + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), _mm256_sub_ps(_mm256_loadu_ps(dp + j), vd)));
  }
  for (; j < len; ++j) dp[j] = p[j] * (dp[j] - dot);
}
#endif

void SoftmaxRow(float* p, int len) {
#ifdef EGEN_SIMD_AVX2
  if (HasAvx2()) return SoftmaxRowAvx2(p, len);
#endif
  SoftmaxRowScalar(p, len);
}

void SoftmaxBackwardRow(const float* p, float* dp, int len) {
#ifdef EGEN_SIMD_AVX2
  if (HasAvx2()) return SoftmaxBackwardRowAvx2(p, dp, len);
#endif
  SoftmaxBackwardRowScalar(p, dp, len);
}

// Sizes and leading dimensions of one call. Head h of batch b: q at row b*T, column h*hs of
// qkv (row stride 3C), k and v C and 2C further; its output at column h*hs of y (row stride C);
// its probabilities at probs[b][h], T x T.
struct Layout {
  int B, T, C, n_head, head_size;
  float scale;
  int qkv_ld() const { return 3 * C; }
  int64_t qkv_offset(int64_t bh) const { return (bh / n_head) * T * qkv_ld() + (bh % n_head) * head_size; }
  int64_t y_offset(int64_t bh) const { return (bh / n_head) * T * C + (bh % n_head) * head_size; }
};

// Causality in blocks of kBlock positions: query rows [r0, r1) see keys [0, r1) only, and key
// rows [c0, c1) are seen by queries [c0, T) only, so each product skips the blocks above the
// diagonal (a quarter of the work at T = 64, nearly half at 256).
constexpr int kBlock = 32;

void Forward(const Layout& s, const float* qkv, float* y, float* probs) {
  const int T = s.T, hs = s.head_size, ld = s.qkv_ld();
  at::parallel_for(0, static_cast<int64_t>(s.B) * s.n_head, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      const float* q = qkv + s.qkv_offset(bh);
      const float* k = q + s.C;
      const float* v = q + 2 * s.C;
      float* p = probs + bh * T * T;
      float* yh = y + s.y_offset(bh);
      for (int r0 = 0; r0 < T; r0 += kBlock) {
        const int r1 = std::min(T, r0 + kBlock);
        RowMajorGemm(false, true, r1 - r0, r1, hs, s.scale, q + r0 * ld, ld, k, ld, 0.0f, p + r0 * T, T);  // S = scale q k^T
        for (int i = r0; i < r1; ++i) {
          SoftmaxRow(p + i * T, i + 1);  // position i attends to 0..i
          std::fill(p + i * T + i + 1, p + (i + 1) * T, 0.0f);
        }
        RowMajorGemm(false, false, r1 - r0, hs, r1, 1.0f, p + r0 * T, T, v, ld, 0.0f, yh + r0 * s.C, s.C);  // y = P v
      }
    }
  });
}

void Backward(const Layout& s, const float* qkv, const float* probs, const float* dy, float* dqkv) {
  const int T = s.T, hs = s.head_size, ld = s.qkv_ld();
  at::parallel_for(0, static_cast<int64_t>(s.B) * s.n_head, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> ds_buffer(static_cast<size_t>(T) * T);
    float* ds = ds_buffer.data();
    for (int64_t bh = begin; bh < end; ++bh) {
      const float* q = qkv + s.qkv_offset(bh);
      const float* k = q + s.C;
      const float* v = q + 2 * s.C;
      const float* p = probs + bh * T * T;
      const float* dyh = dy + s.y_offset(bh);
      float* dq = dqkv + s.qkv_offset(bh);
      float* dk = dq + s.C;
      float* dv = dq + 2 * s.C;
      for (int r0 = 0; r0 < T; r0 += kBlock) {  // query rows: dP, dS, dq
        const int r1 = std::min(T, r0 + kBlock);
        RowMajorGemm(false, true, r1 - r0, r1, hs, 1.0f, dyh + r0 * s.C, s.C, v, ld, 0.0f, ds + r0 * T, T);  // dP = dy v^T
        for (int i = r0; i < r1; ++i) {
          SoftmaxBackwardRow(p + i * T, ds + i * T, i + 1);  // dS (before the scale)
          std::fill(ds + i * T + i + 1, ds + (i + 1) * T, 0.0f);
        }
        RowMajorGemm(false, false, r1 - r0, hs, r1, s.scale, ds + r0 * T, T, k, ld, 0.0f, dq + r0 * ld, ld);  // dq = scale dS k
      }
      for (int c0 = 0; c0 < T; c0 += kBlock) {  // key rows: dv, dk
        const int c1 = std::min(T, c0 + kBlock);
        RowMajorGemm(true, false, c1 - c0, hs, T - c0, 1.0f, p + c0 * T + c0, T, dyh + c0 * s.C, s.C, 0.0f, dv + c0 * ld, ld);  // dv = P^T dy
        RowMajorGemm(true, false, c1 - c0, hs, T - c0, s.scale, ds + c0 * T + c0, T, q + c0 * ld, ld, 0.0f, dk + c0 * ld, ld);  // dk = scale dS^T q
      }
    }
  });
}

Layout LayoutOf(const torch::Tensor& qkv, int64_t n_head) {
  Layout s;
  s.B = static_cast<int>(qkv.size(0));
  s.T = static_cast<int>(qkv.size(1));
  s.C = static_cast<int>(qkv.size(2) / 3);
  s.n_head = static_cast<int>(n_head);
  s.head_size = s.C / s.n_head;
  s.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.head_size)));
  return s;
}

class CausalAttentionFunction : public torch::autograd::Function<CausalAttentionFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& qkv_in, int64_t n_head) {
    RECORD_FUNCTION("egen::causal_attention_cpu", std::vector<c10::IValue>());  // named in EGEN_TRAIN_TRACE
    const torch::Tensor qkv = qkv_in.contiguous();
    const Layout s = LayoutOf(qkv, n_head);
    torch::Tensor y = at::empty({s.B, s.T, s.C}, qkv.options());
    torch::Tensor probs = at::empty({s.B, s.n_head, s.T, s.T}, qkv.options());
    Forward(s, qkv.data_ptr<float>(), y.data_ptr<float>(), probs.data_ptr<float>());
    ctx->save_for_backward({qkv, probs});
    ctx->saved_data["n_head"] = n_head;
    return y;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& qkv = saved[0];
    const torch::Tensor& probs = saved[1];
    const Layout s = LayoutOf(qkv, ctx->saved_data["n_head"].toInt());
    const torch::Tensor dy = grads[0].contiguous();
    torch::Tensor dqkv = at::empty_like(qkv);  // every element is written
    Backward(s, qkv.data_ptr<float>(), probs.data_ptr<float>(), dy.data_ptr<float>(), dqkv.data_ptr<float>());
    return {dqkv, torch::Tensor()};
  }
};

}  // namespace

bool CausalAttentionCpuApplies(const torch::Tensor& qkv) {
  return qkv.device().is_cpu() && qkv.scalar_type() == at::kFloat && qkv.dim() == 3 &&
         qkv.size(1) <= kCausalAttentionCpuMaxContext && QueryCpuKernels().causal_attention;
}

torch::Tensor CausalAttentionCpu(const torch::Tensor& qkv, int64_t n_head) {
  TORCH_CHECK(CausalAttentionCpuApplies(qkv), "CausalAttentionCpu: a float32 CPU (B, T, 3C) tensor with T <= ", kCausalAttentionCpuMaxContext, " and the kernel on expected (CausalAttentionCpuApplies)");
  TORCH_CHECK(qkv.size(2) % (3 * n_head) == 0, "CausalAttentionCpu: qkv must be (B, T, 3C) with C divisible by n_head");
  return CausalAttentionFunction::apply(qkv, n_head);
}

}  // namespace egen

#include "ops/gelu_cpu.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <cmath>

#include "ops/cpu_kernels.h"
#include "ops/simd_math.h"

namespace egen {
namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;  // the normal density at 0
// Abramowitz & Stegun 7.1.26: erf(a) = 1 - (p1 t + p2 t^2 + ... + p5 t^5) exp(-a^2), t = 1 / (1 + p a).
constexpr float kP = 0.3275911f, kP1 = 0.254829592f, kP2 = -0.284496736f, kP3 = 1.421413741f, kP4 = -1.453152027f,
                kP5 = 1.061405429f;

// y = x Phi(x) and d = Phi(x) + x phi(x) for n elements.
void GeluForwardScalar(const float* x, float* y, float* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float a = std::fabs(v) * kInvSqrt2;
    const float t = 1.0f / (1.0f + kP * a);
    const float poly = ((((kP5 * t + kP4) * t + kP3) * t + kP2) * t + kP1) * t;
    const float density = std::exp(-0.5f * v * v);  // exp(-a^2)
    const float erf_abs = 1.0f - poly * density;
    const float cdf = 0.5f * (1.0f + std::copysign(erf_abs, v));
    y[i] = v * cdf;
    d[i] = cdf + v * density * kInvSqrt2Pi;
  }
}

#ifdef EGEN_SIMD_AVX2
EGEN_AVX2 void GeluForwardAvx2(const float* x, float* y, float* d, int64_t n) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 sign = _mm256_and_ps(sign_bit, v);
    const __m256 a = _mm256_mul_ps(_mm256_andnot_ps(sign_bit, v), _mm256_set1_ps(kInvSqrt2));
    const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(kP), a, one));
    __m256 poly = _mm256_fmadd_ps(_mm256_set1_ps(kP5), t, _mm256_set1_ps(kP4));
    poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(kP3));
    poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(kP2));
    poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(kP1));
    poly = _mm256_mul_ps(poly, t);
    const __m256 density = Exp8(_mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(v, v)));
    const __m256 erf_abs = _mm256_fnmadd_ps(poly, density, one);
    const __m256 cdf = _mm256_mul_ps(half, _mm256_add_ps(one, _mm256_or_ps(erf_abs, sign)));
    _mm256_storeu_ps(y + i, _mm256_mul_ps(v, cdf));
    _mm256_storeu_ps(d + i, _mm256_fmadd_ps(_mm256_mul_ps(v, density), _mm256_set1_ps(kInvSqrt2Pi), cdf));
  }
  GeluForwardScalar(x + i, y + i, d + i, n - i);
}
#endif

void GeluForward(const float* x, float* y, float* d, int64_t n) {
  at::parallel_for(0, n, 16384, [&](int64_t begin, int64_t end) {
#ifdef EGEN_SIMD_AVX2
    if (HasAvx2()) return GeluForwardAvx2(x + begin, y + begin, d + begin, end - begin);
#endif
    GeluForwardScalar(x + begin, y + begin, d + begin, end - begin);
  });
}

class GeluFunction : public torch::autograd::Function<GeluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in) {
    RECORD_FUNCTION("egen::gelu_cpu", std::vector<c10::IValue>());  // named in EGEN_TRAIN_TRACE
    const torch::Tensor x = x_in.contiguous();
    torch::Tensor y = at::empty_like(x);
    torch::Tensor derivative = at::empty_like(x);
    GeluForward(x.data_ptr<float>(), y.data_ptr<float>(), derivative.data_ptr<float>(), x.numel());
    ctx->save_for_backward({derivative});
    return y;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    return {grads[0] * ctx->get_saved_variables()[0]};
  }
};

}  // namespace

bool GeluCpuApplies(const torch::Tensor& x) {
  // Only where the derivative is wanted (training) and the vector path exists.
  return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.requires_grad() && torch::GradMode::is_enabled() &&
         QueryCpuKernels().gelu;
}

torch::Tensor GeluCpu(const torch::Tensor& x) {
  TORCH_CHECK(GeluCpuApplies(x), "GeluCpu: a float32 CPU tensor that requires grad, with the kernel available (GeluCpuApplies)");
  return GeluFunction::apply(x);
}

}  // namespace egen

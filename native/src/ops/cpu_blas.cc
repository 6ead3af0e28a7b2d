#include "ops/cpu_blas.h"

#include <c10/util/Exception.h>

#if defined(__GNUC__)
// Fortran BLAS, 32-bit integers as PyTorch itself calls it. Weak: without it the addon still
// loads and the kernels that need it stand aside (CpuBlasAvailable).
extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const float* alpha,
                       const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c,
                       const int* ldc) __attribute__((weak));
#endif

namespace egen {

bool CpuBlasAvailable() {
#if defined(__GNUC__)
  return sgemm_ != nullptr;
#else
  return false;
#endif
}

void RowMajorGemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                  int ldb, float beta, float* c, int ldc) {
  TORCH_CHECK(CpuBlasAvailable(), "RowMajorGemm: this libtorch exports no BLAS sgemm");
#if defined(__GNUC__)
  // The column-major BLAS sees every row-major matrix transposed: C^T = op(B)^T op(A)^T.
  const char ta = trans_a ? 'T' : 'N', tb = trans_b ? 'T' : 'N';
  sgemm_(&tb, &ta, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
#endif
}

}  // namespace egen

// Single-threaded float32 matrix products on row-major buffers, through the BLAS sgemm that
// libtorch's CPU library exports (MKL in the x86 wheels, OpenBLAS on ARM). The CPU kernels in
// ops/ call it from inside at::parallel_for, one small product per thread (MKL runs sequentially
// inside the OpenMP region), so many tiny products share the cores without per-call threading.
#pragma once

namespace egen {

// Whether this libtorch exports sgemm (checked at run time: the symbol is weak).
bool CpuBlasAvailable();

// Row-major C (m x n, ldc) = alpha op(A) (m x k) op(B) (k x n) + beta C.
void RowMajorGemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                  int ldb, float beta, float* c, int ldc);

}  // namespace egen

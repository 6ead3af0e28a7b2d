#include "ops/tensor_ops.h"

#include <ATen/ATen.h>

namespace egen {
namespace {

at::Tensor View(const DenseTensor& t) {
  // from_blob does not copy; the caller keeps `t` alive for the duration of the op.
  return at::from_blob(const_cast<float*>(t.data.data()), t.shape, at::TensorOptions().dtype(at::kFloat));
}

}  // namespace

DenseTensor Matmul(const DenseTensor& a, const DenseTensor& b) {
  const at::Tensor result = at::matmul(View(a), View(b)).contiguous();
  DenseTensor out;
  out.shape = result.sizes().vec();
  out.data.assign(result.data_ptr<float>(), result.data_ptr<float>() + result.numel());
  return out;
}

}  // namespace egen

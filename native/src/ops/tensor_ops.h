// Small tensor operations exposed for checks of the toolchain and for tests.
#pragma once
#include <cstdint>
#include <vector>

namespace egen {

// A dense float32 tensor in row-major order, owned by value so it can cross threads.
struct DenseTensor {
  std::vector<float> data;
  std::vector<int64_t> shape;
};

// torch.matmul semantics (batched, broadcasting). Throws c10::Error on shape mismatch.
DenseTensor Matmul(const DenseTensor& a, const DenseTensor& b);

}  // namespace egen

#include "ops/simd_math.h"

namespace egen {

bool HasAvx2() {
#ifdef EGEN_SIMD_AVX2
  static const bool has = [] {
    __builtin_cpu_init();  // this may run before libgcc's own initializer
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
#else
  return false;
#endif
}

}  // namespace egen

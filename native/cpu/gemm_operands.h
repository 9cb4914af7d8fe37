// One SGEMM call's operands as the driver (gemm.cc) and its skinny-shape paths
// (gemm_skinny.cc) pass them around: the strided view of sgemm's arguments (gemm.h).
#pragma once
#include <cstdint>

namespace tl::cpu::detail {

struct Operands {
  int64_t m, n, k;
  float alpha;
  const float* a;
  int64_t rs_a, cs_a;
  const float* b;
  int64_t rs_b, cs_b;
  float beta;
  float* c;
  int64_t ldc;
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace tl::cpu::detail

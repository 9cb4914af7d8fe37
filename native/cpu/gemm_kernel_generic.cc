// Portable SGEMM micro-kernel, compiled with baseline flags only (SSE2 on x86-64, NEON on
// arm64). Plain loops over a fixed-size accumulator array: GCC -O3 keeps the 4 x 8 tile in
// 8 xmm registers (2 per row) next to the B row (2) and the broadcast A element, within the
// 16 xmm of SSE2, and vectorizes the j loops (checked with objdump: mulps/addps, no
// accumulator traffic to memory in the k loop).
#include "gemm_kernels.h"

namespace tl::cpu::detail {
namespace {

constexpr int kMR = 4;
constexpr int kNR = 8;

void kernel(int64_t kc, const float* __restrict a, const float* __restrict b, int64_t ldb,
            float* __restrict c, int64_t ldc, float beta, int64_t mr, int64_t nr) {
  float acc[kMR][kNR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    float bp[kNR];
    for (int j = 0; j < kNR; ++j) bp[j] = b[j];
    for (int i = 0; i < kMR; ++i) {
      const float ai = a[i];
      for (int j = 0; j < kNR; ++j) acc[i][j] += ai * bp[j];
    }
    a += kMR;
    b += ldb;
  }
  for (int64_t i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    if (nr == kNR) {
      if (beta == 0.0f) {
        for (int j = 0; j < kNR; ++j) ci[j] = acc[i][j];
      } else {
        for (int j = 0; j < kNR; ++j) ci[j] = beta * ci[j] + acc[i][j];
      }
    } else if (beta == 0.0f) {
      for (int64_t j = 0; j < nr; ++j) ci[j] = acc[i][j];
    } else {
      for (int64_t j = 0; j < nr; ++j) ci[j] = beta * ci[j] + acc[i][j];
    }
  }
}

}  // namespace

const KernelSet& generic_kernel_set() {
  // Small tile: kc 256 keeps the 256 x 8 B micro-panel (8 KB) in any L1.
  static const KernelSet set{"generic", kMR, kNR, 256, 64, 2048, &kernel, nullptr, nullptr, 0, 0};
  return set;
}

}  // namespace tl::cpu::detail

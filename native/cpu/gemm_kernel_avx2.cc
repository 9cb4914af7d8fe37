// AVX2 + FMA SGEMM micro-kernel (compiled with -mavx2 -mfma; only reached after a run-time
// CPU check).
//
// Register tile 6 x 16: 6 rows x 2 ymm = 12 accumulators + 2 ymm for the B row + 1-2 for the
// broadcast A element, within the 16 ymm registers. 12 independent FMA chains cover 2 pipes x
// 4-6 cycles latency on Haswell..Zen. Edge tiles are computed into a small stack tile and
// copied out, since AVX2 has no cheap per-element masks for floats in stores of odd widths.
#include "gemm_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace tl::cpu::detail {
namespace {

constexpr int kMR = 6;
constexpr int kNR = 16;

void kernel(int64_t kc, const float* __restrict a, const float* __restrict b, int64_t ldb,
            float* __restrict c, int64_t ldc, float beta, int64_t mr, int64_t nr) {
  __m256 acc[kMR][2];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();

#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
    a += kMR;
    b += ldb;
  }

  if (mr == kMR && nr == kNR) {
    const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      float* ci = c + i * ldc;
      if (beta == 0.0f) {
        _mm256_storeu_ps(ci, acc[i][0]);
        _mm256_storeu_ps(ci + 8, acc[i][1]);
      } else {
        _mm256_storeu_ps(ci, _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci), acc[i][0]));
        _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8), acc[i][1]));
      }
    }
    return;
  }
  alignas(32) float tile[kMR][kNR];
  // Fully unrolled: a loop over acc with a run-time index would force the accumulators into
  // memory for the whole kernel (GCC then stored all 12 of them on every k step).
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) {
    _mm256_store_ps(tile[i], acc[i][0]);
    _mm256_store_ps(tile[i] + 8, acc[i][1]);
  }
  for (int64_t i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      for (int64_t j = 0; j < nr; ++j) ci[j] = tile[i][j];
    } else {
      for (int64_t j = 0; j < nr; ++j) ci[j] = beta * ci[j] + tile[i][j];
    }
  }
}

}  // namespace

const KernelSet& avx2_kernel_set() {
  // kc 256: the 256 x 16 B micro-panel is 16 KB, half of a 32 KB L1. mc 72 * 256 * 4 = 72 KB
  // of packed A streams from L2.
  static const KernelSet set{"avx2", kMR, kNR, 256, 72, 4096, &kernel, nullptr, nullptr, 0, 0};
  return set;
}

}  // namespace tl::cpu::detail

#endif  // x86-64

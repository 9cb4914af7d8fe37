// AVX-512 SGEMM micro-kernel (compiled with -mavx512f -mavx512vl -mavx512dq -mavx512bw -mfma;
// only reached after a run-time CPU check).
//
// Register tile 12 x 32: 12 rows x 2 zmm = 24 accumulators, 2 zmm for the B row, 1-2 for the
// broadcast A element; 32 zmm in all, nothing spills. Why this shape (measured on Zen 5, 2 FMA
// pipes of 4-cycle latency, so >= 8 independent chains are needed): kernel alone on L1 data
// at kc=256 reached 230 GFLOP/s per core for 12x32, 9x48 and 6x64 alike and 216-227 for
// 14x32, 7x64, 16x16, 24x16, while a pure FMA loop measured 220-224 at the same time. All
// good tiles are at peak, so 12x32 was chosen for the smallest edge waste on the shapes that
// matter (n multiple of 32, m often 64/128: 12 rows waste 3% at m=128, 16 % at m = 64
// compared with 33 % for a 48-wide tile at n = 64).
#include "gemm_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <algorithm>

namespace tl::cpu::detail {
namespace {

constexpr int kMR = 12;
constexpr int kNV = 2;  // zmm vectors per tile row
constexpr int kNR = 16 * kNV;

// Writes one accumulator row to C with the requested beta, under a column mask.
template <int NV>
inline void store_row(float* c, const __m512* acc, float beta, const __mmask16* mask, bool full) {
  if (full) {
    if (beta == 0.0f) {
      for (int v = 0; v < NV; ++v) _mm512_storeu_ps(c + 16 * v, acc[v]);
    } else if (beta == 1.0f) {
      for (int v = 0; v < NV; ++v)
        _mm512_storeu_ps(c + 16 * v, _mm512_add_ps(acc[v], _mm512_loadu_ps(c + 16 * v)));
    } else {
      const __m512 vb = _mm512_set1_ps(beta);
      for (int v = 0; v < NV; ++v)
        _mm512_storeu_ps(c + 16 * v, _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + 16 * v), acc[v]));
    }
    return;
  }
  // Edge tile: masked loads of C never touch (or fault on) columns past nr.
  for (int v = 0; v < NV; ++v) {
    __m512 r = acc[v];
    if (beta != 0.0f) {
      const __m512 old = _mm512_maskz_loadu_ps(mask[v], c + 16 * v);
      r = _mm512_fmadd_ps(_mm512_set1_ps(beta), old, r);
    }
    _mm512_mask_storeu_ps(c + 16 * v, mask[v], r);
  }
}

// One tile of MR <= kMR rows x NV zmm columns. The packed A panel always has kMR rows per
// k step; the smaller instantiations serve edge tiles (below). ROW_A: A read in place,
// row-major with row stride lda (then MR == kMR == mr).
template <int MR, int NV, bool ROW_A = false>
void tile(int64_t kc, const float* __restrict a, int64_t lda, const float* __restrict b, int64_t ldb,
          float* __restrict c, int64_t ldc, float beta, int64_t mr, int64_t nr) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();

  // Warm the C tile while the k loop runs: its lines are needed right at the end.
  for (int64_t i = 0; i < mr; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * NV - 1), _MM_HINT_T0);
  }

  // GCC fully unrolls the row/vector loops and the 4 steps of the k loop: 96 FMAs per
  // iteration for the full tile, A elements broadcast from memory (vbroadcastss), B rows
  // loaded as NV zmm. Checked with objdump: no spills. Software prefetch of the next A panel
  // (64..256 B ahead) measured no gain: the packed A stream is sequential and the hardware
  // prefetcher covers it.
  // In-place A: rows in groups of 3 off 4 pointers, so every broadcast address is
  // group + {0, 1, 2} * lda (base + index * scale), with no per-row pointer registers.
  const float* ag[4] = {a, a + 3 * lda, a + 6 * lda, a + 9 * lda};
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(ROW_A ? ag[i / 3][(i % 3) * lda] : a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(av, bv[v], acc[i][v]);
    }
    if (ROW_A) {
      for (int g = 0; g < 4; ++g) ++ag[g];
    } else {
      a += kMR;
    }
    b += ldb;
  }

  const bool full = nr == 16 * NV;
  __mmask16 mask[NV];
  for (int v = 0; v < NV; ++v) {
    const int64_t cols = nr - 16 * v;
    mask[v] = cols >= 16 ? __mmask16(0xFFFF) : cols <= 0 ? __mmask16(0) : __mmask16((1u << cols) - 1);
  }
  if (mr == MR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) store_row<NV>(c + i * ldc, acc[i], beta, mask, full);
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
      if (i < mr) store_row<NV>(c + i * ldc, acc[i], beta, mask, full);
  }
}

// Edge tiles use the smallest instantiation that covers them, so a 4-row remainder (m = 64,
// 100) costs a third of a full tile instead of a full one, and a 16-column remainder half.
// 4 x 2 still has 8 independent accumulators (= 2 pipes x 4 cycles latency).
void kernel(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, float beta,
            int64_t mr, int64_t nr) {
  if (nr > 16) {
    if (mr > 8) return tile<12, 2>(kc, a, 0, b, ldb, c, ldc, beta, mr, nr);
    if (mr > 4) return tile<8, 2>(kc, a, 0, b, ldb, c, ldc, beta, mr, nr);
    return tile<4, 2>(kc, a, 0, b, ldb, c, ldc, beta, mr, nr);
  }
  if (mr > 8) return tile<12, 1>(kc, a, 0, b, ldb, c, ldc, beta, mr, nr);
  if (mr > 4) return tile<8, 1>(kc, a, 0, b, ldb, c, ldc, beta, mr, nr);
  return tile<4, 1>(kc, a, 0, b, ldb, c, ldc, beta, mr, nr);
}

void kernel_direct_a(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                     int64_t ldc, float beta, int64_t nr) {
  if (nr > 16) return tile<kMR, 2, true>(kc, a, lda, b, ldb, c, ldc, beta, kMR, nr);
  return tile<kMR, 1, true>(kc, a, lda, b, ldb, c, ldc, beta, kMR, nr);
}

// Dot-product tile (see DotKernel): 4 rows of A x 4 rows of B^T, 16 zmm accumulators, each
// summing 16 lanes of one C entry. Per 16 k steps 8 loads feed 16 FMAs, so it is FMA-bound
// from L1/L2. Rows past mr / nr re-read row 0 (results dropped) to keep the loop branch-free.
// The k tail uses masked loads; lanes are summed once at the end.
constexpr int kDotMR = 4, kDotNR = 4;

// GCC 12 flags the deliberately undefined upper half inside _mm512_reduce_add_ps.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

void kernel_dot(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float alpha, float* c,
                int64_t ldc, float beta, int64_t mr, int64_t nr) {
  const float* ar[kDotMR];
  const float* br[kDotNR];
  for (int i = 0; i < kDotMR; ++i) ar[i] = a + (i < mr ? i : 0) * lda;
  for (int j = 0; j < kDotNR; ++j) br[j] = b + (j < nr ? j : 0) * ldb;
  __m512 acc[kDotMR][kDotNR];
#pragma GCC unroll 4
  for (int i = 0; i < kDotMR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < kDotNR; ++j) acc[i][j] = _mm512_setzero_ps();
  auto step = [&](int64_t p, __mmask16 mask) {
    __m512 va[kDotMR], vb[kDotNR];
#pragma GCC unroll 4
    for (int i = 0; i < kDotMR; ++i) va[i] = _mm512_maskz_loadu_ps(mask, ar[i] + p);
#pragma GCC unroll 4
    for (int j = 0; j < kDotNR; ++j) vb[j] = _mm512_maskz_loadu_ps(mask, br[j] + p);
#pragma GCC unroll 4
    for (int i = 0; i < kDotMR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < kDotNR; ++j) acc[i][j] = _mm512_fmadd_ps(va[i], vb[j], acc[i][j]);
  };
  int64_t p = 0;
  for (; p + 16 <= k; p += 16) step(p, __mmask16(0xFFFF));
  if (p < k) step(p, __mmask16((1u << (k - p)) - 1));
#pragma GCC unroll 4
  for (int i = 0; i < kDotMR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < kDotNR; ++j) {
      if (i >= mr || j >= nr) continue;
      const float s = alpha * _mm512_reduce_add_ps(acc[i][j]);
      float& out = c[i * ldc + j];
      out = beta == 0.0f ? s : s + beta * out;
    }
}
// Eight sums of eight vectors, in order: halves added, then a horizontal-add tree (20
// instructions where eight _mm512_reduce_add_ps take about 50).
inline __m256 sum8(const __m512* v) {
  __m256 h[8];
  for (int i = 0; i < 8; ++i)
    h[i] = _mm256_add_ps(_mm512_castps512_ps256(v[i]), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v[i]), 1)));
  const __m256 h01 = _mm256_hadd_ps(h[0], h[1]), h23 = _mm256_hadd_ps(h[2], h[3]);
  const __m256 h45 = _mm256_hadd_ps(h[4], h[5]), h67 = _mm256_hadd_ps(h[6], h[7]);
  const __m256 lo = _mm256_hadd_ps(h01, h23), hi = _mm256_hadd_ps(h45, h67);  // [s0..s3 | s0..s3] per lane half
  return _mm256_add_ps(_mm256_permute2f128_ps(lo, hi, 0x20), _mm256_permute2f128_ps(lo, hi, 0x31));
}

// GEMV against B transposed, eight B rows at a time: per 16 k steps one load of a and eight
// of B feed eight FMAs (load-bound; B streams from L2 for a 256 x 256 layer). Rows past n
// re-read row 0 and are not stored.
void kernel_gemv(int64_t n, int64_t k, const float* a, const float* b, int64_t ldb, float alpha, float* c, float beta) {
  for (int64_t j0 = 0; j0 < n; j0 += 8) {
    const int64_t rows = std::min<int64_t>(8, n - j0);
    const float* br[8];
    for (int r = 0; r < 8; ++r) br[r] = b + (j0 + (r < rows ? r : 0)) * ldb;
    __m512 acc[8];
    for (int r = 0; r < 8; ++r) acc[r] = _mm512_setzero_ps();
    int64_t p = 0;
    for (; p + 16 <= k; p += 16) {
      const __m512 va = _mm512_loadu_ps(a + p);
#pragma GCC unroll 8
      for (int r = 0; r < 8; ++r) acc[r] = _mm512_fmadd_ps(va, _mm512_loadu_ps(br[r] + p), acc[r]);
    }
    if (p < k) {
      const __mmask16 mask = __mmask16((1u << (k - p)) - 1);
      const __m512 va = _mm512_maskz_loadu_ps(mask, a + p);
#pragma GCC unroll 8
      for (int r = 0; r < 8; ++r) acc[r] = _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(mask, br[r] + p), acc[r]);
    }
    __m256 s = _mm256_mul_ps(sum8(acc), _mm256_set1_ps(alpha));
    const __mmask8 store = __mmask8((1u << rows) - 1);
    if (beta != 0.0f) s = _mm256_fmadd_ps(_mm256_maskz_loadu_ps(store, c + j0), _mm256_set1_ps(beta), s);
    _mm256_mask_storeu_ps(c + j0, store, s);
  }
}
#pragma GCC diagnostic pop

}  // namespace

// Cache blocking (overridable at build time for tuning runs, e.g. -DTL_GEMM_AVX512_KC=384).
// KC 512: fewer passes over C; the 64 KB B micro-panel then lives in L2 rather than the
// 48 KB L1, which the kernel does not mind (kernel alone over packed blocks: kc 512 230
// GFLOP/s, kc 256 224). Interleaved runs, median GFLOP/s for KC 256 / 384 / 512: 2048^3 on
// 2 threads 304 / 319 / 329, 1024^3 292 / 317 / 323; 1 thread within 2 % of each other.
// MC 144 (A block 288 KB in the 1 MB L2) vs 240: within noise. NC 2048: B block 4 MB (L3).
#ifndef TL_GEMM_AVX512_KC
#define TL_GEMM_AVX512_KC 512
#endif
#ifndef TL_GEMM_AVX512_MC
#define TL_GEMM_AVX512_MC 144
#endif
#ifndef TL_GEMM_AVX512_NC
#define TL_GEMM_AVX512_NC 2048
#endif

const KernelSet& avx512_kernel_set() {
  static const KernelSet set{"avx512", kMR, kNR, TL_GEMM_AVX512_KC, TL_GEMM_AVX512_MC,
                             TL_GEMM_AVX512_NC, &kernel, &kernel_direct_a, &kernel_dot, kDotMR, kDotNR,
                             &kernel_gemv};
  return set;
}

}  // namespace tl::cpu::detail

#endif  // x86-64

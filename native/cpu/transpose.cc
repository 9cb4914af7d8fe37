// Blocked transpose: 16x16 blocks in AVX-512 registers where the CPU has it (unpack, then
// shuffle within and across 128-bit lanes: 64 shuffles per 256 floats instead of 256 strided
// scalar stores), 8x8 cache-friendly scalar blocks otherwise and at the edges.
#include "transpose.h"

#include <algorithm>

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's avx512fintrin.h trips -Wuninitialized on its own _mm512_undefined_ps (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define TL_TRANSPOSE_AVX512 1
#endif

namespace tl::cpu {

namespace {

void transpose_scalar(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols) {
  constexpr int64_t kB = 8;
  for (int64_t i0 = 0; i0 < rows; i0 += kB)
    for (int64_t j0 = 0; j0 < cols; j0 += kB) {
      const int64_t i1 = std::min(rows, i0 + kB), j1 = std::min(cols, j0 + kB);
      for (int64_t j = j0; j < j1; ++j)
        for (int64_t i = i0; i < i1; ++i) dst[j * ldd + i] = src[i * lds + j];
    }
}

#ifdef TL_TRANSPOSE_AVX512
__attribute__((target("avx512f"))) void transpose16(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
  for (int i = 0; i < 16; i += 2) {  // pairs of rows interleaved within each 128-bit lane
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + k], lane L: column 4L + k, rows 4g .. 4g + 3.
  for (int g = 0; g < 4; ++g) {
    const __m512 *a = t + 4 * g;
    r[4 * g] = _mm512_shuffle_ps(a[0], a[2], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * g + 1] = _mm512_shuffle_ps(a[0], a[2], _MM_SHUFFLE(3, 2, 3, 2));
    r[4 * g + 2] = _mm512_shuffle_ps(a[1], a[3], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * g + 3] = _mm512_shuffle_ps(a[1], a[3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  // Output row 4L + k gathers lane L of u[k], u[4 + k], u[8 + k], u[12 + k].
  for (int k = 0; k < 4; ++k) {
    const __m512 v0 = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x44), v1 = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x44), v3 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xEE);
    _mm512_storeu_ps(dst + k * ldd, _mm512_shuffle_f32x4(v0, v2, 0x88));
    _mm512_storeu_ps(dst + (4 + k) * ldd, _mm512_shuffle_f32x4(v0, v2, 0xDD));
    _mm512_storeu_ps(dst + (8 + k) * ldd, _mm512_shuffle_f32x4(v1, v3, 0x88));
    _mm512_storeu_ps(dst + (12 + k) * ldd, _mm512_shuffle_f32x4(v1, v3, 0xDD));
  }
}

const bool kHasAvx512 = __builtin_cpu_supports("avx512f");
#endif

}  // namespace

void transpose(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols) {
#ifdef TL_TRANSPOSE_AVX512
  if (kHasAvx512) {
    const int64_t rows16 = rows / 16 * 16, cols16 = cols / 16 * 16;
    for (int64_t i = 0; i < rows16; i += 16)
      for (int64_t j = 0; j < cols16; j += 16) transpose16(src + i * lds + j, lds, dst + j * ldd + i, ldd);
    // The ragged right and bottom strips.
    if (cols16 < cols) transpose_scalar(src + cols16, lds, dst + cols16 * ldd, ldd, rows16, cols - cols16);
    if (rows16 < rows) transpose_scalar(src + rows16 * lds, lds, dst + rows16, ldd, rows - rows16, cols);
    return;
  }
#endif
  transpose_scalar(src, lds, dst, ldd, rows, cols);
}

}  // namespace tl::cpu

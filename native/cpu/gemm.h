// Single-precision GEMM: our own cache-blocked, packed, register-tiled implementation with
// run-time ISA dispatch (AVX-512, AVX2+FMA, portable C++). No system BLAS is needed.
#pragma once
#include <cstdint>

namespace tl::cpu {

// C = alpha * A * B + beta * C, with A m-by-k and B k-by-n given as strided matrices:
// element (i, p) of A is a[i * rs_a + p * cs_a], element (p, j) of B is b[p * rs_b + j * cs_b],
// so transposed operands need no copy. C is row-major with row stride ldc. When beta == 0,
// C is write-only (NaNs already in C do not leak into the result). Runs on the current
// context's thread pool.
void sgemm(int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t rs_a, int64_t cs_a,
           const float* b, int64_t rs_b, int64_t cs_b,
           float beta, float* c, int64_t ldc);

// `batch` independent products of the same geometry; a[i], b[i], c[i] point at the i-th
// operands (pointers may repeat, which is how broadcast batch dims are expressed).
// Parallelizes across the batch when each product is too small to split.
void sgemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                   const float* const* a, int64_t rs_a, int64_t cs_a,
                   const float* const* b, int64_t rs_b, int64_t cs_b,
                   float beta, float* const* c, int64_t ldc);

enum class GemmIsa { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The micro-kernel family in use: the best the CPU supports unless lowered for testing.
GemmIsa gemm_isa();
const char* gemm_isa_name(GemmIsa isa);
// Selects a kernel family; returns false (and changes nothing) when the CPU lacks it.
bool set_gemm_isa(GemmIsa isa);

}  // namespace tl::cpu

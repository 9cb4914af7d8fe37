// Micro-kernels of the CPU SGEMM and the blocking parameters that go with each (internal to
// gemm.cc and the per-ISA kernel files; each kernel file is compiled with its own -m flags,
// so nothing here may be inlined across ISAs).
#pragma once
#include <cstdint>

#include "gemm.h"

namespace tl::cpu::detail {

// Computes one register tile:
//   C[i][j] = sum_{p < kc} a[p * MR + i] * b[p * ldb + j] + (beta == 0 ? 0 : beta * C[i][j])
// for i < mr <= MR, j < nr <= NR, where C[i][j] is c[i * ldc + j].
// `a` is a packed MR-row micro-panel (column p of the panel stored contiguously, rows past the
// matrix edge zero-filled). `b` is either a packed NR-wide micro-panel (ldb == NR) or B itself
// when its rows are contiguous (ldb = B's row stride); in both cases NR floats are readable
// on each of the kc rows. beta == 0 never reads C. Only the mr x nr corner of C is touched.
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, int64_t ldb, float* c,
                             int64_t ldc, float beta, int64_t mr, int64_t nr);

// Same product for a full MR-row tile, reading A in place instead of from a packed panel:
// element (i, p) of the tile's A is a[i * lda + p] (row-major A). Saves packing A when A is
// reused by few B panels (small n). Optional per ISA.
using DirectAKernel = void (*)(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb,
                               float* c, int64_t ldc, float beta, int64_t nr);

// Dot-product tile for operands both contiguous along k (A row-major, B transposed: element
// (p, j) of B is b[j * ldb + p]), for products too small in m and n to fill register tiles:
//   C[i][j] = alpha * sum_{p < k} a[i * lda + p] * b[j * ldb + p] + (beta == 0 ? 0 : beta * C[i][j])
// for i < mr <= DOT_MR, j < nr <= DOT_NR. Optional per ISA.
using DotKernel = void (*)(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float alpha,
                           float* c, int64_t ldc, float beta, int64_t mr, int64_t nr);

// Matrix-vector product for one row of A against B transposed (a Linear layer at batch 1):
//   c[j] = alpha * sum_{p < k} a[p] * b[j * ldb + p] + (beta == 0 ? 0 : beta * c[j])  for j < n.
// Optional per ISA; the dot tile would spend 3 of its 4 rows on padding here.
using GemvKernel = void (*)(int64_t n, int64_t k, const float* a, const float* b, int64_t ldb, float alpha, float* c,
                            float beta);

// One kernel family: register tile MR x NR and cache blocking (see the kernel files for how
// each number was chosen). kc: depth of a packed block (the KC x NR micro-panel of B is
// reused by every MR tile of a row block: L1 or L2); mc: rows of a packed A block (MC x KC
// in L2); nc: columns of a packed B block (KC x NC in L3). mc is a multiple of mr and nc a
// multiple of nr.
struct KernelSet {
  const char* name;
  int mr, nr;
  int kc, mc, nc;
  MicroKernel kernel;
  DirectAKernel kernel_direct_a;  // nullptr: always pack A
  DotKernel kernel_dot;           // nullptr: no dot-product path
  int dot_mr, dot_nr;
  GemvKernel kernel_gemv = nullptr;  // nullptr: m == 1 takes the dot or tiled path
};

const KernelSet& avx512_kernel_set();   // gemm_kernel_avx512.cc
const KernelSet& avx2_kernel_set();     // gemm_kernel_avx2.cc
const KernelSet& generic_kernel_set();  // gemm_kernel_generic.cc
// The family in use (gemm_isa()), chosen in gemm_isa.cc.
const KernelSet& kernel_set(GemmIsa isa);

}  // namespace tl::cpu::detail

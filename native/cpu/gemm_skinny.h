// SGEMM shapes too thin for the register-tiled path of gemm.cc: one row or one column
// (matrix-vector products) and small m x n with a long k (dot products). gemm.cc chooses.
#pragma once
#include "gemm_kernels.h"
#include "gemm_operands.h"

namespace tl::cpu::detail {

// Whether the dot-product path beats the tiled one for this product (measured; see gemm_skinny.cc).
bool use_dot(const KernelSet& ks, const Operands& g);
void gemm_dot(const KernelSet& ks, const Operands& g, int threads);
// Whether m == 1 / n == 1 products take the matrix-vector kernels (TL_GEMM_GEMV=0: no).
bool use_gemv();
// m == 1: one row of A against B transposed.
void gemm_gemv(const KernelSet& ks, const Operands& g, int threads);
// n == 1 (and ldc == 1): one column of B against row-major A.
void gemm_gemv_column(const KernelSet& ks, const Operands& g, int threads);

}  // namespace tl::cpu::detail

// bf16 products through cuBLAS for benchmarks and precision checks: tensors have no bf16
// dtype yet, so this converts float32 operands to bf16 once, multiplies bf16 x bf16 -> bf16
// with fp32 accumulation (what PyTorch runs for a @ b on bf16 tensors), and converts the
// product back. `reps` back-to-back products let a benchmark time the GEMM itself.
#include <cuda_bf16.h>

#include <climits>

#include "../core/error.h"
#include "../core/ops.h"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

__global__ void to_bf16(const float* x, __nv_bfloat16* y, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) y[i] = __float2bfloat16_rn(x[i]);
}

__global__ void from_bf16(const __nv_bfloat16* x, float* y, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) y[i] = __bfloat162float(x[i]);
}

}  // namespace

void matmul_bf16(const Tensor& a_in, const Tensor& b_in, int64_t reps, const Tensor& out) {
  const char* op = "cudaMatmulBf16";
  const int64_t m = a_in.size(0), k = a_in.size(1), n = b_in.size(1);
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX) range_error(op, ": dimensions must fit an int for cuBLAS");
  if (out.numel() == 0) return;
  const Tensor a = ops::contiguous(a_in), b = ops::contiguous(b_in);
  // One scratch buffer for A, B and C in bf16 (2 bytes each), 16-byte aligned parts.
  auto round16 = [](int64_t bytes) { return (bytes + 15) / 16 * 16; };
  const int64_t ab = round16(m * k * 2), bb = round16(k * n * 2), cb = round16(m * n * 2);
  const Tensor buf = scratch(ab + bb + cb, op);
  char* base = static_cast<char*>(buf.raw_data());
  auto* A = reinterpret_cast<__nv_bfloat16*>(base);
  auto* B = reinterpret_cast<__nv_bfloat16*>(base + ab);
  auto* C = reinterpret_cast<__nv_bfloat16*>(base + ab + bb);
  if (m * k) to_bf16<<<blocks_for(m * k), kThreads, 0, stream()>>>(a.data<float>(), A, m * k);
  if (k * n) to_bf16<<<blocks_for(k * n), kThreads, 0, stream()>>>(b.data<float>(), B, k * n);
  check_launch(op);
  if (k == 0) {
    check(cudaMemsetAsync(C, 0, size_t(m * n) * 2, stream()), op);
  } else {
    State& st = state(op);
    const float alpha = 1.0f, beta = 0.0f;
    // Row-major C = A B is column-major C^T = B^T A^T: B first, both as they are (CUBLAS_OP_N).
    for (int64_t r = 0; r < reps; ++r)
      check_blas(st.api().gemm_strided_batched_ex(st.blas(), CUBLAS_OP_N, CUBLAS_OP_N, int(n), int(m), int(k), &alpha, B,
                                                  CUDA_R_16BF, int(n), 0, A, CUDA_R_16BF, int(k), 0, &beta, C,
                                                  CUDA_R_16BF, int(n), 0, 1, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                 op);
  }
  from_bf16<<<blocks_for(m * n), kThreads, 0, stream()>>>(C, out.data<float>(), m * n);
  check_launch(op);
}

}  // namespace tl::cuda

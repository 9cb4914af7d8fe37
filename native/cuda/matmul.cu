// Matrix products through cuBLAS (opened at run time, see cublas_api.h): the row-major GEMM
// helper shared with conv.cu, bmm and linear (native/cpu/matmul.cc).
//
// cuBLAS is column-major. A row-major C = A B is the column-major C^T = B^T A^T, so the
// operands go in swapped: B first, A second. An operand with unit column stride is a
// column-major matrix of its transpose as it stands (CUBLAS_OP_N, leading dimension = its
// row stride); one with unit row stride is column-major already and goes transposed
// (CUBLAS_OP_T, leading dimension = its column stride). Anything else is packed first.
#include <algorithm>
#include <climits>

#include "../core/error.h"
#include "../core/ops.h"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

struct BlasOperand {
  cublasOperation_t op;
  int64_t ld;
};

// How an R x C operand with strides (rs, cs) goes to cuBLAS as the transpose it needs; false
// when it cannot. Size-1 dims have no meaningful stride, so they never disqualify a layout.
bool blas_operand(int64_t rows, int64_t cols, int64_t rs, int64_t cs, BlasOperand* out) {
  const int64_t r1 = std::max<int64_t>(rows, 1), c1 = std::max<int64_t>(cols, 1);
  if (cs == 1 || cols <= 1) {  // row-major
    const int64_t ld = rows <= 1 ? c1 : rs;
    if (ld >= c1 && ld <= INT_MAX) {
      *out = {CUBLAS_OP_N, ld};
      return true;
    }
  }
  if (rs == 1 || rows <= 1) {  // column-major
    const int64_t ld = cols <= 1 ? r1 : cs;
    if (ld >= r1 && ld <= INT_MAX) {
      *out = {CUBLAS_OP_T, ld};
      return true;
    }
  }
  return false;
}

cublasComputeType_t compute_type(int precision) {
  switch (precision) {
    case 1: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case 2: return CUBLAS_COMPUTE_32F_FAST_16BF;
    default: return CUBLAS_COMPUTE_32F;
  }
}

// out[i, j] = act(out[i, j] + bias[j]): the Linear layer's epilogue in one pass.
enum class Act { None, Relu, Sigmoid, Tanh };

template <Act A, bool HasBias>
__global__ void bias_act(float* out, const float* bias, int64_t total, int64_t n) {
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    float v = out[t];
    if constexpr (HasBias) v += bias[t - fast_div(t, n) * n];
    if constexpr (A == Act::Relu) v = v < 0 ? 0.0f : v;
    else if constexpr (A == Act::Sigmoid) v = sigmoid_f(v);
    else if constexpr (A == Act::Tanh) v = tanhf(v);
    out[t] = v;
  }
}

template <Act A>
void launch_bias_act(float* out, const float* bias, int64_t total, int64_t n) {
  if (bias) bias_act<A, true><<<blocks_for(total), kThreads, 0, stream()>>>(out, bias, total, n);
  else bias_act<A, false><<<blocks_for(total), kThreads, 0, stream()>>>(out, bias, total, n);
}

void check_int(int64_t v, const char* what, const char* op) {
  if (v > INT_MAX) range_error(op, ": ", what, " ", v, " is too large for cuBLAS (at most ", INT_MAX, ")");
}

}  // namespace

bool gemm_operand_ok(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  BlasOperand o;
  return blas_operand(rows, cols, rs, cs, &o);
}

void gemm(int64_t batch, int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a, const GemmOperand& b,
          float beta, float* c, int64_t ldc, int64_t stride_c, const char* op) {
  if (batch == 0 || m == 0 || n == 0) return;
  check_int(m, "dimension", op);
  check_int(n, "dimension", op);
  check_int(k, "dimension", op);
  check_int(ldc, "leading dimension", op);
  BlasOperand oa, ob;
  if (!blas_operand(m, k, a.rs, a.cs, &oa) || !blas_operand(k, n, b.rs, b.cs, &ob))
    state_error(op, ": internal error: GEMM operand without a unit stride");
  State& st = state(op);
  const CublasApi& api = st.api();
  const cublasComputeType_t compute = compute_type(st.precision);
  // cuBLAS counts batches in an int: very large batches go in slices.
  for (int64_t b0 = 0; b0 < batch; b0 += INT_MAX) {
    const int count = int(std::min<int64_t>(batch - b0, INT_MAX));
    check_blas(api.gemm_strided_batched_ex(st.blas(), ob.op, oa.op, int(n), int(m), int(k), &alpha,
                                           b.p + b0 * b.batch_stride, CUDA_R_32F, int(ob.ld), b.batch_stride,
                                           a.p + b0 * a.batch_stride, CUDA_R_32F, int(oa.ld), a.batch_stride, &beta,
                                           c + b0 * stride_c, CUDA_R_32F, int(ldc), stride_c, count, compute,
                                           CUBLAS_GEMM_DEFAULT),
               op);
  }
}

void bmm(const Tensor& a_in, const Tensor& b_in, const Tensor& out) {
  const int64_t batch = a_in.size(0), m = a_in.size(1), k = a_in.size(2), n = b_in.size(2);
  if (out.numel() == 0) return;
  float* c = out.data<float>();
  if (k == 0) {  // empty sums
    check(cudaMemsetAsync(c, 0, size_t(out.numel()) * sizeof(float), stream()), "matmul");
    return;
  }
  const Tensor a = gemm_operand_ok(m, k, a_in.stride(1), a_in.stride(2)) ? a_in : ops::contiguous(a_in);
  const Tensor b = gemm_operand_ok(k, n, b_in.stride(1), b_in.stride(2)) ? b_in : ops::contiguous(b_in);
  const GemmOperand ga{a.data<float>(), a.stride(1), a.stride(2), a.stride(0)};
  const GemmOperand gb{b.data<float>(), b.stride(1), b.stride(2), b.stride(0)};
  // A shared right operand and row-stacked left operands are one tall GEMM (Linear on
  // [batch, time, features] inputs), which cuBLAS tiles far better than many small ones.
  if (batch > 1 && b.stride(0) == 0 && a.stride(0) == m * a.stride(1) && gemm_operand_ok(batch * m, k, a.stride(1), a.stride(2)))
    gemm(1, batch * m, n, k, 1.0f, ga, gb, 0.0f, c, n, 0, "matmul");
  else
    gemm(batch, m, n, k, 1.0f, ga, gb, 0.0f, c, n, m * n, "matmul");
}

void linear(const Tensor& x_in, const Tensor& w_in, const Tensor& bias, bool fused, UnaryOp act, const Tensor& out) {
  const int64_t m = x_in.size(0), k = x_in.size(1), n = w_in.size(0);
  if (out.numel() == 0) return;
  float* c = out.data<float>();
  if (k == 0) {
    check(cudaMemsetAsync(c, 0, size_t(out.numel()) * sizeof(float), stream()), "linear");
  } else {
    const Tensor x = gemm_operand_ok(m, k, x_in.stride(0), x_in.stride(1)) ? x_in : ops::contiguous(x_in);
    // w^T [k, n]: element (p, j) is w[j, p].
    const Tensor w = gemm_operand_ok(k, n, w_in.stride(1), w_in.stride(0)) ? w_in : ops::contiguous(w_in);
    gemm(1, m, n, k, 1.0f, GemmOperand{x.data<float>(), x.stride(0), x.stride(1), 0},
         GemmOperand{w.data<float>(), w.stride(1), w.stride(0), 0}, 0.0f, c, n, 0, "linear");
  }
  // The bias and the activation in one pass over the product (the CPU adds the bias inside
  // the GEMM with beta = 1; the sum is the same, rounded once either way).
  const float* bp = bias.defined() ? bias.data<float>() : nullptr;
  const int64_t total = out.numel();
  const UnaryOp none = UnaryOp::Neg;  // any op but the three fused ones
  switch (fused ? act : none) {
    case UnaryOp::Relu: launch_bias_act<Act::Relu>(c, bp, total, n); break;
    case UnaryOp::Sigmoid: launch_bias_act<Act::Sigmoid>(c, bp, total, n); break;
    case UnaryOp::Tanh: launch_bias_act<Act::Tanh>(c, bp, total, n); break;
    default:
      if (bp) launch_bias_act<Act::None>(c, bp, total, n);
      check_launch("linear");
      if (fused) unary(act, out, out, 0.0, 0.0);  // the dispatcher only fuses the three above
      return;
  }
  check_launch("linear");
}

}  // namespace tl::cuda

#pragma once
#include "../core/op_kinds.h"
#include "../core/tensor.h"

namespace tl::cpu {

// out[i] = a[i] @ b[i] for a [B, m, k], b [B, k, n] (any strides, batch stride 0 for a
// broadcast operand) into a contiguous out [B, m, n].
void bmm(const Tensor& a, const Tensor& b, const Tensor& out);

// out [m, n] = x [m, k] @ w[n, k]^T + bias [n], then act() in place when `fused`: a Linear
// layer. The bias is written into out first and the GEMM accumulates onto it; the activation
// runs while the output is still in cache.
void linear(const Tensor& x, const Tensor& w, const Tensor& bias, bool fused, UnaryOp act, const Tensor& out);

}  // namespace tl::cpu

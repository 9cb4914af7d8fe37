// Elementwise kernels. Inputs arrive already expanded to the output's shape (broadcast dims
// have stride 0) and in the dtype the op computes in; any strides are accepted.
#pragma once
#include "../core/op_kinds.h"
#include "../core/tensor.h"

namespace tl::cpu {

void unary(UnaryOp op, const Tensor& x, const Tensor& out, double p0, double p1);
void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
// a op s (s op a when scalar_first); s is already in a's dtype, out has a's shape.
void binary_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first, const Tensor& out);
// out = grad * f'(saved) for an activation f (activation_grad.cc).
void activation_grad(ActivationGrad op, const Tensor& grad, const Tensor& saved, const Tensor& out, double p0,
                     double p1);
// out = cond != 0 ? a : b; cond is int32 or float32, a/b/out share a dtype.
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
// out = x converted to out's dtype (float -> int truncates toward zero; NaN -> 0; out of
// range saturates). With equal dtypes this is a strided copy.
void copy(const Tensor& x, const Tensor& out);
void fill(const Tensor& out, double value);
// memcpy split over the thread pool for large buffers (one core does not saturate memory).
void copy_bytes(void* dst, const void* src, size_t bytes);
// Packs x (any strides) into dst as contiguous row-major elements of x's dtype.
void copy_to_buffer(const Tensor& x, void* dst);

}  // namespace tl::cpu

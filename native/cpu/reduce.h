// Reductions over any set of dims, arg-reductions along one dim, softmax along one dim.
#pragma once
#include <vector>

#include "../core/op_kinds.h"
#include "../core/tensor.h"

namespace tl::cpu {

// out has x's shape with the masked dims set to 1 and is contiguous (float32 for Mean, else
// x's dtype). Float sums accumulate in double, int32 ones in int64; int32 sums and products
// wrap to int32. Empty reductions give the identity (sum
// 0, prod 1, mean NaN); max/min of nothing are rejected by the dispatcher.
void reduce(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, const Tensor& out);

// Index of the largest (smallest) value along `dim` of a contiguous x; the first occurrence
// wins and NaN counts as an extreme, like PyTorch. out is int32 with dim of size 1.
void arg_reduce(bool is_max, const Tensor& x, int64_t dim, const Tensor& out);

// softmax or log-softmax along dim of a contiguous float32 x into a contiguous out.
void softmax(const Tensor& x, int64_t dim, bool log, const Tensor& out);
// grad_x from grad and the forward output y (all contiguous float32).
void softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log, const Tensor& grad_x);

}  // namespace tl::cpu

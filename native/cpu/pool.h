// 2-D max and average pooling (NCHW, contiguous) and their backward kernels.
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

struct Pool2dGeometry {
  int64_t planes, h, w;  // planes = n * c
  int64_t h_out, w_out;
  int64_t kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
  bool count_include_pad = true;  // average pooling only
};

// out and indices (int32 position within the input plane of each maximum; NaN wins).
void max_pool2d(const Pool2dGeometry& g, const Tensor& x, const Tensor& out, const Tensor& indices);
// grad_x (zeroed here) receives grad_out at the recorded positions (accumulating overlaps).
void max_pool2d_backward(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& indices, const Tensor& grad_x);
void avg_pool2d(const Pool2dGeometry& g, const Tensor& x, const Tensor& out);
void avg_pool2d_backward(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& grad_x);

}  // namespace tl::cpu

// 2-D convolution (NCHW) via im2col + our SGEMM, with the two backward kernels.
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

struct Conv2dGeometry {
  int64_t n, c_in, h, w;        // input
  int64_t c_out, kh, kw;        // weight [c_out, c_in / groups, kh, kw]
  int64_t h_out, w_out;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
};

// out [n, c_out, h_out, w_out] = conv(x, weight) (+ bias [c_out] when defined). All contiguous.
void conv2d(const Conv2dGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out);
// grad_x [n, c_in, h, w] from grad_out and weight.
void conv2d_backward_input(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& weight, const Tensor& grad_x);
// grad_w [c_out, c_in / groups, kh, kw] from grad_out and x.
void conv2d_backward_weight(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& grad_w);

}  // namespace tl::cpu

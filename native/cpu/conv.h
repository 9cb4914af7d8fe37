// 2-D convolution (NCHW) via im2col + our SGEMM, with the two backward kernels; 3x3 stride-1
// convolutions with enough channels go to Winograd F(4x4, 3x3) (conv_winograd.h).
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

struct Conv2dGeometry {
  int64_t n, c_in, h, w;        // input
  int64_t c_out, kh, kw;        // weight [c_out, c_in / groups, kh, kw]
  int64_t h_out, w_out;
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
};

#include "../core/kernels/conv.inc"

}  // namespace tl::cpu

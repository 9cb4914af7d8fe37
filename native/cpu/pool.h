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

#include "../core/kernels/pool.inc"

}  // namespace tl::cpu

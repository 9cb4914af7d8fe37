// Winograd F(4x4, 3x3) convolution for the common 3x3, stride-1 case (forward, input and
// weight gradients), used by conv.cc where it beats im2col + GEMM.
#pragma once
#include "conv.h"

namespace tl::cpu {

// True when g is a 3x3, stride-1, undilated, ungrouped convolution with padding <= 2 and
// enough channels (16) and outputs (64 per channel) for the transforms to pay off.
bool winograd_applies(const Conv2dGeometry& g);

// The three passes; preconditions: winograd_applies(g), contiguous float32 tensors. Each
// writes every element of its output (no zero-fill needed).
void winograd_conv2d(const Conv2dGeometry& g, const float* x, const float* w, const float* bias, float* out);
void winograd_backward_input(const Conv2dGeometry& g, const float* grad_out, const float* w, float* grad_x);
void winograd_backward_weight(const Conv2dGeometry& g, const float* grad_out, const float* x, float* grad_w);

}  // namespace tl::cpu

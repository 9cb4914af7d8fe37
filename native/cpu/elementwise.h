// Elementwise kernels. Inputs arrive already expanded to the output's shape (broadcast dims
// have stride 0) and in the dtype the op computes in; any strides are accepted.
#pragma once
#include "../core/op_kinds.h"
#include "../core/tensor.h"

namespace tl::cpu {

#include "../core/kernels/elementwise.inc"

// Only on the CPU:
// memcpy split over the thread pool for large buffers (one core does not saturate memory).
void copy_bytes(void* dst, const void* src, size_t bytes);
// Packs x (any strides) into dst as contiguous row-major elements of x's dtype.
void copy_to_buffer(const Tensor& x, void* dst);

}  // namespace tl::cpu

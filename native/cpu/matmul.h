#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

// out[i] = a[i] @ b[i] for a [B, m, k], b [B, k, n] (any strides, batch stride 0 for a
// broadcast operand) into a contiguous out [B, m, n].
void bmm(const Tensor& a, const Tensor& b, const Tensor& out);

}  // namespace tl::cpu

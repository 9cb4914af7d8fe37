// Fused batch normalization and layer normalization, forward and backward.
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

#include "../core/kernels/norm.inc"

}  // namespace tl::cpu

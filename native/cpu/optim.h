// Fused optimizer updates: one pass over each parameter, in place, following PyTorch's
// single-tensor formulas step by step (same operation order, so results match to float32
// rounding). All tensors are contiguous float32 of the parameter's shape.
#pragma once
#include "../core/optim_options.h"
#include "../core/tensor.h"

#include <vector>

namespace tl::cpu {

#include "../core/kernels/optim.inc"

}  // namespace tl::cpu

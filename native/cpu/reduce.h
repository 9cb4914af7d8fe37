// Reductions over any set of dims, arg-reductions along one dim, softmax along one dim.
#pragma once
#include <vector>

#include "../core/op_kinds.h"
#include "../core/tensor.h"

namespace tl::cpu {

#include "../core/kernels/reduce.inc"

}  // namespace tl::cpu

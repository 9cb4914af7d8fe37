#pragma once
#include "../core/op_kinds.h"
#include "../core/tensor.h"

namespace tl::cpu {

#include "../core/kernels/matmul.inc"

}  // namespace tl::cpu

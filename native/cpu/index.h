// Indexing kernels. Indices are int32 and already range-checked by the dispatcher.
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

#include "../core/kernels/index.inc"

}  // namespace tl::cpu

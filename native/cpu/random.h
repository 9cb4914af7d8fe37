// Random fills of a contiguous tensor from Philox blocks starting at `offset`; each returns
// the number of blocks it consumed, by which the caller advances the generator.
#pragma once
#include <cstdint>

#include "../core/tensor.h"

namespace tl::cpu {

#include "../core/kernels/random.inc"

}  // namespace tl::cpu

// Random fills of a contiguous tensor from Philox blocks starting at `offset`; each returns
// the number of blocks it consumed, by which the caller advances the generator.
#pragma once
#include <cstdint>

#include "../core/tensor.h"

namespace tl::cpu {

uint64_t uniform(const Tensor& out, float lo, float hi, uint64_t seed, uint64_t offset);
// Box-Muller on pairs of 32-bit draws, computed in double so every libm rounds the same.
uint64_t normal(const Tensor& out, float mean, float std, uint64_t seed, uint64_t offset);
// Integers in [lo, hi) (int32 out), from 64 random bits each by multiply-shift (bias below
// 2^-32 for any int32 range).
uint64_t randint(const Tensor& out, int64_t lo, int64_t hi, uint64_t seed, uint64_t offset);

// Inverted dropout: out = keep ? x / (1 - p) : 0 with keep = uniform >= p, the mask drawn from
// Philox blocks at `offset` (the backward pass redraws the same mask instead of storing it).
uint64_t dropout(const Tensor& x, const Tensor& out, float p, uint64_t seed, uint64_t offset);

}  // namespace tl::cpu

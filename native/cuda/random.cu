// Random fills from Philox4x32-10 (native/core/philox.h, shared with the CPU): element i
// uses block offset + i / 4 (i / 2 for randint) of the counter stream, so a seed gives the
// same numbers on either device, and each function returns the blocks it consumed exactly as
// the CPU does. Arithmetic on the draws uses explicitly rounded operations (__fmul_rn,
// __dadd_rn, ...) so nvcc cannot fuse them into FMAs the CPU does not use.
#include "../core/philox.h"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

// One thread per Philox block; each block fills 4 consecutive floats.
__global__ void uniform_kernel(float* y, int64_t n, int64_t blocks, float lo, float scale, uint64_t seed,
                               uint64_t offset) {
  for (int64_t b = thread_index(); b < blocks; b += thread_count()) {
    const Philox4 r = philox4x32(seed, offset + uint64_t(b));
    for (int k = 0; k < 4 && 4 * b + k < n; ++k) y[4 * b + k] = __fadd_rn(lo, __fmul_rn(scale, philox_uniform(r.v[k])));
  }
}

// Box-Muller on pairs of 32-bit draws, in double like the CPU. u1, u2 and the scalings are
// exact; log and cos/sin come from CUDA's double-precision library (within 2 ulp of the
// correctly rounded value, so the float results match the CPU's except in the rare case
// where the double lands on a float rounding boundary).
__global__ void normal_kernel(float* y, int64_t n, int64_t blocks, float mean, float std, uint64_t seed,
                              uint64_t offset) {
  constexpr double kTwoPi = 6.283185307179586476925;
  for (int64_t b = thread_index(); b < blocks; b += thread_count()) {
    const Philox4 r = philox4x32(seed, offset + uint64_t(b));
    for (int pair = 0; pair < 2; ++pair) {
      const double u1 = __dmul_rn(__dadd_rn(double(r.v[2 * pair]), 1.0), 1.0 / 4294967296.0);  // (0, 1]
      const double u2 = __dmul_rn(double(r.v[2 * pair + 1]), 1.0 / 4294967296.0);
      const double rad = sqrt(__dmul_rn(-2.0, log(u1)));
      const double scaled = __dmul_rn(double(std), rad);
      const double angle = __dmul_rn(kTwoPi, u2);
      const int64_t i = 4 * b + 2 * pair;
      if (i < n) y[i] = float(__dadd_rn(double(mean), __dmul_rn(scaled, cos(angle))));
      if (i + 1 < n) y[i + 1] = float(__dadd_rn(double(mean), __dmul_rn(scaled, sin(angle))));
    }
  }
}

// Integers in [lo, lo + range) from 64 random bits each by multiply-shift: the high word of
// bits * range.
__global__ void randint_kernel(int32_t* y, int64_t n, int64_t blocks, int64_t lo, uint64_t range, uint64_t seed,
                               uint64_t offset) {
  for (int64_t b = thread_index(); b < blocks; b += thread_count()) {
    const Philox4 r = philox4x32(seed, offset + uint64_t(b));
    for (int pair = 0; pair < 2; ++pair) {
      const int64_t i = 2 * b + pair;
      if (i >= n) break;
      const uint64_t bits = (uint64_t(r.v[2 * pair]) << 32) | r.v[2 * pair + 1];
      y[i] = int32_t(lo + int64_t(__umul64hi(bits, range)));
    }
  }
}

// Inverted dropout: keep = uniform >= p, kept values scaled by 1 / (1 - p).
__global__ void dropout_kernel(const float* x, float* y, int64_t n, int64_t blocks, float p, float scale,
                               uint64_t seed, uint64_t offset) {
  for (int64_t b = thread_index(); b < blocks; b += thread_count()) {
    const Philox4 r = philox4x32(seed, offset + uint64_t(b));
    for (int k = 0; k < 4 && 4 * b + k < n; ++k) {
      const int64_t i = 4 * b + k;
      y[i] = philox_uniform(r.v[k]) >= p ? x[i] * scale : 0.0f;
    }
  }
}

}  // namespace

uint64_t uniform(const Tensor& out, float lo, float hi, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel(), blocks = (n + 3) / 4;
  if (blocks == 0) return 0;
  uniform_kernel<<<blocks_for(blocks), kThreads, 0, stream()>>>(out.data<float>(), n, blocks, lo, hi - lo, seed,
                                                                offset);
  check_launch("rand");
  return uint64_t(blocks);
}

uint64_t normal(const Tensor& out, float mean, float std, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel(), blocks = (n + 3) / 4;
  if (blocks == 0) return 0;
  normal_kernel<<<blocks_for(blocks), kThreads, 0, stream()>>>(out.data<float>(), n, blocks, mean, std, seed, offset);
  check_launch("randn");
  return uint64_t(blocks);
}

uint64_t randint(const Tensor& out, int64_t lo, int64_t hi, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel(), blocks = (n + 1) / 2;
  if (blocks == 0) return 0;
  randint_kernel<<<blocks_for(blocks), kThreads, 0, stream()>>>(out.data<int32_t>(), n, blocks, lo, uint64_t(hi - lo),
                                                                seed, offset);
  check_launch("randint");
  return uint64_t(blocks);
}

uint64_t dropout(const Tensor& x, const Tensor& out, float p, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel(), blocks = (n + 3) / 4;
  if (blocks == 0) return 0;
  const float scale = p < 1.0f ? float(1.0 / (1.0 - double(p))) : 0.0f;
  dropout_kernel<<<blocks_for(blocks), kThreads, 0, stream()>>>(x.data<float>(), out.data<float>(), n, blocks, p,
                                                                scale, seed, offset);
  check_launch("dropout");
  return uint64_t(blocks);
}

}  // namespace tl::cuda

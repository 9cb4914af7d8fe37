#include "random.h"

#include <cmath>

#include "../core/parallel.h"
#include "../core/philox.h"

namespace tl::cpu {

namespace {

// Calls emit(b, block) for Philox blocks b in [0, blocks) and returns how many it used.
template <typename Emit>
uint64_t for_blocks(int64_t blocks, uint64_t seed, uint64_t offset, Emit&& emit) {
  parallel_for(0, blocks, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) emit(b, philox4x32(seed, offset + uint64_t(b)));
  });
  return uint64_t(blocks);
}

}  // namespace

uint64_t uniform(const Tensor& out, float lo, float hi, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  float* y = out.data<float>();
  const float scale = hi - lo;
  return for_blocks((n + 3) / 4, seed, offset, [&](int64_t b, const Philox4& r) {
    for (int k = 0; k < 4 && 4 * b + k < n; ++k) y[4 * b + k] = lo + scale * philox_uniform(r.v[k]);
  });
}

uint64_t normal(const Tensor& out, float mean, float std, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  float* y = out.data<float>();
  constexpr double kTwoPi = 6.283185307179586476925;
  return for_blocks((n + 3) / 4, seed, offset, [&](int64_t b, const Philox4& r) {
    for (int pair = 0; pair < 2; ++pair) {
      const double u1 = (double(r.v[2 * pair]) + 1.0) * (1.0 / 4294967296.0);  // (0, 1]: log is finite
      const double u2 = double(r.v[2 * pair + 1]) * (1.0 / 4294967296.0);
      const double rad = std::sqrt(-2.0 * std::log(u1));
      const int64_t i = 4 * b + 2 * pair;
      if (i < n) y[i] = float(mean + std * rad * std::cos(kTwoPi * u2));
      if (i + 1 < n) y[i + 1] = float(mean + std * rad * std::sin(kTwoPi * u2));
    }
  });
}

uint64_t randint(const Tensor& out, int64_t lo, int64_t hi, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  int32_t* y = out.data<int32_t>();
  const uint64_t range = uint64_t(hi - lo);
  return for_blocks((n + 1) / 2, seed, offset, [&](int64_t b, const Philox4& r) {
    for (int pair = 0; pair < 2; ++pair) {
      const int64_t i = 2 * b + pair;
      if (i >= n) break;
      const uint64_t bits = (uint64_t(r.v[2 * pair]) << 32) | r.v[2 * pair + 1];
      y[i] = int32_t(lo + int64_t((static_cast<unsigned __int128>(bits) * range) >> 64));
    }
  });
}

uint64_t dropout(const Tensor& x, const Tensor& out, float p, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  const float* xp = x.data<float>();
  float* y = out.data<float>();
  const float scale = p < 1.0f ? float(1.0 / (1.0 - double(p))) : 0.0f;
  return for_blocks((n + 3) / 4, seed, offset, [&](int64_t b, const Philox4& r) {
    for (int k = 0; k < 4 && 4 * b + k < n; ++k) {
      const int64_t i = 4 * b + k;
      y[i] = philox_uniform(r.v[k]) >= p ? xp[i] * scale : 0.0f;
    }
  });
}

}  // namespace tl::cpu

// GCC/Clang vector extensions for the few loops the auto-vectorizer leaves scalar: max/min
// reductions with NaN propagation (a reduction through a select is not recognized unless
// NaNs are assumed away). 8 lanes: native on AVX2, fine on AVX-512; plain SSE2 is correct
// but slower there.
#pragma once
#include <cstdint>
#include <cstring>

namespace tl::cpu::vec {

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));

inline f8 load(const float* p) {
  f8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline f8 splat(float x) { return f8{x, x, x, x, x, x, x, x}; }

// Largest (IsMax) or smallest element of x[0..n); NaN if any element is NaN; -inf/+inf if n == 0.
template <bool IsMax>
inline float extreme(const float* x, int64_t n) {
  const float init = IsMax ? -__builtin_inff() : __builtin_inff();
  f8 m = splat(init);
  i8 nan = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const f8 v = load(x + i);
    m = IsMax ? (v > m ? v : m) : (v < m ? v : m);
    nan |= (v != v);
  }
  float r = init;
  bool any_nan = false;
  for (int j = 0; j < 8; ++j) {
    r = IsMax ? (m[j] > r ? m[j] : r) : (m[j] < r ? m[j] : r);
    any_nan |= nan[j] != 0;
  }
  for (; i < n; ++i) {
    r = IsMax ? (x[i] > r ? x[i] : r) : (x[i] < r ? x[i] : r);
    any_nan |= x[i] != x[i];
  }
  return any_nan ? __builtin_nanf("") : r;
}

}  // namespace tl::cpu::vec

// Elementwise loops are written as plain C++ and auto-vectorized. target_clones compiles
// each marked function for AVX-512, AVX2 and baseline x86-64 and picks one at load time, so
// one build runs at full width on the machine it meets. Elsewhere it compiles once.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && !defined(TL_NO_CLONES)
#define TL_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TL_SIMD_CLONES
#endif

#include <cstdint>

namespace tl::cpu {

// y[i] = f(x[i]) over a run; the unit-stride case is split out so it vectorizes.
template <typename In, typename Out, typename F>
inline void map1(const In* x, int64_t sx, Out* y, int64_t sy, int64_t n, F f) {
  if (sx == 1 && sy == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i * sy] = f(x[i * sx]);
  }
}

// o[i] = f(a[i], b[i]) over a run, with the broadcast-scalar cases split out.
template <typename In, typename Out, typename F>
inline void map2(const In* a, int64_t sa, const In* b, int64_t sb, Out* o, int64_t so, int64_t n, F f) {
  if (so == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  } else if (so == 1 && sa == 1 && sb == 0) {
    const In bv = *b;
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
  } else if (so == 1 && sa == 0 && sb == 1) {
    const In av = *a;
    for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa], b[i * sb]);
  }
}

}  // namespace tl::cpu

// Branch-free float math that GCC and Clang auto-vectorize inside the elementwise loops
// (libm calls would keep those loops scalar, 10-20x slower). Polynomials are the Cephes
// single-precision ones; errors are within 2 ulp of the correctly rounded result except
// where noted. NaN propagates and infinities follow IEEE/libm conventions.
#pragma once
#include <cstdint>
#include <cstring>

namespace tl::cpu::vm {

inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float exp(float x) {
  const bool nan = x != x;
  float xc = x < -104.0f ? -104.0f : x;  // below: exp underflows to 0
  xc = xc > 89.0f ? 89.0f : xc;          // above: the 2^n scaling overflows to inf
  xc = nan ? 0.0f : xc;
  const float n = __builtin_rintf(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;  // Cody-Waite: ln2 split in an exact and a small part
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n in two halves so results in the denormal range (n < -126) come out right.
  const int32_t ni = int32_t(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const float s1 = bits_float(uint32_t(n1 + 127) << 23), s2 = bits_float(uint32_t(n2 + 127) << 23);
  const float y = p * s1 * s2;
  return nan ? x : y;
}

inline float log(float x) {
  // Denormals: scale into the normal range first.
  const bool tiny = x < 1.17549435e-38f;
  const float xs = tiny ? x * 8388608.0f : x;  // 2^23
  const uint32_t bits = float_bits(xs);
  int32_t e = int32_t(bits >> 23) - 126 - (tiny ? 23 : 0);
  float m = bits_float((bits & 0x007fffffu) | 0x3f000000u);  // mantissa in [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1 : e;
  m = small ? m + m - 1.0f : m - 1.0f;  // m in [sqrt(1/2) - 1, sqrt(2) - 1)
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  const float fe = float(e);
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = m + y;
  r = r + fe * 0.693359375f;
  const float inf = __builtin_inff();
  r = x == inf ? inf : r;
  r = x == 0.0f ? -inf : r;
  r = x < 0.0f ? __builtin_nanf("") : r;
  return x != x ? x : r;
}

inline float tanh(float x) {
  const float ax = x < 0 ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = 1.0f - 2.0f / (vm::exp(ax + ax) + 1.0f);
  const float signed_big = x < 0 ? -big : big;
  return ax < 0.625f ? small : signed_big;
}

// 1 / (1 + e^-x), written through e^-|x| so large negative x keeps its tiny (even denormal)
// value instead of rounding to 0 via 1 / inf.
inline float sigmoid(float x) {
  const float e = vm::exp(x < 0 ? x : -x);
  const float s = 1.0f / (1.0f + e);
  return x < 0 ? e * s : s;
}

// log(1 + x) without losing small x (Goldberg's correction).
inline float log1p(float x) {
  const float u = 1.0f + x;
  const float d = u - 1.0f;
  const float r = vm::log(u) * (x / (d == 0.0f ? 1.0f : d));
  const float inf = __builtin_inff();
  return (d == 0.0f || x == inf) ? x : r;
}

// exp(x) - 1 without losing small x (Kahan's correction).
inline float expm1(float x) {
  const float u = vm::exp(x);
  const float um1 = u - 1.0f;
  const float lu = vm::log(u);
  const float r = um1 * (x / (lu == 0.0f ? 1.0f : lu));
  const float inf = __builtin_inff();
  float out = (u == 1.0f) ? x : r;
  out = (um1 == -1.0f) ? -1.0f : out;
  out = (u == inf) ? inf : out;
  return x != x ? x : out;
}

// erf: Maclaurin series (to x^21) below |x| = 1, Abramowitz-Stegun 7.1.26 above
// (absolute error under 1.5e-7 there, where |erf| > 0.84).
inline float erf(float x) {
  const float ax = x < 0 ? -x : x;
  const float z = x * x;
  float s = 1.0f / 76204800.0f * -1.0f;  // coefficients (-1)^k / (k! (2k+1)), k = 10 .. 0
  s = s * z + 1.0f / 6894720.0f;
  s = s * z - 1.0f / 685440.0f;
  s = s * z + 1.0f / 75600.0f;
  s = s * z - 1.0f / 9360.0f;
  s = s * z + 1.0f / 1320.0f;
  s = s * z - 1.0f / 216.0f;
  s = s * z + 1.0f / 42.0f;
  s = s * z - 1.0f / 10.0f;
  s = s * z + 1.0f / 3.0f;
  s = s * z - 1.0f;
  const float small = -1.12837916709551257f * x * s;
  const float t = 1.0f / (1.0f + 0.3275911f * ax);
  float q = 1.061405429f;
  q = q * t - 1.453152027f;
  q = q * t + 1.421413741f;
  q = q * t - 0.284496736f;
  q = q * t + 0.254829592f;
  const float big = 1.0f - q * t * vm::exp(-z);
  const float signed_big = x < 0 ? -big : big;
  return ax < 1.0f ? small : signed_big;
}

inline float gelu(float x) { return 0.5f * x * (1.0f + vm::erf(x * 0.70710678118654752f)); }

inline float gelu_tanh(float x) {
  const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + vm::tanh(inner));
}

// softplus(x) = log(1 + e^x), computed without overflow; PyTorch returns x above 20.
inline float softplus(float x) {
  const float ax = x < 0 ? -x : x;
  const float r = (x > 0 ? x : 0.0f) + vm::log1p(vm::exp(-ax));
  return x > 20.0f ? x : r;
}

}  // namespace tl::cpu::vm

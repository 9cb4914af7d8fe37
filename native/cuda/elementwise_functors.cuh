// The per-element math of the elementwise kernels (elementwise.cu): unary, binary, comparison
// and activation-gradient functors. The formulas are the CPU's (native/cpu/unary.cc,
// binary.cc, activation_grad.cc) with the CUDA math library in place of vmath.h.
#pragma once
#include <cmath>
#include <limits>

#include "common.cuh"

namespace tl::cuda {

// ---- unary functors
template <UnaryOp Op>
struct UnaryF32 {
  float p0, p1;
  __device__ float operator()(float v) const {
    if constexpr (Op == UnaryOp::Neg) return -v;
    else if constexpr (Op == UnaryOp::Abs) return fabsf(v);
    else if constexpr (Op == UnaryOp::Square) return v * v;
    else if constexpr (Op == UnaryOp::Sign) return v > 0 ? 1.0f : (v < 0 ? -1.0f : v);  // keeps NaN, +-0
    else if constexpr (Op == UnaryOp::Relu) return v < 0 ? 0.0f : v;
    else if constexpr (Op == UnaryOp::Clamp) {
      const float lo = v < p0 ? p0 : v;  // NaN stays NaN; min > max gives max, like PyTorch
      return lo > p1 ? p1 : lo;
    } else if constexpr (Op == UnaryOp::Exp) return expf(v);
    else if constexpr (Op == UnaryOp::Log) return logf(v);
    else if constexpr (Op == UnaryOp::Sqrt) return sqrtf(v);
    else if constexpr (Op == UnaryOp::Rsqrt) return 1.0f / sqrtf(v);  // not rsqrtf: same rounding as the CPU
    else if constexpr (Op == UnaryOp::Reciprocal) return 1.0f / v;
    else if constexpr (Op == UnaryOp::Sigmoid) return sigmoid_f(v);
    else if constexpr (Op == UnaryOp::Tanh) return tanhf(v);
    else if constexpr (Op == UnaryOp::Gelu) return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    else if constexpr (Op == UnaryOp::GeluTanh) {
      const float inner = 0.79788456080286536f * (v + 0.044715f * v * v * v);
      return 0.5f * v * (1.0f + tanhf(inner));
    } else if constexpr (Op == UnaryOp::Silu) return v * sigmoid_f(v);
    else if constexpr (Op == UnaryOp::Softplus) {  // p0 = beta, p1 = threshold
      const float z = v * p0;
      return z > p1 ? v : softplus_f(z) / p0;
    } else if constexpr (Op == UnaryOp::LeakyRelu) return v > 0 ? v : v * p0;
    else if constexpr (Op == UnaryOp::Elu) return v > 0 ? v : p0 * expm1f(v);
    else if constexpr (Op == UnaryOp::Erf) return erff(v);
    else if constexpr (Op == UnaryOp::Log1p) return log1pf(v);
    else if constexpr (Op == UnaryOp::Expm1) return expm1f(v);
    else if constexpr (Op == UnaryOp::Sin) return sinf(v);
    else if constexpr (Op == UnaryOp::Cos) return cosf(v);
    else if constexpr (Op == UnaryOp::Floor) return floorf(v);
    else if constexpr (Op == UnaryOp::Ceil) return ceilf(v);
    else if constexpr (Op == UnaryOp::Round) return rintf(v);  // half to even
    else {
      static_assert(Op == UnaryOp::PowScalar, "unhandled unary op");
      // The CPU's exact shortcuts for the common exponents (the branch is uniform).
      if (p0 == 2.0f) return v * v;
      if (p0 == 3.0f) return v * v * v;
      if (p0 == 1.0f) return v;
      if (p0 == 0.5f) return sqrtf(v);
      if (p0 == -1.0f) return 1.0f / v;
      return powf(v, p0);
    }
  }
};

struct IsNanF {
  __device__ int32_t operator()(float v) const { return int32_t(v != v); }
};

// int32 arithmetic wraps through uint32, like the CPU (and the hardware).
template <UnaryOp Op>
struct UnaryI32 {
  int32_t lo, hi;  // clamp bounds
  __device__ int32_t operator()(int32_t v) const {
    if constexpr (Op == UnaryOp::Neg) return int32_t(0u - uint32_t(v));
    else if constexpr (Op == UnaryOp::Abs) return v < 0 ? int32_t(0u - uint32_t(v)) : v;
    else if constexpr (Op == UnaryOp::Square) return int32_t(uint32_t(v) * uint32_t(v));
    else if constexpr (Op == UnaryOp::Sign) return int32_t((v > 0) - (v < 0));
    else if constexpr (Op == UnaryOp::Relu) return v < 0 ? 0 : v;
    else {
      static_assert(Op == UnaryOp::Clamp, "unhandled int32 unary op");
      const int32_t a = v < lo ? lo : v;
      return a > hi ? hi : a;
    }
  }
};

inline int32_t saturate_i32(double v) {
  if (v != v) return 0;
  if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  return int32_t(v);
}

// ---- binary functors
template <BinaryOp Op>
struct BinaryF32 {
  __device__ float operator()(float x, float y) const {
    if constexpr (Op == BinaryOp::Add) return x + y;
    else if constexpr (Op == BinaryOp::Sub) return x - y;
    else if constexpr (Op == BinaryOp::Mul) return x * y;
    else if constexpr (Op == BinaryOp::Div) return x / y;
    else if constexpr (Op == BinaryOp::Pow) return powf(x, y);
    else if constexpr (Op == BinaryOp::Atan2) return atan2f(x, y);
    else if constexpr (Op == BinaryOp::Maximum) return (x != x || x > y) ? x : y;  // NaN wins
    else if constexpr (Op == BinaryOp::Minimum) return (x != x || x < y) ? x : y;
    else {
      static_assert(Op == BinaryOp::BceWithLogits, "unhandled binary op");
      const float ax = fabsf(x);
      return (x > 0 ? x : 0.0f) - x * y + log1pf(expf(-ax));
    }
  }
};

template <BinaryOp Op, typename T>
struct Compare {
  __device__ int32_t operator()(T x, T y) const {
    if constexpr (Op == BinaryOp::Eq) return int32_t(x == y);
    else if constexpr (Op == BinaryOp::Ne) return int32_t(x != y);
    else if constexpr (Op == BinaryOp::Lt) return int32_t(x < y);
    else if constexpr (Op == BinaryOp::Le) return int32_t(x <= y);
    else if constexpr (Op == BinaryOp::Gt) return int32_t(x > y);
    else {
      static_assert(Op == BinaryOp::Ge, "unhandled comparison");
      return int32_t(x >= y);
    }
  }
};

template <BinaryOp Op>
struct BinaryI32 {
  __device__ int32_t operator()(int32_t x, int32_t y) const {
    if constexpr (Op == BinaryOp::Add) return int32_t(uint32_t(x) + uint32_t(y));
    else if constexpr (Op == BinaryOp::Sub) return int32_t(uint32_t(x) - uint32_t(y));
    else if constexpr (Op == BinaryOp::Mul) return int32_t(uint32_t(x) * uint32_t(y));
    else if constexpr (Op == BinaryOp::Maximum) return x > y ? x : y;
    else {
      static_assert(Op == BinaryOp::Minimum, "unhandled int32 binary op");
      return x < y ? x : y;
    }
  }
};

// ---- activation gradients: (grad_out, saved) -> grad_in
template <ActivationGrad Op>
struct ActGrad {
  float p0, p1;
  __device__ float operator()(float d, float x) const {
    if constexpr (Op == ActivationGrad::Relu) return x > 0 ? d : 0.0f;
    else if constexpr (Op == ActivationGrad::LeakyRelu) return x > 0 ? d : d * p0;
    else if constexpr (Op == ActivationGrad::Sigmoid) return d * (x * (1.0f - x));  // x is the output y
    else if constexpr (Op == ActivationGrad::Tanh) return d * (1.0f - x * x);        // x is the output y
    else if constexpr (Op == ActivationGrad::Gelu) {  // d/dx x * Phi(x) = Phi(x) + x * phi(x)
      const float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
      const float pdf = 0.39894228040143268f * expf(-0.5f * x * x);
      return d * (cdf + x * pdf);
    } else if constexpr (Op == ActivationGrad::GeluTanh) {
      const float k = 0.79788456080286536f, c = 0.044715f;
      const float t = tanhf(k * (x + c * x * x * x));
      const float dt = (1.0f - t * t) * k * (1.0f + 3.0f * c * x * x);
      return d * (0.5f * (1.0f + t) + 0.5f * x * dt);
    } else if constexpr (Op == ActivationGrad::Silu) {
      const float s = sigmoid_f(x);
      return d * (s * (1.0f + x * (1.0f - s)));
    } else if constexpr (Op == ActivationGrad::Softplus) {  // p0 = beta, p1 = threshold
      const float z = x * p0;
      return z > p1 ? d : d * sigmoid_f(z);
    } else if constexpr (Op == ActivationGrad::Elu) return x > 0 ? d : d * p0 * expf(x);  // p0 = alpha
    else {
      static_assert(Op == ActivationGrad::Clamp, "unhandled activation gradient");
      return (x >= p0 && x <= p1) ? d : 0.0f;  // gradient flows where min <= x <= max
    }
  }
};

}  // namespace tl::cuda

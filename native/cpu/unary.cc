// Unary elementwise kernels (float32 and the int32 subset).
#include <cmath>
#include <limits>

#include "elementwise.h"
#include "simd_clones.h"
#include "strided.h"
#include "vmath.h"

namespace tl::cpu {

namespace {

// Work per element varies a lot (neg vs erf); the transcendental ones parallelize sooner.
int64_t grain_for(UnaryOp op) { return op >= UnaryOp::Exp ? kElementwiseGrain / 8 : kElementwiseGrain; }

TL_SIMD_CLONES
void unary_run_f32(UnaryOp op, const float* x, int64_t sx, float* y, int64_t sy, int64_t n, float p0, float p1) {
  switch (op) {
    case UnaryOp::Neg: map1(x, sx, y, sy, n, [](float v) { return -v; }); break;
    case UnaryOp::Abs: map1(x, sx, y, sy, n, [](float v) { return std::fabs(v); }); break;
    case UnaryOp::Square: map1(x, sx, y, sy, n, [](float v) { return v * v; }); break;
    case UnaryOp::Sign:
      map1(x, sx, y, sy, n, [](float v) { return v > 0 ? 1.0f : (v < 0 ? -1.0f : v); });  // keeps NaN, +-0
      break;
    case UnaryOp::Relu: map1(x, sx, y, sy, n, [](float v) { return v < 0 ? 0.0f : v; }); break;
    case UnaryOp::Clamp:
      map1(x, sx, y, sy, n, [p0, p1](float v) {
        const float lo = v < p0 ? p0 : v;  // NaN stays NaN; min > max gives max, like PyTorch
        return lo > p1 ? p1 : lo;
      });
      break;
    case UnaryOp::Exp: map1(x, sx, y, sy, n, [](float v) { return vm::exp(v); }); break;
    case UnaryOp::Log: map1(x, sx, y, sy, n, [](float v) { return vm::log(v); }); break;
    case UnaryOp::Sqrt: map1(x, sx, y, sy, n, [](float v) { return std::sqrt(v); }); break;
    case UnaryOp::Rsqrt: map1(x, sx, y, sy, n, [](float v) { return 1.0f / std::sqrt(v); }); break;
    case UnaryOp::Reciprocal: map1(x, sx, y, sy, n, [](float v) { return 1.0f / v; }); break;
    case UnaryOp::Sigmoid: map1(x, sx, y, sy, n, [](float v) { return vm::sigmoid(v); }); break;
    case UnaryOp::Tanh: map1(x, sx, y, sy, n, [](float v) { return vm::tanh(v); }); break;
    case UnaryOp::Gelu: map1(x, sx, y, sy, n, [](float v) { return vm::gelu(v); }); break;
    case UnaryOp::GeluTanh: map1(x, sx, y, sy, n, [](float v) { return vm::gelu_tanh(v); }); break;
    case UnaryOp::Silu: map1(x, sx, y, sy, n, [](float v) { return v * vm::sigmoid(v); }); break;
    case UnaryOp::Softplus:  // p0 = beta, p1 = threshold (PyTorch's defaults 1 and 20)
      map1(x, sx, y, sy, n, [p0, p1](float v) {
        const float z = v * p0;
        return z > p1 ? v : vm::softplus(z) / p0;
      });
      break;
    case UnaryOp::LeakyRelu: map1(x, sx, y, sy, n, [p0](float v) { return v > 0 ? v : v * p0; }); break;
    case UnaryOp::Elu: map1(x, sx, y, sy, n, [p0](float v) { return v > 0 ? v : p0 * vm::expm1(v); }); break;
    case UnaryOp::Erf: map1(x, sx, y, sy, n, [](float v) { return vm::erf(v); }); break;
    case UnaryOp::Log1p: map1(x, sx, y, sy, n, [](float v) { return vm::log1p(v); }); break;
    case UnaryOp::Expm1: map1(x, sx, y, sy, n, [](float v) { return vm::expm1(v); }); break;
    case UnaryOp::Sin: map1(x, sx, y, sy, n, [](float v) { return std::sin(v); }); break;
    case UnaryOp::Cos: map1(x, sx, y, sy, n, [](float v) { return std::cos(v); }); break;
    case UnaryOp::Floor: map1(x, sx, y, sy, n, [](float v) { return std::floor(v); }); break;
    case UnaryOp::Ceil: map1(x, sx, y, sy, n, [](float v) { return std::ceil(v); }); break;
    case UnaryOp::Round: map1(x, sx, y, sy, n, [](float v) { return __builtin_rintf(v); }); break;  // half to even
    case UnaryOp::PowScalar:
      if (p0 == 2.0f) map1(x, sx, y, sy, n, [](float v) { return v * v; });
      else if (p0 == 3.0f) map1(x, sx, y, sy, n, [](float v) { return v * v * v; });
      else if (p0 == 1.0f) map1(x, sx, y, sy, n, [](float v) { return v; });
      else if (p0 == 0.5f) map1(x, sx, y, sy, n, [](float v) { return std::sqrt(v); });
      else if (p0 == -1.0f) map1(x, sx, y, sy, n, [](float v) { return 1.0f / v; });
      else map1(x, sx, y, sy, n, [p0](float v) { return std::pow(v, p0); });
      break;
    case UnaryOp::IsNan: break;  // int32 output: handled by isnan_run
  }
}

TL_SIMD_CLONES
void isnan_run(const float* x, int64_t sx, int32_t* y, int64_t sy, int64_t n) {
  map1(x, sx, y, sy, n, [](float v) { return int32_t(v != v); });
}

int32_t saturate_i32(double v) {
  if (v != v) return 0;
  if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  return int32_t(v);
}

// Signed overflow is undefined in C++; int32 arithmetic wraps through uint32 like the hardware.
TL_SIMD_CLONES
void unary_run_i32(UnaryOp op, const int32_t* x, int64_t sx, int32_t* y, int64_t sy, int64_t n, double p0, double p1) {
  switch (op) {
    case UnaryOp::Neg: map1(x, sx, y, sy, n, [](int32_t v) { return int32_t(0u - uint32_t(v)); }); break;
    case UnaryOp::Abs:
      map1(x, sx, y, sy, n, [](int32_t v) { return v < 0 ? int32_t(0u - uint32_t(v)) : v; });
      break;
    case UnaryOp::Square: map1(x, sx, y, sy, n, [](int32_t v) { return int32_t(uint32_t(v) * uint32_t(v)); }); break;
    case UnaryOp::Sign: map1(x, sx, y, sy, n, [](int32_t v) { return int32_t((v > 0) - (v < 0)); }); break;
    case UnaryOp::Relu: map1(x, sx, y, sy, n, [](int32_t v) { return v < 0 ? 0 : v; }); break;
    case UnaryOp::Clamp: {
      // The dispatcher passes integral bounds; infinities mean "no bound".
      const int32_t lo = saturate_i32(p0), hi = saturate_i32(p1);
      map1(x, sx, y, sy, n, [lo, hi](int32_t v) {
        const int32_t a = v < lo ? lo : v;
        return a > hi ? hi : a;
      });
      break;
    }
    default: break;  // the dispatcher casts int32 inputs to float32 for the other ops
  }
}

}  // namespace

void unary(UnaryOp op, const Tensor& x, const Tensor& out, double p0, double p1) {
  if (out.numel() == 0) return;
  const auto plan = make_plan<2>(out.shape(), {&out.strides(), &x.strides()});
  if (op == UnaryOp::IsNan) {
    int32_t* y = out.data<int32_t>();
    const float* xs = x.data<float>();
    parallel_runs(plan, kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
      isnan_run(xs + off[1], st[1], y + off[0], st[0], n);
    });
  } else if (x.dtype() == DType::Int32) {
    int32_t* y = out.data<int32_t>();
    const int32_t* xs = x.data<int32_t>();
    parallel_runs(plan, kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
      unary_run_i32(op, xs + off[1], st[1], y + off[0], st[0], n, p0, p1);
    });
  } else {
    float* y = out.data<float>();
    const float* xs = x.data<float>();
    parallel_runs(plan, grain_for(op), [&](const int64_t* off, int64_t n, const int64_t* st) {
      unary_run_f32(op, xs + off[1], st[1], y + off[0], st[0], n, float(p0), float(p1));
    });
  }
}

}  // namespace tl::cpu

// Elementwise kernels: unary, binary (with broadcasting) and the activation gradients. Each
// op is a functor instantiated into two grid-stride kernels: a 1-D one for plans that
// coalesce to a single dim (contiguous operands, broadcast scalars, simple strided views) and
// an N-D one that decodes up to kDims dims per element. Plans with more dims are run on
// contiguous copies. The formulas are the CPU's (native/cpu/unary.cc, binary.cc,
// activation_grad.cc) with the CUDA math library in place of vmath.h: both follow IEEE for
// NaN and infinities and agree to a few ulp elsewhere.
#include <cmath>
#include <limits>

#include "../core/ops.h"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

// ---- kernels
template <typename In, typename Out, typename F>
__global__ void map1_1d(const In* x, int64_t sx, Out* y, int64_t sy, int64_t n, F f) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) y[i * sy] = f(x[i * sx]);
}

template <typename In, typename Out, typename F>
__global__ void map1_nd(const In* x, Out* y, int64_t n, Indexer<2> ix, F f) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[2];
    ix.offsets(i, off);
    y[off[0]] = f(x[off[1]]);
  }
}

template <typename In, typename Out, typename F>
__global__ void map2_1d(const In* a, int64_t sa, const In* b, int64_t sb, Out* o, int64_t so, int64_t n, F f) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) o[i * so] = f(a[i * sa], b[i * sb]);
}

template <typename In, typename Out, typename F>
__global__ void map2_nd(const In* a, const In* b, Out* o, int64_t n, Indexer<3> ix, F f) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[3];
    ix.offsets(i, off);
    o[off[0]] = f(a[off[1]], b[off[2]]);
  }
}

// ---- launchers
// The output of a packed (more than kDims dims) launch: out itself when contiguous, else a
// contiguous temporary that is copied into out afterwards.
Tensor packed_output(const Tensor& out, const char* op) {
  return out.is_contiguous() ? out : Tensor::empty(out.shape(), out.dtype(), Device::CUDA, op);
}

template <typename In, typename Out, typename F>
void run_map1(const Tensor& x, const Tensor& out, F f, const char* op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const auto plan = cpu::make_plan<2>(out.shape(), {&out.strides(), &x.strides()});
  Indexer<2> ix;
  if (plan.ndim <= 1) {
    const int64_t sy = plan.ndim ? plan.strides[0][0] : 0, sx = plan.ndim ? plan.strides[1][0] : 0;
    map1_1d<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(x.data<In>(), sx, out.data<Out>(), sy, n, f);
  } else if (make_indexer(plan, &ix)) {
    map1_nd<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(x.data<In>(), out.data<Out>(), n, ix, f);
  } else {
    const Tensor xc = ops::contiguous(x), oc = packed_output(out, op);
    map1_1d<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(xc.data<In>(), 1, oc.data<Out>(), 1, n, f);
    check_launch(op);
    if (oc.storage() != out.storage()) copy(oc, out);
  }
  check_launch(op);
}

template <typename In, typename Out, typename F>
void run_map2(const Tensor& a, const Tensor& b, const Tensor& out, F f, const char* op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const auto plan = cpu::make_plan<3>(out.shape(), {&out.strides(), &a.strides(), &b.strides()});
  Indexer<3> ix;
  if (plan.ndim <= 1) {
    int64_t s[3] = {0, 0, 0};
    for (int k = 0; k < 3 && plan.ndim; ++k) s[k] = plan.strides[k][0];
    map2_1d<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(a.data<In>(), s[1], b.data<In>(), s[2],
                                                                   out.data<Out>(), s[0], n, f);
  } else if (make_indexer(plan, &ix)) {
    map2_nd<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(a.data<In>(), b.data<In>(), out.data<Out>(), n, ix, f);
  } else {
    const Tensor ac = ops::contiguous(a), bc = ops::contiguous(b), oc = packed_output(out, op);
    map2_1d<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(ac.data<In>(), 1, bc.data<In>(), 1, oc.data<Out>(),
                                                                   1, n, f);
    check_launch(op);
    if (oc.storage() != out.storage()) copy(oc, out);
  }
  check_launch(op);
}

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

int32_t saturate_i32(double v) {
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

}  // namespace

void unary(UnaryOp op, const Tensor& x, const Tensor& out, double p0, double p1) {
  const char* name = unary_name(op);
  if (op == UnaryOp::IsNan) return run_map1<float, int32_t>(x, out, IsNanF{}, name);
  if (x.dtype() == DType::Int32) {
    const int32_t lo = saturate_i32(p0), hi = saturate_i32(p1);  // integral bounds; infinities mean none
#define TL_CASE(O) \
  case UnaryOp::O: return run_map1<int32_t, int32_t>(x, out, UnaryI32<UnaryOp::O>{lo, hi}, name);
    switch (op) {
      TL_CASE(Neg) TL_CASE(Abs) TL_CASE(Square) TL_CASE(Sign) TL_CASE(Relu) TL_CASE(Clamp)
      default: return;  // the dispatcher casts int32 inputs to float32 for the other ops
    }
#undef TL_CASE
  }
  const float f0 = float(p0), f1 = float(p1);
#define TL_CASE(O) \
  case UnaryOp::O: return run_map1<float, float>(x, out, UnaryF32<UnaryOp::O>{f0, f1}, name);
  switch (op) {
    TL_CASE(Neg) TL_CASE(Abs) TL_CASE(Square) TL_CASE(Sign) TL_CASE(Relu) TL_CASE(Clamp) TL_CASE(Exp) TL_CASE(Log)
    TL_CASE(Sqrt) TL_CASE(Rsqrt) TL_CASE(Reciprocal) TL_CASE(Sigmoid) TL_CASE(Tanh) TL_CASE(Gelu) TL_CASE(GeluTanh)
    TL_CASE(Silu) TL_CASE(Softplus) TL_CASE(LeakyRelu) TL_CASE(Elu) TL_CASE(Erf) TL_CASE(Log1p) TL_CASE(Expm1)
    TL_CASE(Sin) TL_CASE(Cos) TL_CASE(Floor) TL_CASE(Ceil) TL_CASE(Round) TL_CASE(PowScalar)
    case UnaryOp::IsNan: return;  // handled above
  }
#undef TL_CASE
}

void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  const char* name = binary_name(op);
  if (a.dtype() == DType::Int32) {
#define TL_ARITH(O) \
  case BinaryOp::O: return run_map2<int32_t, int32_t>(a, b, out, BinaryI32<BinaryOp::O>{}, name);
#define TL_CMP(O) \
  case BinaryOp::O: return run_map2<int32_t, int32_t>(a, b, out, Compare<BinaryOp::O, int32_t>{}, name);
    switch (op) {
      TL_ARITH(Add) TL_ARITH(Sub) TL_ARITH(Mul) TL_ARITH(Maximum) TL_ARITH(Minimum)
      TL_CMP(Eq) TL_CMP(Ne) TL_CMP(Lt) TL_CMP(Le) TL_CMP(Gt) TL_CMP(Ge)
      default: return;  // the dispatcher promotes int32 to float32 for the other ops
    }
#undef TL_ARITH
#undef TL_CMP
  }
#define TL_ARITH(O) case BinaryOp::O: return run_map2<float, float>(a, b, out, BinaryF32<BinaryOp::O>{}, name);
#define TL_CMP(O) case BinaryOp::O: return run_map2<float, int32_t>(a, b, out, Compare<BinaryOp::O, float>{}, name);
  switch (op) {
    TL_ARITH(Add) TL_ARITH(Sub) TL_ARITH(Mul) TL_ARITH(Div) TL_ARITH(Pow) TL_ARITH(Maximum) TL_ARITH(Minimum)
    TL_ARITH(Atan2) TL_ARITH(BceWithLogits)
    TL_CMP(Eq) TL_CMP(Ne) TL_CMP(Lt) TL_CMP(Le) TL_CMP(Gt) TL_CMP(Ge)
  }
#undef TL_ARITH
#undef TL_CMP
}

void activation_grad(ActivationGrad op, const Tensor& grad, const Tensor& saved, const Tensor& out, double p0,
                     double p1) {
  const char* name = activation_grad_name(op);
  const float f0 = float(p0), f1 = float(p1);
#define TL_CASE(O) \
  case ActivationGrad::O: return run_map2<float, float>(grad, saved, out, ActGrad<ActivationGrad::O>{f0, f1}, name);
  switch (op) {
    TL_CASE(Relu) TL_CASE(LeakyRelu) TL_CASE(Sigmoid) TL_CASE(Tanh) TL_CASE(Gelu) TL_CASE(GeluTanh) TL_CASE(Silu)
    TL_CASE(Softplus) TL_CASE(Elu) TL_CASE(Clamp)
  }
#undef TL_CASE
}

}  // namespace tl::cuda

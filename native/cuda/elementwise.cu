// Elementwise kernels: unary, binary (with broadcasting, or a scalar kernel argument) and the
// activation gradients. Each op is a functor instantiated into grid-stride kernels: a
// vectorized one for contiguous, 16-byte aligned operands (four elements per thread through
// 128-bit loads and stores: the memory-bound common case), a 1-D one for other plans that
// coalesce to a single dim (broadcast scalars, simple strided views) and an N-D one that
// decodes up to kDims dims per element. Plans with more dims are run on contiguous copies. The formulas are the CPU's (native/cpu/unary.cc, binary.cc,
// activation_grad.cc) with the CUDA math library in place of vmath.h: both follow IEEE for
// NaN and infinities and agree to a few ulp elsewhere.
#include <cmath>
#include <limits>

#include "../core/ops.h"
#include "common.cuh"
#include "elementwise_functors.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

// ---- kernels
// Four 32-bit elements moved as one 128-bit access (the struct's alignment makes nvcc emit
// ld.global.v4 / st.global.v4).
template <typename T>
struct alignas(16) Vec4 {
  T v[4];
};

template <typename... P>
bool aligned16(const P*... p) {
  return ((reinterpret_cast<uintptr_t>(p) % 16 == 0) && ...);
}

template <typename In, typename Out, typename F>
__global__ void map1_vec(const In* x, Out* y, int64_t n, F f) {
  const int64_t nv = n >> 2;
  const auto* xv = reinterpret_cast<const Vec4<In>*>(x);
  auto* yv = reinterpret_cast<Vec4<Out>*>(y);
  for (int64_t i = thread_index(); i < nv; i += thread_count()) {
    const Vec4<In> a = xv[i];
    Vec4<Out> o;
#pragma unroll
    for (int k = 0; k < 4; ++k) o.v[k] = f(a.v[k]);
    yv[i] = o;
  }
  for (int64_t i = (nv << 2) + thread_index(); i < n; i += thread_count()) y[i] = f(x[i]);  // the last n % 4
}

template <typename In, typename Out, typename F>
__global__ void map2_vec(const In* a, const In* b, Out* o, int64_t n, F f) {
  const int64_t nv = n >> 2;
  const auto* av = reinterpret_cast<const Vec4<In>*>(a);
  const auto* bv = reinterpret_cast<const Vec4<In>*>(b);
  auto* ov = reinterpret_cast<Vec4<Out>*>(o);
  for (int64_t i = thread_index(); i < nv; i += thread_count()) {
    const Vec4<In> x = av[i], y = bv[i];
    Vec4<Out> r;
#pragma unroll
    for (int k = 0; k < 4; ++k) r.v[k] = f(x.v[k], y.v[k]);
    ov[i] = r;
  }
  for (int64_t i = (nv << 2) + thread_index(); i < n; i += thread_count()) o[i] = f(a[i], b[i]);
}

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
    if (sy == 1 && sx == 1 && aligned16(x.data<In>(), out.data<Out>()))
      map1_vec<In, Out, F><<<blocks_for((n + 3) / 4), kThreads, 0, stream()>>>(x.data<In>(), out.data<Out>(), n, f);
    else
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
    if (s[0] == 1 && s[1] == 1 && s[2] == 1 && aligned16(a.data<In>(), b.data<In>(), out.data<Out>()))
      map2_vec<In, Out, F><<<blocks_for((n + 3) / 4), kThreads, 0, stream()>>>(a.data<In>(), b.data<In>(),
                                                                             out.data<Out>(), n, f);
    else
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

// A binary functor with one operand fixed to a scalar kernel argument (binary_scalar).
template <typename F, typename T>
struct WithScalar {
  F f;
  T s;
  bool scalar_first;  // uniform across the launch: no divergence
  __device__ auto operator()(T v) const { return scalar_first ? f(s, v) : f(v, s); }
};

template <typename In, typename Out, typename F>
void run_scalar(const Tensor& a, In s, bool first, const Tensor& out, F f, const char* op) {
  run_map1<In, Out>(a, out, WithScalar<F, In>{f, s, first}, op);
}

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

void binary_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first, const Tensor& out) {
  const char* name = binary_name(op);
  if (a.dtype() == DType::Int32) {
    const int32_t v = int32_t(s);  // the dispatcher sends int32 compute only for int32 scalars
#define TL_ARITH(O) \
  case BinaryOp::O: return run_scalar<int32_t, int32_t>(a, v, scalar_first, out, BinaryI32<BinaryOp::O>{}, name);
#define TL_CMP(O) \
  case BinaryOp::O: return run_scalar<int32_t, int32_t>(a, v, scalar_first, out, Compare<BinaryOp::O, int32_t>{}, name);
    switch (op) {
      TL_ARITH(Add) TL_ARITH(Sub) TL_ARITH(Mul) TL_ARITH(Maximum) TL_ARITH(Minimum)
      TL_CMP(Eq) TL_CMP(Ne) TL_CMP(Lt) TL_CMP(Le) TL_CMP(Gt) TL_CMP(Ge)
      default: return;  // the dispatcher computes the other ops in float32
    }
#undef TL_ARITH
#undef TL_CMP
  }
  const float v = float(s);
#define TL_ARITH(O) \
  case BinaryOp::O: return run_scalar<float, float>(a, v, scalar_first, out, BinaryF32<BinaryOp::O>{}, name);
#define TL_CMP(O) \
  case BinaryOp::O: return run_scalar<float, int32_t>(a, v, scalar_first, out, Compare<BinaryOp::O, float>{}, name);
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

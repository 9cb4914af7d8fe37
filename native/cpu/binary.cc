// Binary elementwise kernels with broadcasting (float32 and the int32 subset).
#include <cmath>

#include "elementwise.h"
#include "simd_clones.h"
#include "strided.h"
#include "vmath.h"

namespace tl::cpu {

namespace {

TL_SIMD_CLONES
void binary_run_f32(BinaryOp op, const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t so,
                    int64_t n) {
  switch (op) {
    case BinaryOp::Add: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return x + y; }); break;
    case BinaryOp::Sub: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return x - y; }); break;
    case BinaryOp::Mul: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return x * y; }); break;
    case BinaryOp::Div: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return x / y; }); break;
    case BinaryOp::Pow: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return std::pow(x, y); }); break;
    case BinaryOp::Atan2: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return std::atan2(x, y); }); break;
    case BinaryOp::BceWithLogits:
      map2(a, sa, b, sb, o, so, n, [](float x, float y) {
        const float ax = x < 0 ? -x : x;
        return (x > 0 ? x : 0.0f) - x * y + vm::log1p(vm::exp(-ax));
      });
      break;
    // NaN wins, as in PyTorch's maximum/minimum.
    case BinaryOp::Maximum:
      map2(a, sa, b, sb, o, so, n, [](float x, float y) { return (x != x || x > y) ? x : y; });
      break;
    case BinaryOp::Minimum:
      map2(a, sa, b, sb, o, so, n, [](float x, float y) { return (x != x || x < y) ? x : y; });
      break;
    default: break;
  }
}

TL_SIMD_CLONES
void compare_run_f32(BinaryOp op, const float* a, int64_t sa, const float* b, int64_t sb, int32_t* o, int64_t so,
                     int64_t n) {
  switch (op) {
    case BinaryOp::Eq: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return int32_t(x == y); }); break;
    case BinaryOp::Ne: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return int32_t(x != y); }); break;
    case BinaryOp::Lt: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return int32_t(x < y); }); break;
    case BinaryOp::Le: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return int32_t(x <= y); }); break;
    case BinaryOp::Gt: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return int32_t(x > y); }); break;
    case BinaryOp::Ge: map2(a, sa, b, sb, o, so, n, [](float x, float y) { return int32_t(x >= y); }); break;
    default: break;
  }
}

// int32 arithmetic wraps through uint32 (signed overflow is undefined behaviour in C++).
TL_SIMD_CLONES
void binary_run_i32(BinaryOp op, const int32_t* a, int64_t sa, const int32_t* b, int64_t sb, int32_t* o, int64_t so,
                    int64_t n) {
  using I = int32_t;
  using U = uint32_t;
  switch (op) {
    case BinaryOp::Add: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(U(x) + U(y)); }); break;
    case BinaryOp::Sub: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(U(x) - U(y)); }); break;
    case BinaryOp::Mul: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(U(x) * U(y)); }); break;
    case BinaryOp::Maximum: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return x > y ? x : y; }); break;
    case BinaryOp::Minimum: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return x < y ? x : y; }); break;
    case BinaryOp::Eq: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(x == y); }); break;
    case BinaryOp::Ne: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(x != y); }); break;
    case BinaryOp::Lt: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(x < y); }); break;
    case BinaryOp::Le: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(x <= y); }); break;
    case BinaryOp::Gt: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(x > y); }); break;
    case BinaryOp::Ge: map2(a, sa, b, sb, o, so, n, [](I x, I y) { return I(x >= y); }); break;
    default: break;  // the dispatcher promotes int32 to float32 for the other ops
  }
}

}  // namespace

void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  if (out.numel() == 0) return;
  const auto plan = make_plan<3>(out.shape(), {&out.strides(), &a.strides(), &b.strides()});
  const int64_t grain = (op == BinaryOp::Pow || op == BinaryOp::Atan2) ? kElementwiseGrain / 8 : kElementwiseGrain;
  if (a.dtype() == DType::Int32) {
    const int32_t *pa = a.data<int32_t>(), *pb = b.data<int32_t>();
    int32_t* po = out.data<int32_t>();
    parallel_runs(plan, grain, [&](const int64_t* off, int64_t n, const int64_t* st) {
      binary_run_i32(op, pa + off[1], st[1], pb + off[2], st[2], po + off[0], st[0], n);
    });
  } else if (is_comparison(op)) {
    const float *pa = a.data<float>(), *pb = b.data<float>();
    int32_t* po = out.data<int32_t>();
    parallel_runs(plan, grain, [&](const int64_t* off, int64_t n, const int64_t* st) {
      compare_run_f32(op, pa + off[1], st[1], pb + off[2], st[2], po + off[0], st[0], n);
    });
  } else {
    const float *pa = a.data<float>(), *pb = b.data<float>();
    float* po = out.data<float>();
    parallel_runs(plan, grain, [&](const int64_t* off, int64_t n, const int64_t* st) {
      binary_run_f32(op, pa + off[1], st[1], pb + off[2], st[2], po + off[0], st[0], n);
    });
  }
}

void binary_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first, const Tensor& out) {
  // One element seen with zero strides: the broadcasting loops above keep it in a register,
  // so on the CPU a 0-d operand costs nothing (the GPU passes the scalar as an argument).
  const Tensor one = Tensor::empty({}, a.dtype(), Device::CPU, binary_name(op));
  fill(one, s);
  const Tensor b = one.as_strided(a.shape(), Strides(a.shape().size(), 0), 0);
  if (scalar_first) binary(op, b, a, out);
  else binary(op, a, b, out);
}

}  // namespace tl::cpu

// Elementwise ops: dtype promotion, broadcasting and output allocation around the kernels.
#include <cmath>
#include <limits>

#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  if (a.device() != b.device())
    type_error(op, ": expected all tensors on the same device, got ", device_name(a.device()), " and ",
               device_name(b.device()), " (move one with .to())");
}

void check_dtype(const char* op, const char* arg, const Tensor& t, DType expected) {
  if (t.dtype() != expected)
    type_error(op, ": expected ", arg, " to be ", dtype_name(expected), ", got ", dtype_name(t.dtype()));
}

Tensor unary(UnaryOp op, const Tensor& x_in, double p0, double p1) {
  const char* name = unary_name(op);
  if (op == UnaryOp::IsNan && x_in.dtype() == DType::Int32) return full(x_in.shape(), 0, DType::Int32, x_in.device());
  // int32 stays int32 only where the result is an integer (neg, abs, relu, ...), as in PyTorch.
  const Tensor x = (x_in.dtype() == DType::Int32 && !unary_keeps_int(op)) ? cast(x_in, DType::Float32) : x_in;
  const DType out_dtype = op == UnaryOp::IsNan ? DType::Int32 : x.dtype();
  Tensor out = Tensor::empty(x.shape(), out_dtype, x.device(), name);
  TL_DISPATCH(x.device(), unary, op, x, out, p0, p1);
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const char* name = binary_name(op);
  check_same_device(name, a_in, b_in);
  const Shape shape = broadcast_shapes(a_in.shape(), b_in.shape(), name);
  checked_numel(shape, name);
  DType compute = promote(a_in.dtype(), b_in.dtype());
  if (!binary_keeps_int(op)) compute = DType::Float32;  // div, pow, atan2 of ints give floats
  const Tensor a = expand(cast(a_in, compute), shape);
  const Tensor b = expand(cast(b_in, compute), shape);
  Tensor out = Tensor::empty(shape, is_comparison(op) ? DType::Int32 : compute, a.device(), name);
  TL_DISPATCH(out.device(), binary, op, a, b, out);
  return out;
}

Tensor binary_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first) {
  // The dtype rules of binary() with a 0-d operand of the scalar: int32 only when both are.
  const bool int_scalar = a.dtype() == DType::Int32 && s == std::floor(s) && s >= -2147483648.0 && s <= 2147483647.0;
  const DType compute = int_scalar && binary_keeps_int(op) ? DType::Int32 : DType::Float32;
  const Tensor x = cast(a, compute);
  Tensor out = Tensor::empty(a.shape(), is_comparison(op) ? DType::Int32 : compute, a.device(), binary_name(op));
  // The scalar goes to the kernel as an argument: on the GPU a 0-d tensor would cost an
  // allocation and a fill launch per call, and a broadcast read per element.
  TL_DISPATCH(out.device(), binary_scalar, op, x, compute == DType::Int32 ? s : double(float(s)), scalar_first, out);
  return out;
}

Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  if (!lo && !hi) range_error("clamp: at least one of min and max must be given");
  const double l = lo.value_or(-INFINITY), h = hi.value_or(INFINITY);
  if (std::isnan(l) || std::isnan(h)) return full(x.shape(), NAN, DType::Float32, x.device());
  auto integral = [](double v) { return std::isinf(v) || v == std::floor(v); };
  if (x.dtype() == DType::Int32 && integral(l) && integral(h))
    return unary(UnaryOp::Clamp, x, l, h);
  return unary(UnaryOp::Clamp, cast(x, DType::Float32), l, h);
}

Tensor where(const Tensor& cond, const Tensor& a_in, const Tensor& b_in) {
  check_same_device("where", cond, a_in);
  check_same_device("where", a_in, b_in);
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a_in.shape(), "where"), b_in.shape(), "where");
  checked_numel(shape, "where");
  const DType dtype = promote(a_in.dtype(), b_in.dtype());
  const Tensor a = expand(cast(a_in, dtype), shape), b = expand(cast(b_in, dtype), shape);
  Tensor out = Tensor::empty(shape, dtype, a.device(), "where");
  TL_DISPATCH(out.device(), where, expand(cond, shape), a, b, out);
  return out;
}

}  // namespace tl::ops

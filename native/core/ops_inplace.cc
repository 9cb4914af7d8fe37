// In-place writes: assignment into a view, accumulate, fill. They wait for pending
// asynchronous reads of the storage so `await t.data()` always sees the values it asked for.
#include <cmath>

#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

void check_shape(const char* op, const char* arg, const Tensor& t, const Shape& expected) {
  if (t.shape() != expected)
    range_error(op, ": expected ", arg, " of shape ", shape_str(expected), ", got ", shape_str(t.shape()));
}

void check_writable(const char* op, const char* arg, const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.stride(d) == 0 && t.size(d) > 1)
      range_error(op, ": ", arg, " is a broadcast (expanded) view; its elements share memory and cannot be written");
}

namespace {

// A source that shares storage with the destination is copied first, so overlapping
// ranges (assigning x[1:] = x[:-1]) read the original values.
Tensor detached_source(const Tensor& dst, const Tensor& src) {
  return src.storage() == dst.storage() ? clone(src) : src;
}

}  // namespace

void assign(const Tensor& dst, const Tensor& src_in) {
  check_same_device("assign", dst, src_in);
  check_writable("assign", "the destination", dst);
  const Tensor src = expand(cast(detached_source(dst, src_in), dst.dtype()), dst.shape());
  dst.storage()->wait_for_readers();
  TL_DISPATCH(dst.device(), copy, src, dst);
}

void binary_inplace(BinaryOp op, const Tensor& dst, const Tensor& src_in) {
  const char* name = binary_name(op);
  check_same_device(name, dst, src_in);
  check_writable(name, "the destination", dst);
  const DType result = is_comparison(op)       ? DType::Int32
                       : !binary_keeps_int(op) ? DType::Float32
                                               : promote(dst.dtype(), src_in.dtype());
  if (result != dst.dtype())
    type_error(name, ": the in-place result would not be ", dtype_name(dst.dtype()), " (the destination's dtype)");
  broadcast_shapes(dst.shape(), src_in.shape(), name);
  const Tensor src = expand(cast(detached_source(dst, src_in), dst.dtype()), dst.shape());
  dst.storage()->wait_for_readers();
  TL_DISPATCH(dst.device(), binary, op, dst, src, dst);
}

void fill_inplace(const Tensor& dst, double value) {
  check_writable("fill", "the destination", dst);
  if (dst.dtype() == DType::Int32 && (!(value == std::floor(value)) || value < -2147483648.0 || value > 2147483647.0))
    range_error("fill: value ", value, " is not an int32");
  dst.storage()->wait_for_readers();
  TL_DISPATCH(dst.device(), fill, dst, value);
}

}  // namespace tl::ops

// Math entry points: elementwise, reductions, softmax, matmul. Op families take the op's
// name ("exp", "add", "sum") so one entry serves each family.
#include <string>
#include <unordered_map>

#include "../core/error.h"
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

template <typename Op>
Op parse_op(const std::string& name, const char* family, int count, const char* (*name_of)(Op)) {
  for (int i = 0; i < count; ++i)
    if (name == name_of(Op(i))) return Op(i);
  type_error(family, ": unknown op '", name, "'");
}

UnaryOp unary_op(const Args& a) {
  return parse_op<UnaryOp>(a.string(0, "op"), "unary", kUnaryOpCount, unary_name);
}
BinaryOp binary_op(const Args& a) {
  return parse_op<BinaryOp>(a.string(0, "op"), "binary", kBinaryOpCount, binary_name);
}

// unary(op, x, p0?, p1?)
Napi::Value unary(const Napi::CallbackInfo& info) {
  Args a(info, "unary");
  const UnaryOp op = unary_op(a);
  Args named(info, op == UnaryOp::GeluTanh ? "gelu" : unary_name(op));
  const Tensor& x = named.tensor(1, "x");
  const double p0 = named.missing(2) ? 0.0 : named.number(2, "parameter");
  const double p1 = named.missing(3) ? 0.0 : named.number(3, "parameter");
  return wrap_tensor(info.Env(), ops::unary(op, x, p0, p1));
}

// binary(op, a, b)
Napi::Value binary(const Napi::CallbackInfo& info) {
  Args a(info, "binary");
  const BinaryOp op = binary_op(a);
  Args named(info, binary_name(op));
  return wrap_tensor(info.Env(), ops::binary(op, named.tensor(1, "a"), named.tensor(2, "b")));
}

// binaryScalar(op, a, scalar, scalarFirst)
Napi::Value binary_scalar(const Napi::CallbackInfo& info) {
  Args a(info, "binary");
  const BinaryOp op = binary_op(a);
  Args named(info, binary_name(op));
  const Tensor& x = named.tensor(1, "a");
  return wrap_tensor(info.Env(), ops::binary_scalar(op, x, named.number(2, "b"), named.boolean(3, "scalarFirst", false)));
}

// clamp(x, min | null, max | null)
Napi::Value clamp(const Napi::CallbackInfo& info) {
  Args a(info, "clamp");
  const Tensor& x = a.tensor(0, "x");
  return wrap_tensor(info.Env(), ops::clamp(x, a.opt_number(1, "min"), a.opt_number(2, "max")));
}

Napi::Value where(const Napi::CallbackInfo& info) {
  Args a(info, "where");
  return wrap_tensor(info.Env(), ops::where(a.tensor(0, "condition"), a.tensor(1, "a"), a.tensor(2, "b")));
}

// reduce(op, x, dims?, keepDim?)
Napi::Value reduce(const Napi::CallbackInfo& info) {
  Args a(info, "reduce");
  const ReduceOp op = parse_op<ReduceOp>(a.string(0, "op"), "reduce", kReduceOpCount, reduce_name);
  Args named(info, reduce_name(op));
  const Tensor& x = named.tensor(1, "x");
  return wrap_tensor(info.Env(), ops::reduce(op, x, named.dims(2, "dim"), named.boolean(3, "keepDim", false)));
}

// argReduce('argmax' | 'argmin', x, dim?, keepDim?)
Napi::Value arg_reduce(const Napi::CallbackInfo& info) {
  Args a(info, "argReduce");
  const std::string which = a.string(0, "op");
  if (which != "argmax" && which != "argmin") type_error("argReduce: unknown op '", which, "'");
  Args named(info, which == "argmax" ? "argmax" : "argmin");
  const Tensor& x = named.tensor(1, "x");
  return wrap_tensor(info.Env(), ops::arg_reduce(which == "argmax", x, named.opt_integer(2, "dim"),
                                                 named.boolean(3, "keepDim", false)));
}

// softmax(x, dim, log?)
Napi::Value softmax(const Napi::CallbackInfo& info) {
  const bool log = Args(info, "softmax").boolean(2, "log", false);
  Args a(info, log ? "logSoftmax" : "softmax");
  const Tensor& x = a.tensor(0, "x");
  return wrap_tensor(info.Env(), ops::softmax(x, a.integer(1, "dim"), log));
}

Napi::Value matmul(const Napi::CallbackInfo& info) {
  Args a(info, "matmul");
  return wrap_tensor(info.Env(), ops::matmul(a.tensor(0, "a"), a.tensor(1, "b")));
}

// linear(x, weight, bias?, activation?: 'relu' | 'sigmoid' | 'tanh')
Napi::Value linear(const Napi::CallbackInfo& info) {
  Args a(info, "linear");
  std::optional<UnaryOp> act;
  if (!a.missing(3)) act = parse_op<UnaryOp>(a.string(3, "activation"), "linear", kUnaryOpCount, unary_name);
  return wrap_tensor(info.Env(), ops::linear(a.tensor(0, "input"), a.tensor(1, "weight"), a.opt_tensor(2, "bias"), act));
}

}  // namespace

void register_math(Napi::Env env, Napi::Object exports) {
  export_fn<unary>(env, exports, "unary");
  export_fn<binary>(env, exports, "binary");
  export_fn<binary_scalar>(env, exports, "binaryScalar");
  export_fn<clamp>(env, exports, "clamp");
  export_fn<where>(env, exports, "where");
  export_fn<reduce>(env, exports, "reduce");
  export_fn<arg_reduce>(env, exports, "argReduce");
  export_fn<softmax>(env, exports, "softmax");
  export_fn<matmul>(env, exports, "matmul");
  export_fn<linear>(env, exports, "linear");
}

}  // namespace tl::binding

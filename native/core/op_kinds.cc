#include "op_kinds.h"

namespace tl {

const char* unary_name(UnaryOp op) {
  static const char* const names[] = {"neg", "abs", "square", "sign", "relu", "clamp", "exp", "log",
                                      "sqrt", "rsqrt", "reciprocal", "sigmoid", "tanh", "gelu", "geluTanh",
                                      "silu", "softplus", "leakyRelu", "elu", "erf", "log1p", "expm1",
                                      "sin", "cos", "floor", "ceil", "round", "pow", "isNaN"};
  return names[int(op)];
}

const char* binary_name(BinaryOp op) {
  static const char* const names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq",
                                      "ne", "lt", "le", "gt", "ge", "atan2", "bceWithLogits"};
  return names[int(op)];
}

const char* activation_grad_name(ActivationGrad op) {
  static const char* const names[] = {"relu", "leakyRelu", "sigmoid", "tanh", "gelu", "geluTanh",
                                      "silu", "softplus", "elu", "clamp"};
  return names[int(op)];
}

const char* reduce_name(ReduceOp op) {
  static const char* const names[] = {"sum", "mean", "max", "min", "prod"};
  return names[int(op)];
}

}  // namespace tl

// The op families' members, shared by the dispatcher and by every device's kernels.
#pragma once
#include <cstdint>

namespace tl {

// Elementwise functions of one tensor. p0/p1 carry parameters (slope, exponent, bounds).
enum class UnaryOp : uint8_t {
  Neg, Abs, Square, Sign, Relu, Clamp,                     // int32 and float32
  Exp, Log, Sqrt, Rsqrt, Reciprocal, Sigmoid, Tanh, Gelu,  // float32 only (int32 inputs are cast)
  GeluTanh, Silu, Softplus, LeakyRelu, Elu, Erf, Log1p, Expm1, Sin, Cos, Floor, Ceil, Round,
  PowScalar, IsNan,
};

// Elementwise functions of two broadcast tensors. The *Grad members are backward kernels:
// (grad_out, saved) -> grad_in.
enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,  // arithmetic
  Eq, Ne, Lt, Le, Gt, Ge,                     // comparisons, int32 0/1 results
  Atan2,
  BceWithLogits,  // (logits, targets) -> max(x, 0) - x * y + log(1 + exp(-|x|)), stable everywhere
};

enum class ReduceOp : uint8_t { Sum, Mean, Max, Min, Prod };

// Backward kernels of the activations: grad_in = grad_out * f'(saved), where saved is the
// forward input x or (marked y) the forward output.
enum class ActivationGrad : uint8_t { Relu, LeakyRelu, Sigmoid /* y */, Tanh /* y */, Gelu, GeluTanh, Silu, Softplus, Elu, Clamp };


const char* unary_name(UnaryOp op);
const char* binary_name(BinaryOp op);
const char* reduce_name(ReduceOp op);
const char* activation_grad_name(ActivationGrad op);

// Member counts, for name lookups (keep them next to the enums they count).
constexpr int kUnaryOpCount = int(UnaryOp::IsNan) + 1;
constexpr int kBinaryOpCount = int(BinaryOp::BceWithLogits) + 1;
constexpr int kReduceOpCount = int(ReduceOp::Prod) + 1;
constexpr int kActivationGradCount = int(ActivationGrad::Clamp) + 1;

inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::Ge; }
// Unary ops that keep int32 inputs as int32; the others compute in float32.
inline bool unary_keeps_int(UnaryOp op) { return op <= UnaryOp::Clamp; }
inline bool binary_keeps_int(BinaryOp op) {
  return op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul || op == BinaryOp::Maximum ||
         op == BinaryOp::Minimum || is_comparison(op);
}

}  // namespace tl

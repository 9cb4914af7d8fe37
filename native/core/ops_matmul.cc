// matmul with NumPy/PyTorch semantics: 1-D operands are promoted to matrices and the added
// dim removed again; leading dims broadcast as batch dims. Everything reduces to one bmm.
#include "../cpu/matmul.h"
#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_device("matmul", a, b);
  if (a.dtype() != DType::Float32 || b.dtype() != DType::Float32)
    type_error("matmul: expected float32 tensors, got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
               " (convert with .float())");
  if (a.dim() == 0 || b.dim() == 0)
    range_error("matmul: both operands need at least 1 dim, got shapes ", shape_str(a.shape()), " and ",
                shape_str(b.shape()));
  const Tensor a2 = a.dim() == 1 ? unsqueeze(a, 0) : a;
  const Tensor b2 = b.dim() == 1 ? unsqueeze(b, 1) : b;
  const int64_t m = a2.size(-2 + a2.dim()), k = a2.size(a2.dim() - 1);
  const int64_t k2 = b2.size(b2.dim() - 2), n = b2.size(b2.dim() - 1);
  if (k != k2)
    range_error("matmul: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
                " are not aligned (", k, " columns vs ", k2, " rows)");
  const Shape a_batch(a2.shape().begin(), a2.shape().end() - 2);
  const Shape b_batch(b2.shape().begin(), b2.shape().end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch, "matmul");
  const int64_t nbatch = checked_numel(batch, "matmul");
  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  // Broadcast batch dims become stride 0 and stay free when they can be merged into one.
  const Tensor a3 = reshape(expand(a2, a_full), {nbatch, m, k});
  const Tensor b3 = reshape(expand(b2, b_full), {nbatch, k, n});
  Shape out_shape = batch;
  out_shape.insert(out_shape.end(), {m, n});
  checked_numel(out_shape, "matmul");
  Tensor out = Tensor::empty({nbatch, m, n}, DType::Float32, a.device(), "matmul");
  TL_DISPATCH(a.device(), bmm, a3, b3, out);
  // Drop the dims that 1-D operands gained.
  if (a.dim() == 1) out_shape.erase(out_shape.end() - 2);
  if (b.dim() == 1) out_shape.erase(out_shape.end() - 1);
  return out.as_strided(out_shape, contiguous_strides(out_shape), 0);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, std::optional<UnaryOp> act) {
  if (act && *act != UnaryOp::Relu && *act != UnaryOp::Sigmoid && *act != UnaryOp::Tanh)
    type_error("linear: the fused activation must be relu, sigmoid or tanh, got ", unary_name(*act));
  check_same_device("linear", x, weight);
  check_dtype("linear", "input", x, DType::Float32);
  check_dtype("linear", "weight", weight, DType::Float32);
  if (weight.dim() != 2) range_error("linear: expected weight of shape [out, in], got ", shape_str(weight.shape()));
  if (x.dim() == 0 || x.size(x.dim() - 1) != weight.size(1))
    range_error("linear: input of shape ", shape_str(x.shape()), " does not end in the weight's ", weight.size(1),
                " input features");
  Tensor b;
  if (bias.defined()) {
    check_same_device("linear", x, bias);
    check_dtype("linear", "bias", bias, DType::Float32);
    check_shape("linear", "bias", bias, {weight.size(0)});
    b = contiguous(bias);
  }
  const int64_t in = weight.size(1), out_f = weight.size(0);
  const int64_t rows = in == 0 ? numel(Shape(x.shape().begin(), x.shape().end() - 1)) : x.numel() / in;
  const Tensor x2 = reshape(x, {rows, in});
  Shape out_shape = x.shape();
  out_shape.back() = out_f;
  Tensor out = Tensor::empty({rows, out_f}, DType::Float32, x.device(), "linear");
  TL_DISPATCH(x.device(), linear, x2, weight, b, act.has_value(), act.value_or(UnaryOp::Relu), out);
  return out.as_strided(out_shape, contiguous_strides(out_shape), 0);
}

}  // namespace tl::ops

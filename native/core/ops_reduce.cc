// Reductions, arg-reductions and softmax.
#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

Shape kept_shape(const Shape& s, const std::vector<bool>& mask, bool keep_dim) {
  Shape out;
  for (size_t d = 0; d < s.size(); ++d) {
    if (!mask[d]) out.push_back(s[d]);
    else if (keep_dim) out.push_back(1);
  }
  return out;
}

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& x_in, const std::vector<int64_t>& dims, bool keep_dim) {
  const char* name = reduce_name(op);
  const std::vector<bool> mask = reduction_mask(dims, x_in.dim(), name);
  const Tensor& x = x_in;
  const Shape keep = kept_shape(x.shape(), mask, true);
  if ((op == ReduceOp::Max || op == ReduceOp::Min) && x.numel() == 0 && numel(keep) > 0)
    range_error(name, ": cannot reduce over an empty dim of a tensor of shape ", shape_str(x.shape()),
                " (there is no identity for ", name, ")");
  // The mean of int32 values is a float32 (accumulated exactly in int64 first).
  const DType out_dtype = op == ReduceOp::Mean ? DType::Float32 : x.dtype();
  Tensor out = Tensor::empty(keep, out_dtype, x.device(), name);
  TL_DISPATCH(x.device(), reduce, op, x, mask, out);
  if (keep_dim) return out;
  const Shape dropped = kept_shape(x.shape(), mask, false);
  return out.as_strided(dropped, contiguous_strides(dropped), 0);
}

Tensor arg_reduce(bool is_max, const Tensor& x_in, std::optional<int64_t> dim, bool keep_dim) {
  const char* name = is_max ? "argmax" : "argmin";
  if (x_in.numel() == 0) range_error(name, ": cannot take the ", name, " of an empty tensor of shape ", shape_str(x_in.shape()));
  if (!dim) {
    const Tensor flat = reshape(contiguous(x_in), {x_in.numel()});
    Tensor out = Tensor::empty({1}, DType::Int32, x_in.device(), name);
    TL_DISPATCH(x_in.device(), arg_reduce, is_max, flat, 0, out);
    return out.as_strided({}, {}, 0);
  }
  const Tensor x = contiguous(x_in);
  const int64_t d = normalize_dim(*dim, x.dim(), name);
  if (x.dim() == 0) return full({}, 0, DType::Int32, x.device());
  Shape keep = x.shape();
  keep[size_t(d)] = 1;
  Tensor out = Tensor::empty(keep, DType::Int32, x.device(), name);
  TL_DISPATCH(x.device(), arg_reduce, is_max, x, d, out);
  if (keep_dim) return out;
  keep.erase(keep.begin() + d);
  return out.as_strided(keep, contiguous_strides(keep), 0);
}

Tensor softmax(const Tensor& x_in, int64_t dim, bool log) {
  const char* name = log ? "logSoftmax" : "softmax";
  const int64_t d = normalize_dim(dim, x_in.dim(), name);
  const Tensor x = contiguous(cast(x_in, DType::Float32));
  Tensor out = Tensor::empty(x.shape(), DType::Float32, x.device(), name);
  if (x.dim() == 0) {
    TL_DISPATCH(x.device(), fill, out, log ? 0.0 : 1.0);
    return out;
  }
  TL_DISPATCH(x.device(), softmax, x, d, log, out);
  return out;
}

}  // namespace tl::ops

// Batch and layer normalization around the fused kernels.
#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

// An optional per-feature tensor: undefined, or float32 of `n` elements on x's device.
Tensor optional_param(const char* op, const char* arg, const Tensor& t, const Tensor& x, int64_t n) {
  if (!t.defined()) return t;
  check_same_device(op, x, t);
  check_dtype(op, arg, t, DType::Float32);
  if (t.numel() != n) range_error(op, ": expected ", arg, " with ", n, " elements, got shape ", shape_str(t.shape()));
  return contiguous(t);
}

void check_inplace_stat(const char* op, const char* arg, const Tensor& t) {
  if (t.defined() && !t.is_contiguous()) range_error(op, ": ", arg, " must be contiguous (it is updated in place)");
}

struct BatchNormLayout {
  int64_t n, c, s;
};

BatchNormLayout batch_norm_layout(const char* op, const Tensor& x) {
  check_dtype(op, "input", x, DType::Float32);
  if (x.dim() < 2) range_error(op, ": expected input of shape [batch, channels, ...], got ", shape_str(x.shape()));
  int64_t s = 1;
  for (int64_t d = 2; d < x.dim(); ++d) s *= x.size(d);
  return {x.size(0), x.size(1), s};
}

struct LayerNormLayout {
  int64_t rows, d;
};

LayerNormLayout layer_norm_layout(const char* op, const Tensor& x, int64_t k) {
  check_dtype(op, "input", x, DType::Float32);
  if (k < 1 || k > x.dim())
    range_error(op, ": cannot normalize over the last ", k, " dims of a tensor of shape ", shape_str(x.shape()));
  int64_t d = 1;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) d *= x.size(i);
  return {d == 0 ? 0 : x.numel() / d, d};
}

}  // namespace

NormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                      const Tensor& running_var, bool training, double momentum, double eps) {
  const char* op = "batchNorm";
  const BatchNormLayout l = batch_norm_layout(op, x);
  if (!(eps > 0)) range_error(op, ": eps must be > 0, got ", eps);
  if (!(momentum >= 0 && momentum <= 1)) range_error(op, ": momentum must be in [0, 1], got ", momentum);
  const Tensor w = optional_param(op, "weight", weight, x, l.c), b = optional_param(op, "bias", bias, x, l.c);
  const Tensor rm = optional_param(op, "runningMean", running_mean, x, l.c);
  const Tensor rv = optional_param(op, "runningVar", running_var, x, l.c);
  check_inplace_stat(op, "runningMean", running_mean);
  check_inplace_stat(op, "runningVar", running_var);
  // Without running statistics there is nothing to evaluate with: use the batch's, as PyTorch does.
  const bool use_batch = training || !rm.defined() || !rv.defined();
  if (training && l.n * l.s <= 1)
    range_error(op, ": training needs more than one value per channel, got input shape ", shape_str(x.shape()));
  if (training) {
    if (rm.defined()) rm.storage()->wait_for_readers();
    if (rv.defined()) rv.storage()->wait_for_readers();
  }
  NormResult r{Tensor::empty(x.shape(), DType::Float32, x.device(), op),
               Tensor::empty({l.c}, DType::Float32, x.device(), op), Tensor::empty({l.c}, DType::Float32, x.device(), op)};
  // Training updates the running statistics in place; evaluation normalizes with them.
  TL_DISPATCH(x.device(), batch_norm, contiguous(x), l.n, l.c, l.s, w, b, rm, rv, use_batch, momentum, eps, r.out,
              r.mean, r.rstd);
  return r;
}

NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Tensor& mean,
                              const Tensor& rstd, bool training) {
  const char* op = "batchNormBackward";
  const BatchNormLayout l = batch_norm_layout(op, x);
  check_shape(op, "grad", grad_out, x.shape());
  const Tensor w = optional_param(op, "weight", weight, x, l.c);
  const Tensor m = optional_param(op, "mean", mean, x, l.c), r = optional_param(op, "rstd", rstd, x, l.c);
  if (!m.defined() || !r.defined()) range_error(op, ": the saved mean and rstd are required");
  NormGrads g{Tensor::empty(x.shape(), DType::Float32, x.device(), op), Tensor::empty({l.c}, DType::Float32, x.device(), op),
              Tensor::empty({l.c}, DType::Float32, x.device(), op)};
  TL_DISPATCH(x.device(), batch_norm_backward, contiguous(cast(grad_out, DType::Float32)), contiguous(x), l.n, l.c, l.s,
              w, m, r, training, g.grad_x, g.grad_weight, g.grad_bias);
  return g;
}

NormResult layer_norm(const Tensor& x, int64_t normalized_dims, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "layerNorm";
  const LayerNormLayout l = layer_norm_layout(op, x, normalized_dims);
  if (!(eps > 0)) range_error(op, ": eps must be > 0, got ", eps);
  const Tensor w = optional_param(op, "weight", weight, x, l.d), b = optional_param(op, "bias", bias, x, l.d);
  NormResult r{Tensor::empty(x.shape(), DType::Float32, x.device(), op),
               Tensor::empty({l.rows}, DType::Float32, x.device(), op),
               Tensor::empty({l.rows}, DType::Float32, x.device(), op)};
  if (x.numel() > 0) TL_DISPATCH(x.device(), layer_norm, contiguous(x), l.rows, l.d, w, b, eps, r.out, r.mean, r.rstd);
  return r;
}

NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t normalized_dims, const Tensor& weight,
                              const Tensor& mean, const Tensor& rstd) {
  const char* op = "layerNormBackward";
  const LayerNormLayout l = layer_norm_layout(op, x, normalized_dims);
  check_shape(op, "grad", grad_out, x.shape());
  const Tensor w = optional_param(op, "weight", weight, x, l.d);
  check_shape(op, "mean", mean, {l.rows});
  check_shape(op, "rstd", rstd, {l.rows});
  NormGrads g{Tensor::empty(x.shape(), DType::Float32, x.device(), op), Tensor::empty({l.d}, DType::Float32, x.device(), op),
              Tensor::empty({l.d}, DType::Float32, x.device(), op)};
  if (x.numel() == 0) {
    fill_inplace(g.grad_weight, 0.0);
    fill_inplace(g.grad_bias, 0.0);
    return g;
  }
  TL_DISPATCH(x.device(), layer_norm_backward, contiguous(cast(grad_out, DType::Float32)), contiguous(x), l.rows, l.d, w,
              contiguous(mean), contiguous(rstd), g.grad_x, g.grad_weight, g.grad_bias);
  return g;
}

}  // namespace tl::ops

// Neural-network ops without weights of their own: activation gradients, softmax backward,
// scatter/index adds (the adjoints of gather/indexSelect), dropout and cross-entropy.
#include "context.h"
#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

Tensor float_contiguous(const char* op, const char* arg, const Tensor& t) {
  check_dtype(op, arg, t, DType::Float32);
  return contiguous(t);
}

}  // namespace

Tensor activation_grad(ActivationGrad op, const Tensor& grad, const Tensor& saved, double p0, double p1) {
  const char* name = activation_grad_name(op);
  check_same_device(name, grad, saved);
  check_dtype(name, "grad", grad, DType::Float32);
  check_dtype(name, "saved", saved, DType::Float32);
  const Shape shape = broadcast_shapes(grad.shape(), saved.shape(), name);
  Tensor out = Tensor::empty(shape, DType::Float32, grad.device(), name);
  TL_DISPATCH(out.device(), activation_grad, op, expand(grad, shape), expand(saved, shape), out, p0, p1);
  return out;
}

Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log) {
  const char* name = log ? "logSoftmaxBackward" : "softmaxBackward";
  check_same_device(name, grad, y);
  check_shape(name, "grad", grad, y.shape());
  const int64_t d = normalize_dim(dim, y.dim(), name);
  const Tensor g = float_contiguous(name, "grad", grad), yc = float_contiguous(name, "output", y);
  Tensor out = Tensor::empty(y.shape(), DType::Float32, y.device(), name);
  if (y.dim() == 0) {
    TL_DISPATCH(out.device(), fill, out, 0.0);
    return out;
  }
  TL_DISPATCH(out.device(), softmax_backward, g, yc, d, log, out);
  return out;
}

Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  check_same_device("scatterAdd", index, src);
  check_dtype("scatterAdd", "src", src, DType::Float32);
  check_shape("scatterAdd", "index", index, src.shape());
  const int64_t d = normalize_dim(dim, int64_t(shape.size()), "scatterAdd");
  if (src.dim() != int64_t(shape.size()))
    range_error("scatterAdd: src has ", src.dim(), " dims, the output ", shape.size());
  for (int64_t k = 0; k < src.dim(); ++k)
    if (k != d && src.size(k) > shape[size_t(k)])
      range_error("scatterAdd: src shape ", shape_str(src.shape()), " exceeds output shape ", shape_str(shape));
  // A 0-d target has no kernel to check its indices: that rare case checks them here.
  if (shape.empty()) check_index_range("scatterAdd", index, 1);
  else check_indices("scatterAdd", index, shape[size_t(d)]);
  Tensor out = full(shape, 0.0, DType::Float32, src.device());
  if (shape.empty()) {
    TL_DISPATCH(out.device(), copy, reduce(ReduceOp::Sum, src, {}, false), out);
    return out;
  }
  TL_DISPATCH(out.device(), scatter_add, out, d, index, src);
  return out;
}

Tensor index_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  check_same_device("indexAdd", index, src);
  if (shape.empty()) range_error("indexAdd: the output needs at least one dim");
  const int64_t d = normalize_dim(dim, int64_t(shape.size()), "indexAdd");
  if (index.dim() > 1) range_error("indexAdd: index must be 0-D or 1-D, got shape ", shape_str(index.shape()));
  Shape expected = shape;
  expected[size_t(d)] = index.numel();
  check_shape("indexAdd", "src", src, expected);
  check_indices("indexAdd", index, shape[size_t(d)]);
  Tensor out = full(shape, 0.0, DType::Float32, src.device());
  TL_DISPATCH(out.device(), index_add, out, d, contiguous(index), float_contiguous("indexAdd", "src", src));
  return out;
}

DropoutResult dropout(const Tensor& x, double p) {
  if (!(p >= 0.0 && p <= 1.0)) range_error("dropout: p must be in [0, 1], got ", p);
  const Tensor xc = float_contiguous("dropout", "x", x);
  Tensor out = Tensor::empty(x.shape(), DType::Float32, x.device(), "dropout");
  RngState& rng = current_context().rng();
  const uint64_t seed = rng.seed, offset = rng.offset;
  rng.offset += TL_DISPATCH(out.device(), dropout, xc, out, float(p), seed, offset);
  return {out, seed, offset};
}

Tensor dropout_backward(const Tensor& grad, double p, uint64_t seed, uint64_t offset) {
  if (!(p >= 0.0 && p <= 1.0)) range_error("dropoutBackward: p must be in [0, 1], got ", p);
  const Tensor g = float_contiguous("dropoutBackward", "grad", grad);
  Tensor out = Tensor::empty(g.shape(), DType::Float32, g.device(), "dropoutBackward");
  TL_DISPATCH(out.device(), dropout, g, out, float(p), seed, offset);  // the same mask, redrawn
  return out;
}

namespace {

void check_cross_entropy_args(const char* op, const Tensor& logits, const Tensor& labels, int64_t ignore_index,
                              double smoothing) {
  check_same_device(op, logits, labels);
  check_dtype(op, "logits", logits, DType::Float32);
  check_dtype(op, "labels", labels, DType::Int32);
  if (logits.dim() != 2) range_error(op, ": expected logits of shape [batch, classes], got ", shape_str(logits.shape()));
  if (labels.dim() != 1 || labels.size(0) != logits.size(0))
    range_error(op, ": expected labels of shape [", logits.size(0), "], got ", shape_str(labels.shape()));
  if (!(smoothing >= 0.0 && smoothing <= 1.0)) range_error(op, ": labelSmoothing must be in [0, 1], got ", smoothing);
  // On the GPU the kernels check the labels themselves (reported at the next synchronization).
  if (labels.numel() == 0 || labels.device() != Device::CPU) return;
  // Every label that is not ignore_index must name a class.
  const Tensor ignored = binary_scalar(BinaryOp::Eq, labels, double(ignore_index), false);
  const Tensor checked = where(ignored, full({}, 0, DType::Int32, labels.device()), labels);
  int32_t lo = 0, hi = 0;
  read_into(reduce(ReduceOp::Min, checked, {}, false), &lo);
  read_into(reduce(ReduceOp::Max, checked, {}, false), &hi);
  if (lo < 0 || hi >= logits.size(1))
    range_error(op, ": label ", lo < 0 ? lo : hi, " is out of range for ", logits.size(1), " classes (expected 0..",
                logits.size(1) - 1, " or ignoreIndex ", ignore_index, ")");
}

}  // namespace

CrossEntropyResult cross_entropy(const Tensor& logits, const Tensor& labels, int64_t ignore_index, double smoothing) {
  check_cross_entropy_args("crossEntropy", logits, labels, ignore_index, smoothing);
  if (logits.size(1) == 0 && logits.size(0) > 0) range_error("crossEntropy: logits have no classes");
  const Tensor x = contiguous(logits), y = contiguous(labels);
  CrossEntropyResult r{Tensor::empty({x.size(0)}, DType::Float32, x.device(), "crossEntropy"),
                       Tensor::empty({x.size(0)}, DType::Float32, x.device(), "crossEntropy")};
  if (x.size(0) > 0) TL_DISPATCH(x.device(), cross_entropy, x, y, ignore_index, smoothing, r.loss, r.lse);
  return r;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, const Tensor& grad_loss,
                              int64_t ignore_index, double smoothing) {
  check_cross_entropy_args("crossEntropyBackward", logits, labels, ignore_index, smoothing);
  check_shape("crossEntropyBackward", "lse", lse, {logits.size(0)});
  const Tensor g = contiguous(expand(cast(grad_loss, DType::Float32), {logits.size(0)}));
  Tensor out = Tensor::empty(logits.shape(), DType::Float32, logits.device(), "crossEntropyBackward");
  if (logits.size(0) > 0)
    TL_DISPATCH(out.device(), cross_entropy_backward, contiguous(logits), contiguous(labels), contiguous(lse), g,
                ignore_index, smoothing, out);
  return out;
}

}  // namespace tl::ops

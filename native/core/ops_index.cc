// Joining (cat, stack) and indexing (gather, index_select).
#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

int32_t scalar_i32(const Tensor& t) {
  int32_t v = 0;
  read_into(t, &v);
  return v;
}

}  // namespace

// Indices are checked before any kernel runs: a bad index is a RangeError, never a wild read.
void check_index_range(const char* op, const Tensor& index, int64_t size, int64_t lowest) {
  check_dtype(op, "index", index, DType::Int32);
  if (index.numel() == 0) return;
  const int32_t lo = scalar_i32(reduce(ReduceOp::Min, index, {}, false));
  const int32_t hi = scalar_i32(reduce(ReduceOp::Max, index, {}, false));
  if (lo < lowest || hi >= size)
    range_error(op, ": index ", lo < lowest ? lo : hi, " is out of range for a dim of size ", size, " (expected ",
                lowest, "..", size - 1, ")");
}

void check_indices(const char* op, const Tensor& index, int64_t size, int64_t lowest) {
  check_dtype(op, "index", index, DType::Int32);
  if (index.device() == Device::CPU) check_index_range(op, index, size, lowest);
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) range_error("cat: expected a non-empty list of tensors");
  // Like PyTorch, 1-D empty tensors are skipped whatever the other shapes are.
  std::vector<const Tensor*> parts;
  for (const Tensor& t : xs)
    if (!(t.dim() == 1 && t.numel() == 0)) parts.push_back(&t);
  if (parts.empty()) {  // only 1-D empty tensors: a new empty tensor of the promoted dtype
    DType dtype = xs[0].dtype();
    for (const Tensor& t : xs) {
      check_same_device("cat", xs[0], t);
      dtype = promote(dtype, t.dtype());
    }
    return Tensor::empty({0}, dtype, xs[0].device(), "cat");
  }
  const Tensor& first = *parts[0];
  if (first.dim() == 0) range_error("cat: zero-dim tensors cannot be concatenated");
  const int64_t d = normalize_dim(dim, first.dim(), "cat");
  DType dtype = first.dtype();
  Shape shape = first.shape();
  shape[size_t(d)] = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& t = *parts[i];
    check_same_device("cat", first, t);
    dtype = promote(dtype, t.dtype());
    bool ok = t.dim() == first.dim();
    for (int64_t k = 0; ok && k < t.dim(); ++k) ok = k == d || t.size(k) == first.size(k);
    if (!ok)
      range_error("cat: tensor ", i, " has shape ", shape_str(t.shape()), " but tensor 0 has ", shape_str(first.shape()),
                  "; all sizes except dim ", d, " must match");
    shape[size_t(d)] += t.size(d);
  }
  Tensor out = Tensor::empty(shape, dtype, first.device(), "cat");
  int64_t at = 0;
  for (const Tensor* t : parts) {
    const int64_t n = t->size(d);
    TL_DISPATCH(out.device(), copy, *t, slice(out, d, at, at + n, 1));
    at += n;
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) range_error("stack: expected a non-empty list of tensors");
  if (xs[0].dim() + 1 > kMaxDims) range_error("stack: the result would have more than ", kMaxDims, " dims");
  const int64_t d = normalize_dim(dim, xs[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].shape() != xs[0].shape())
      range_error("stack: tensor ", i, " has shape ", shape_str(xs[i].shape()), " but tensor 0 has ",
                  shape_str(xs[0].shape()), "; all must be equal");
    parts.push_back(unsqueeze(xs[i], d));
  }
  return cat(parts, d);
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_same_device("gather", x, index);
  check_dtype("gather", "index", index, DType::Int32);
  const int64_t d = normalize_dim(dim, x.dim(), "gather");
  if (index.dim() != x.dim() && !(x.dim() == 0 && index.dim() <= 1))
    range_error("gather: index has ", index.dim(), " dims but the input has ", x.dim(), " (shapes ",
                shape_str(index.shape()), " and ", shape_str(x.shape()), ")");
  if (x.dim() == 0) {
    check_index_range("gather", index, 1);
    return clone(expand(x, index.shape()));
  }
  for (int64_t k = 0; k < x.dim(); ++k)
    if (k != d && index.size(k) > x.size(k))
      range_error("gather: index shape ", shape_str(index.shape()), " is larger than input shape ",
                  shape_str(x.shape()), " at dim ", k);
  check_indices("gather", index, x.size(d));
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device(), "gather");
  TL_DISPATCH(x.device(), gather, x, d, index, out);
  return out;
}

Tensor index_select(const Tensor& x_in, int64_t dim, const Tensor& index_in) {
  check_same_device("indexSelect", x_in, index_in);
  if (index_in.dim() > 1) range_error("indexSelect: index must be 0-D or 1-D, got shape ", shape_str(index_in.shape()));
  if (x_in.dim() == 0) range_error("indexSelect: cannot index a 0-dim tensor");
  const int64_t d = normalize_dim(dim, x_in.dim(), "indexSelect");
  check_indices("indexSelect", index_in, x_in.size(d));
  const Tensor x = contiguous(x_in), index = contiguous(index_in);
  Shape shape = x.shape();
  shape[size_t(d)] = index.numel();
  Tensor out = Tensor::empty(shape, x.dtype(), x.device(), "indexSelect");
  TL_DISPATCH(x.device(), index_select, x, d, index, out);
  return out;
}

}  // namespace tl::ops

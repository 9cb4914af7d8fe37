// embed_concat: numeric features and one embedding per categorical column, concatenated, in
// one call. A tabular network's input layer otherwise costs three ops per column (slice,
// lookup, reshape) plus a cat, which dominate a one-row prediction.
#include "../cpu/embed.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

// Indices are checked before any row is copied: a bad one is a RangeError, never a wild read.
void check_embed_indices(const char* op, const Tensor& categorical, const std::vector<Tensor>& tables) {
  const int32_t* idx = categorical.data<int32_t>();
  const int64_t n = categorical.size(0);
  for (int64_t i = 0; i < n; ++i)
    for (size_t j = 0; j < tables.size(); ++j) {
      const int32_t v = idx[i * categorical.stride(0) + int64_t(j) * categorical.stride(1)];
      if (v < 0 || v >= tables[j].size(0))
        range_error(op, ": row ", i, " column ", j, " has index ", v, ", out of range for a table of ", tables[j].size(0), " rows");
    }
}

Tensor embed_concat(const Tensor& numeric, const Tensor& categorical, const std::vector<Tensor>& tables) {
  const char* op = "embedConcat";
  check_dtype(op, "numeric", numeric, DType::Float32);
  check_dtype(op, "categorical", categorical, DType::Int32);
  if (numeric.dim() != 2) range_error(op, ": numeric must be [n, features], got ", shape_str(numeric.shape()));
  if (categorical.dim() != 2) range_error(op, ": categorical must be [n, columns], got ", shape_str(categorical.shape()));
  const int64_t n = numeric.size(0);
  if (categorical.size(0) != n)
    range_error(op, ": numeric has ", n, " rows but categorical has ", categorical.size(0));
  if (categorical.size(1) != int64_t(tables.size()))
    range_error(op, ": categorical has ", categorical.size(1), " columns but ", tables.size(), " tables were given");
  check_same_device(op, numeric, categorical);
  int64_t width = numeric.size(1);
  std::vector<Tensor> packed;
  for (size_t j = 0; j < tables.size(); ++j) {
    const Tensor& t = tables[j];
    check_same_device(op, numeric, t);
    check_dtype(op, "table", t, DType::Float32);
    if (t.dim() != 2) range_error(op, ": table ", j, " must be [rows, dim], got ", shape_str(t.shape()));
    width += t.size(1);
    packed.push_back(t.is_contiguous() ? t : contiguous(t));
  }
  if (numeric.device() != Device::CPU) {
    // The GPU composes the same result from its own kernels (their index checks included).
    std::vector<Tensor> parts{numeric};
    for (size_t j = 0; j < packed.size(); ++j) {
      const Tensor col = contiguous(categorical.as_strided({n}, {categorical.stride(0)}, categorical.offset() + int64_t(j) * categorical.stride(1)));
      parts.push_back(index_select(packed[j], 0, col));
    }
    return cat(parts, 1);
  }
  check_embed_indices(op, categorical, packed);
  Tensor out = Tensor::empty({n, width}, DType::Float32, Device::CPU, op);
  cpu::embed_concat(numeric, categorical, packed, out);
  return out;
}

}  // namespace tl::ops

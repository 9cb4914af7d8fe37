#include "shape.h"

#include <sstream>

#include "error.h"

namespace tl {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << ']';
  return os.str();
}

int64_t checked_numel(const Shape& s, const char* op) {
  if (s.size() > size_t(kMaxDims))
    range_error(op, ": shape ", shape_str(s), " has ", s.size(), " dims, at most ", kMaxDims, " are supported");
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) range_error(op, ": shape ", shape_str(s), " has a negative size");
    if (d != 0 && n > kMaxElements / d)
      range_error(op, ": shape ", shape_str(s), " has more than 2^46 elements");
    n *= d;
  }
  return n;
}

Strides contiguous_strides(const Shape& s) {
  Strides st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i] > 0 ? s[i] : 1;
  }
  return st;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      range_error(op, ": shapes ", shape_str(a), " and ", shape_str(b),
                  " cannot be broadcast together (dim ", int64_t(i) - int64_t(n), ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

DimSplit split_at(const Shape& s, int64_t dim) {
  DimSplit r;
  for (int64_t d = 0; d < int64_t(s.size()); ++d) {
    if (d < dim) r.outer *= s[size_t(d)];
    else if (d == dim) r.len = s[size_t(d)];
    else r.inner *= s[size_t(d)];
  }
  return r;
}

int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi)
    range_error(op, ": dim ", dim, " is out of range for a tensor with ", ndim, " dims (expected ", lo, "..", hi, ")");
  return dim < 0 ? dim + (ndim == 0 ? 1 : ndim) : dim;
}

std::vector<bool> reduction_mask(const std::vector<int64_t>& dims, int64_t ndim, const char* op) {
  std::vector<bool> mask(size_t(ndim), dims.empty());
  for (int64_t d : dims) {
    if (ndim == 0) {  // a scalar reduces over "dim 0 or -1", like PyTorch
      normalize_dim(d, 0, op);
      continue;
    }
    const int64_t k = normalize_dim(d, ndim, op);
    if (mask[size_t(k)]) range_error(op, ": dim ", d, " appears more than once");
    mask[size_t(k)] = true;
  }
  return mask;
}

}  // namespace tl

// View ops: new geometry over the same storage. reshape copies only when the strides
// cannot express the new shape (PyTorch's rule), and contiguous() copies only when needed.
#include <algorithm>

#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

// Strides that let `shape` view x's memory, or nothing when a copy is required
// (the chunk-matching algorithm of PyTorch's computeStride).
std::optional<Strides> view_strides(const Tensor& x, const Shape& shape) {
  Shape old_shape = x.shape();
  Strides old_strides = x.strides();
  if (old_shape.empty()) {
    old_shape = {1};
    old_strides = {1};
  }
  Strides out(shape.size());
  if (x.numel() == 0) return contiguous_strides(shape);
  int64_t view_d = int64_t(shape.size()) - 1;
  int64_t chunk_base = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = int64_t(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[size_t(d)];
    if (d == 0 || (old_shape[size_t(d - 1)] != 1 && old_strides[size_t(d - 1)] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[size_t(view_d)] == 1)) {
        out[size_t(view_d)] = view_numel * chunk_base;
        view_numel *= shape[size_t(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base = old_strides[size_t(d - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

}  // namespace

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  const int64_t a = normalize_dim(d0, x.dim(), "transpose"), b = normalize_dim(d1, x.dim(), "transpose");
  if (x.dim() == 0) return x;
  Shape s = x.shape();
  Strides st = x.strides();
  std::swap(s[size_t(a)], s[size_t(b)]);
  std::swap(st[size_t(a)], st[size_t(b)]);
  return x.as_strided(s, st, x.offset());
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  if (int64_t(dims.size()) != x.dim())
    range_error("permute: got ", dims.size(), " dims for a tensor of shape ", shape_str(x.shape()), " (", x.dim(),
                " dims)");
  std::vector<bool> seen(dims.size(), false);
  Shape s(dims.size());
  Strides st(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = normalize_dim(dims[i], x.dim(), "permute");
    if (seen[size_t(d)]) range_error("permute: dim ", dims[i], " appears more than once");
    seen[size_t(d)] = true;
    s[i] = x.size(d);
    st[i] = x.stride(d);
  }
  return x.as_strided(s, st, x.offset());
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (x.dim() == 0) range_error("slice: cannot slice a 0-dim tensor");
  const int64_t d = normalize_dim(dim, x.dim(), "slice");
  if (step <= 0) range_error("slice: step must be positive, got ", step);
  const int64_t n = x.size(d);
  // Python slice semantics: negative bounds count from the end, then clamp to [0, n].
  auto clampi = [n](int64_t v) { return std::min(std::max(v < 0 ? v + n : v, int64_t(0)), n); };
  const int64_t lo = clampi(start), hi = std::max(clampi(end), lo);
  Shape s = x.shape();
  Strides st = x.strides();
  s[size_t(d)] = (hi - lo + step - 1) / step;
  const int64_t offset = x.offset() + (s[size_t(d)] > 0 ? lo * st[size_t(d)] : 0);
  st[size_t(d)] *= step;
  return x.as_strided(s, st, offset);
}

Tensor reshape(const Tensor& x, const std::vector<int64_t>& requested) {
  Shape shape = requested;
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) range_error("reshape: only one dim can be -1, got ", shape_str(requested));
      infer = int64_t(i);
    } else if (shape[i] < 0) {
      range_error("reshape: invalid size ", shape[i], " in ", shape_str(requested));
    } else {
      if (shape[i] != 0 && known > kMaxElements / shape[i])
        range_error("reshape: shape ", shape_str(requested), " has more than 2^46 elements");
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      range_error("reshape: cannot reshape a tensor of shape ", shape_str(x.shape()), " into ", shape_str(requested));
    shape[size_t(infer)] = x.numel() / known;
  }
  if (checked_numel(shape, "reshape") != x.numel())
    range_error("reshape: cannot reshape a tensor of shape ", shape_str(x.shape()), " (", x.numel(),
                " elements) into ", shape_str(requested));
  if (auto st = view_strides(x, shape)) return x.as_strided(shape, *st, x.offset());
  const Tensor c = contiguous(x);
  return c.as_strided(shape, contiguous_strides(shape), c.offset());
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (shape.size() < size_t(x.dim()))
    range_error("expand: target shape ", shape_str(shape), " has fewer dims than the tensor's ", shape_str(x.shape()));
  const size_t lead = shape.size() - size_t(x.dim());
  Shape s(shape.size());
  Strides st(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t want = shape[i];
    if (i < lead) {
      if (want < 0) range_error("expand: size -1 is not allowed for a new leading dim in ", shape_str(shape));
      s[i] = want;
      st[i] = 0;
      continue;
    }
    const int64_t have = x.size(int64_t(i - lead));
    if (want == -1 || want == have) {
      s[i] = have;
      st[i] = x.stride(int64_t(i - lead));
    } else if (have == 1 && want >= 0) {
      s[i] = want;
      st[i] = 0;
    } else {
      range_error("expand: cannot expand shape ", shape_str(x.shape()), " to ", shape_str(shape), " (dim ", i, ": ",
                  have, " vs ", want, ")");
    }
  }
  checked_numel(s, "expand");
  return x.as_strided(s, st, x.offset());
}

Tensor squeeze(const Tensor& x, const std::optional<std::vector<int64_t>>& dims) {
  std::vector<bool> drop(size_t(x.dim()), false);
  if (dims) {
    for (int64_t d : *dims) {
      if (x.dim() == 0) {
        normalize_dim(d, 0, "squeeze");
        continue;
      }
      const int64_t k = normalize_dim(d, x.dim(), "squeeze");
      drop[size_t(k)] = x.size(k) == 1;  // like PyTorch, a dim that is not 1 is left alone
    }
  } else {
    for (int64_t d = 0; d < x.dim(); ++d) drop[size_t(d)] = x.size(d) == 1;
  }
  Shape s;
  Strides st;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!drop[size_t(d)]) {
      s.push_back(x.size(d));
      st.push_back(x.stride(d));
    }
  return x.as_strided(s, st, x.offset());
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const int64_t d = normalize_dim(dim, x.dim() + 1, "unsqueeze");
  if (x.dim() + 1 > kMaxDims) range_error("unsqueeze: at most ", kMaxDims, " dims are supported");
  Shape s = x.shape();
  Strides st = x.strides();
  const int64_t stride = d < x.dim() ? x.stride(d) * x.size(d) : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return x.as_strided(s, st, x.offset());
}

Tensor flatten(const Tensor& x, int64_t start, int64_t end) {
  if (x.dim() == 0) return reshape(x, {1});
  const int64_t a = normalize_dim(start, x.dim(), "flatten"), b = normalize_dim(end, x.dim(), "flatten");
  if (a > b) range_error("flatten: start dim ", start, " comes after end dim ", end);
  std::vector<int64_t> s;
  for (int64_t d = 0; d < a; ++d) s.push_back(x.size(d));
  int64_t merged = 1;
  for (int64_t d = a; d <= b; ++d) merged *= x.size(d);
  s.push_back(merged);
  for (int64_t d = b + 1; d < x.dim(); ++d) s.push_back(x.size(d));
  return reshape(x, s);
}

namespace {
Tensor copy_named(const Tensor& x, const char* op) {
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device(), op);
  TL_DISPATCH(out.device(), copy, x, out);
  return out;
}
}  // namespace

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : copy_named(x, "contiguous"); }

Tensor clone(const Tensor& x) { return copy_named(x, "clone"); }

Tensor cast(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = Tensor::empty(x.shape(), dtype, x.device(), "cast");
  TL_DISPATCH(out.device(), copy, x, out);
  return out;
}

Tensor to_device(const Tensor& x, Device device) {
  if (x.device() == device) return x;
#ifdef TL_WITH_CUDA
  return device == Device::CUDA ? cuda::to_device(x) : cuda::to_host(x);
#else
  type_error("to: device '", device_name(device), "' is not available: this build of tensorlift has no CUDA backend");
#endif
}

}  // namespace tl::ops

// Convolution and pooling: geometry checks (PyTorch's output-size rules) around the kernels.
#include <cmath>

#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

int64_t out_size(const char* op, int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil, bool ceil_mode) {
  const int64_t span = dil * (k - 1) + 1;
  const int64_t room = in + 2 * pad - span;
  if (room < 0)
    range_error(op, ": the input (", in, " with padding ", pad, ") is smaller than the kernel's reach (", span, ")");
  int64_t n = (ceil_mode ? (room + stride - 1) / stride : room / stride) + 1;
  // With ceil_mode the last window must start inside the input or its left padding.
  if (ceil_mode && (n - 1) * stride >= in + pad) --n;
  return n;
}

void check_positive(const char* op, const char* what, const int64_t v[2], int64_t min) {
  for (int i = 0; i < 2; ++i)
    if (v[i] < min) range_error(op, ": ", what, " must be >= ", min, ", got ", v[i]);
}

void check_4d(const char* op, const char* arg, const Tensor& t) {
  check_dtype(op, arg, t, DType::Float32);
  if (t.dim() != 4) range_error(op, ": expected ", arg, " of shape [batch, channels, height, width], got ", shape_str(t.shape()));
}

cpu::Conv2dGeometry conv_geometry(const char* op, const Shape& x, const Shape& w, const Conv2dParams& p) {
  check_positive(op, "stride", p.stride, 1);
  check_positive(op, "dilation", p.dilation, 1);
  check_positive(op, "padding", p.padding, 0);
  if (p.groups < 1) range_error(op, ": groups must be >= 1, got ", p.groups);
  if (w.size() != 4) range_error(op, ": expected weight of shape [out, in / groups, kh, kw], got ", shape_str(w));
  if (x[1] % p.groups != 0 || w[0] % p.groups != 0)
    range_error(op, ": groups (", p.groups, ") must divide both input channels (", x[1], ") and output channels (", w[0], ")");
  if (w[1] * p.groups != x[1])
    range_error(op, ": weight ", shape_str(w), " expects ", w[1] * p.groups, " input channels, the input ", shape_str(x),
                " has ", x[1]);
  cpu::Conv2dGeometry g{};
  g.n = x[0], g.c_in = x[1], g.h = x[2], g.w = x[3];
  g.c_out = w[0], g.kh = w[2], g.kw = w[3];
  g.stride_h = p.stride[0], g.stride_w = p.stride[1], g.pad_h = p.padding[0], g.pad_w = p.padding[1];
  g.dil_h = p.dilation[0], g.dil_w = p.dilation[1], g.groups = p.groups;
  g.h_out = out_size(op, g.h, g.kh, g.stride_h, g.pad_h, g.dil_h, false);
  g.w_out = out_size(op, g.w, g.kw, g.stride_w, g.pad_w, g.dil_w, false);
  return g;
}

cpu::Pool2dGeometry pool_geometry(const char* op, const Shape& x, const Pool2dParams& p) {
  check_positive(op, "kernel size", p.kernel, 1);
  check_positive(op, "stride", p.stride, 1);
  check_positive(op, "dilation", p.dilation, 1);
  check_positive(op, "padding", p.padding, 0);
  for (int i = 0; i < 2; ++i)
    if (p.padding[i] * 2 > p.kernel[i])
      range_error(op, ": padding (", p.padding[i], ") must be at most half the kernel size (", p.kernel[i], ")");
  cpu::Pool2dGeometry g{};
  g.planes = x[0] * x[1], g.h = x[2], g.w = x[3];
  g.kh = p.kernel[0], g.kw = p.kernel[1], g.stride_h = p.stride[0], g.stride_w = p.stride[1];
  g.pad_h = p.padding[0], g.pad_w = p.padding[1], g.dil_h = p.dilation[0], g.dil_w = p.dilation[1];
  g.count_include_pad = p.count_include_pad;
  g.h_out = out_size(op, g.h, g.kh, g.stride_h, g.pad_h, g.dil_h, p.ceil_mode);
  g.w_out = out_size(op, g.w, g.kw, g.stride_w, g.pad_w, g.dil_w, p.ceil_mode);
  return g;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  check_4d("conv2d", "input", x);
  check_same_device("conv2d", x, weight);
  check_dtype("conv2d", "weight", weight, DType::Float32);
  const cpu::Conv2dGeometry g = conv_geometry("conv2d", x.shape(), weight.shape(), p);
  Tensor b;
  if (bias.defined()) {
    check_same_device("conv2d", x, bias);
    check_shape("conv2d", "bias", bias, {g.c_out});
    b = contiguous(cast(bias, DType::Float32));
  }
  Tensor out = Tensor::empty({g.n, g.c_out, g.h_out, g.w_out}, DType::Float32, x.device(), "conv2d");
  if (out.numel() == 0) return out;
  if (g.c_in == 0 || x.numel() == 0) {
    assign(out, b.defined() ? reshape(b, {g.c_out, 1, 1}) : full({}, 0.0, DType::Float32, x.device()));
    return out;
  }
  TL_DISPATCH(x.device(), conv2d, g, contiguous(x), contiguous(weight), b, out);
  return out;
}

Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& x_shape, const Conv2dParams& p) {
  check_4d("conv2dBackwardInput", "grad", grad_out);
  check_4d("conv2dBackwardInput", "weight", weight);
  check_same_device("conv2dBackwardInput", grad_out, weight);
  if (x_shape.size() != 4) range_error("conv2dBackwardInput: the input shape must have 4 dims");
  const cpu::Conv2dGeometry g = conv_geometry("conv2dBackwardInput", x_shape, weight.shape(), p);
  check_shape("conv2dBackwardInput", "grad", grad_out, {g.n, g.c_out, g.h_out, g.w_out});
  // The kernels write every element (no zero-fill of 4-byte-per-input gradients per step).
  if (grad_out.numel() == 0) return full(x_shape, 0.0, DType::Float32, grad_out.device());
  Tensor out = Tensor::empty(x_shape, DType::Float32, grad_out.device(), "conv2dBackwardInput");
  if (out.numel() == 0) return out;
  TL_DISPATCH(out.device(), conv2d_backward_input, g, contiguous(grad_out), contiguous(weight), out);
  return out;
}

Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& w_shape, const Conv2dParams& p) {
  check_4d("conv2dBackwardWeight", "input", x);
  check_4d("conv2dBackwardWeight", "grad", grad_out);
  check_same_device("conv2dBackwardWeight", grad_out, x);
  const cpu::Conv2dGeometry g = conv_geometry("conv2dBackwardWeight", x.shape(), w_shape, p);
  check_shape("conv2dBackwardWeight", "grad", grad_out, {g.n, g.c_out, g.h_out, g.w_out});
  if (grad_out.numel() == 0) return full(w_shape, 0.0, DType::Float32, x.device());
  Tensor out = Tensor::empty(w_shape, DType::Float32, x.device(), "conv2dBackwardWeight");
  if (out.numel() == 0) return out;
  TL_DISPATCH(out.device(), conv2d_backward_weight, g, contiguous(grad_out), contiguous(x), out);
  return out;
}

MaxPoolResult max_pool2d(const Tensor& x, const Pool2dParams& p) {
  check_4d("maxPool2d", "input", x);
  const cpu::Pool2dGeometry g = pool_geometry("maxPool2d", x.shape(), p);
  const Shape shape{x.size(0), x.size(1), g.h_out, g.w_out};
  MaxPoolResult r{Tensor::empty(shape, DType::Float32, x.device(), "maxPool2d"),
                  Tensor::empty(shape, DType::Int32, x.device(), "maxPool2d")};
  if (r.out.numel() > 0) TL_DISPATCH(x.device(), max_pool2d, g, contiguous(x), r.out, r.indices);
  return r;
}

Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& x_shape, const Pool2dParams& p) {
  check_4d("maxPool2dBackward", "grad", grad_out);
  if (x_shape.size() != 4) range_error("maxPool2dBackward: the input shape must have 4 dims");
  const cpu::Pool2dGeometry g = pool_geometry("maxPool2dBackward", x_shape, p);
  check_shape("maxPool2dBackward", "grad", grad_out, {x_shape[0], x_shape[1], g.h_out, g.w_out});
  check_shape("maxPool2dBackward", "indices", indices, grad_out.shape());
  check_same_device("maxPool2dBackward", grad_out, indices);
  // -1 marks a window with no tap inside the input (all padding): its gradient goes nowhere.
  check_indices("maxPool2dBackward", indices, g.h * g.w, -1);
  Tensor out = Tensor::empty(x_shape, DType::Float32, grad_out.device(), "maxPool2dBackward");
  if (out.numel() > 0) TL_DISPATCH(out.device(), max_pool2d_backward, g, contiguous(grad_out), contiguous(indices), out);
  return out;
}

Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p) {
  check_4d("avgPool2d", "input", x);
  const cpu::Pool2dGeometry g = pool_geometry("avgPool2d", x.shape(), p);
  Tensor out = Tensor::empty({x.size(0), x.size(1), g.h_out, g.w_out}, DType::Float32, x.device(), "avgPool2d");
  if (out.numel() > 0) TL_DISPATCH(x.device(), avg_pool2d, g, contiguous(x), out);
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& x_shape, const Pool2dParams& p) {
  check_4d("avgPool2dBackward", "grad", grad_out);
  if (x_shape.size() != 4) range_error("avgPool2dBackward: the input shape must have 4 dims");
  const cpu::Pool2dGeometry g = pool_geometry("avgPool2dBackward", x_shape, p);
  check_shape("avgPool2dBackward", "grad", grad_out, {x_shape[0], x_shape[1], g.h_out, g.w_out});
  Tensor out = Tensor::empty(x_shape, DType::Float32, grad_out.device(), "avgPool2dBackward");
  if (out.numel() > 0) TL_DISPATCH(out.device(), avg_pool2d_backward, g, contiguous(grad_out), out);
  return out;
}

}  // namespace tl::ops

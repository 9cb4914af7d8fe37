// Entry points of convolution and pooling.
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

// Convolution options arrive as (stride, padding, dilation, groups) after the tensors.
ops::Conv2dParams conv_params(const Args& a, size_t at) {
  ops::Conv2dParams p{};
  a.pair(at, "stride", p.stride);
  a.pair(at + 1, "padding", p.padding);
  a.pair(at + 2, "dilation", p.dilation);
  p.groups = a.integer(at + 3, "groups");
  return p;
}

// Pooling options: (kernel, stride, padding, dilation, ceilMode, countIncludePad).
ops::Pool2dParams pool_params(const Args& a, size_t at) {
  ops::Pool2dParams p{};
  a.pair(at, "kernel", p.kernel);
  a.pair(at + 1, "stride", p.stride);
  a.pair(at + 2, "padding", p.padding);
  a.pair(at + 3, "dilation", p.dilation);
  p.ceil_mode = a.boolean(at + 4, "ceilMode", false);
  p.count_include_pad = a.boolean(at + 5, "countIncludePad", true);
  return p;
}

// conv2d(x, weight, bias?, stride, padding, dilation, groups)
Napi::Value conv2d(const Napi::CallbackInfo& info) {
  Args a(info, "conv2d");
  const Tensor &x = a.tensor(0, "input"), &w = a.tensor(1, "weight");
  const Tensor b = a.opt_tensor(2, "bias");
  return wrap_tensor(info.Env(), ops::conv2d(x, w, b, conv_params(a, 3)));
}

// conv2dBackwardInput(grad, weight, inputShape, stride, padding, dilation, groups)
Napi::Value conv2d_backward_input(const Napi::CallbackInfo& info) {
  Args a(info, "conv2dBackwardInput");
  const Tensor &g = a.tensor(0, "grad"), &w = a.tensor(1, "weight");
  const Shape shape = a.shape(2, "inputShape");
  return wrap_tensor(info.Env(), ops::conv2d_backward_input(g, w, shape, conv_params(a, 3)));
}

// conv2dBackwardWeight(grad, x, weightShape, stride, padding, dilation, groups)
Napi::Value conv2d_backward_weight(const Napi::CallbackInfo& info) {
  Args a(info, "conv2dBackwardWeight");
  const Tensor &g = a.tensor(0, "grad"), &x = a.tensor(1, "input");
  const Shape shape = a.shape(2, "weightShape");
  return wrap_tensor(info.Env(), ops::conv2d_backward_weight(g, x, shape, conv_params(a, 3)));
}

// maxPool2d(x, kernel, stride, padding, dilation, ceilMode) -> { out, indices }
Napi::Value max_pool2d(const Napi::CallbackInfo& info) {
  Args a(info, "maxPool2d");
  const Tensor& x = a.tensor(0, "input");
  const ops::MaxPoolResult r = ops::max_pool2d(x, pool_params(a, 1));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("out", wrap_tensor(info.Env(), r.out));
  o.Set("indices", wrap_tensor(info.Env(), r.indices));
  return o;
}

// maxPool2dBackward(grad, indices, inputShape, kernel, stride, padding, dilation, ceilMode)
Napi::Value max_pool2d_backward(const Napi::CallbackInfo& info) {
  Args a(info, "maxPool2dBackward");
  const Tensor &g = a.tensor(0, "grad"), &idx = a.tensor(1, "indices");
  const Shape shape = a.shape(2, "inputShape");
  return wrap_tensor(info.Env(), ops::max_pool2d_backward(g, idx, shape, pool_params(a, 3)));
}

// avgPool2d(x, kernel, stride, padding, 1, ceilMode, countIncludePad)
Napi::Value avg_pool2d(const Napi::CallbackInfo& info) {
  Args a(info, "avgPool2d");
  const Tensor& x = a.tensor(0, "input");
  return wrap_tensor(info.Env(), ops::avg_pool2d(x, pool_params(a, 1)));
}

// avgPool2dBackward(grad, inputShape, kernel, stride, padding, 1, ceilMode, countIncludePad)
Napi::Value avg_pool2d_backward(const Napi::CallbackInfo& info) {
  Args a(info, "avgPool2dBackward");
  const Tensor& g = a.tensor(0, "grad");
  const Shape shape = a.shape(1, "inputShape");
  return wrap_tensor(info.Env(), ops::avg_pool2d_backward(g, shape, pool_params(a, 2)));
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  export_fn<conv2d>(env, exports, "conv2d");
  export_fn<conv2d_backward_input>(env, exports, "conv2dBackwardInput");
  export_fn<conv2d_backward_weight>(env, exports, "conv2dBackwardWeight");
  export_fn<max_pool2d>(env, exports, "maxPool2d");
  export_fn<max_pool2d_backward>(env, exports, "maxPool2dBackward");
  export_fn<avg_pool2d>(env, exports, "avgPool2d");
  export_fn<avg_pool2d_backward>(env, exports, "avgPool2dBackward");
}

}  // namespace tl::binding

// View and layout entry points.
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

Napi::Value transpose(const Napi::CallbackInfo& info) {
  Args a(info, "transpose");
  return wrap_tensor(info.Env(), ops::transpose(a.tensor(0, "x"), a.integer(1, "dim0"), a.integer(2, "dim1")));
}

Napi::Value permute(const Napi::CallbackInfo& info) {
  Args a(info, "permute");
  return wrap_tensor(info.Env(), ops::permute(a.tensor(0, "x"), a.int_list(1, "dims")));
}

// slice(x, dim, start, end, step?): end may be null for "to the end"
Napi::Value slice(const Napi::CallbackInfo& info) {
  Args a(info, "slice");
  const Tensor& x = a.tensor(0, "x");
  const int64_t end = a.missing(3) ? INT64_MAX : a.integer(3, "end");
  return wrap_tensor(info.Env(), ops::slice(x, a.integer(1, "dim"), a.missing(2) ? 0 : a.integer(2, "start"), end,
                                            a.missing(4) ? 1 : a.integer(4, "step")));
}

Napi::Value reshape(const Napi::CallbackInfo& info) {
  Args a(info, "reshape");
  return wrap_tensor(info.Env(), ops::reshape(a.tensor(0, "x"), a.int_list(1, "shape")));
}

Napi::Value expand(const Napi::CallbackInfo& info) {
  Args a(info, "expand");
  return wrap_tensor(info.Env(), ops::expand(a.tensor(0, "x"), a.int_list(1, "shape")));
}

// squeeze(x, dims?)
Napi::Value squeeze(const Napi::CallbackInfo& info) {
  Args a(info, "squeeze");
  const Tensor& x = a.tensor(0, "x");
  std::optional<std::vector<int64_t>> dims;
  if (!a.missing(1)) dims = a.dims(1, "dim");
  return wrap_tensor(info.Env(), ops::squeeze(x, dims));
}

Napi::Value unsqueeze(const Napi::CallbackInfo& info) {
  Args a(info, "unsqueeze");
  return wrap_tensor(info.Env(), ops::unsqueeze(a.tensor(0, "x"), a.integer(1, "dim")));
}

// flatten(x, startDim?, endDim?)
Napi::Value flatten(const Napi::CallbackInfo& info) {
  Args a(info, "flatten");
  const Tensor& x = a.tensor(0, "x");
  return wrap_tensor(info.Env(), ops::flatten(x, a.missing(1) ? 0 : a.integer(1, "startDim"),
                                              a.missing(2) ? -1 : a.integer(2, "endDim")));
}

Napi::Value contiguous(const Napi::CallbackInfo& info) {
  Args a(info, "contiguous");
  return wrap_tensor(info.Env(), ops::contiguous(a.tensor(0, "x")));
}

Napi::Value clone(const Napi::CallbackInfo& info) {
  Args a(info, "clone");
  return wrap_tensor(info.Env(), ops::clone(a.tensor(0, "x")));
}

Napi::Value cast(const Napi::CallbackInfo& info) {
  Args a(info, "cast");
  const Tensor& x = a.tensor(0, "x");
  if (a.missing(1)) a.string(1, "dtype");  // a missing dtype is a TypeError, not a silent no-op
  return wrap_tensor(info.Env(), ops::cast(x, a.dtype(1, "dtype", DType::Float32)));
}

Napi::Value to_device(const Napi::CallbackInfo& info) {
  Args a(info, "to");
  const Tensor& x = a.tensor(0, "x");
  if (a.missing(1)) a.string(1, "device");
  return wrap_tensor(info.Env(), ops::to_device(x, a.device(1, "device", Device::CPU)));
}

}  // namespace

void register_views(Napi::Env env, Napi::Object exports) {
  export_fn<transpose>(env, exports, "transpose");
  export_fn<permute>(env, exports, "permute");
  export_fn<slice>(env, exports, "slice");
  export_fn<reshape>(env, exports, "reshape");
  export_fn<expand>(env, exports, "expand");
  export_fn<squeeze>(env, exports, "squeeze");
  export_fn<unsqueeze>(env, exports, "unsqueeze");
  export_fn<flatten>(env, exports, "flatten");
  export_fn<contiguous>(env, exports, "contiguous");
  export_fn<clone>(env, exports, "clone");
  export_fn<cast>(env, exports, "cast");
  export_fn<to_device>(env, exports, "to");
}

}  // namespace tl::binding

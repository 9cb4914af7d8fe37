// Joining and indexing entry points.
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

Napi::Value cat(const Napi::CallbackInfo& info) {
  Args a(info, "cat");
  const auto xs = a.tensor_list(0, "tensors");
  return wrap_tensor(info.Env(), ops::cat(xs, a.missing(1) ? 0 : a.integer(1, "dim")));
}

Napi::Value stack(const Napi::CallbackInfo& info) {
  Args a(info, "stack");
  const auto xs = a.tensor_list(0, "tensors");
  return wrap_tensor(info.Env(), ops::stack(xs, a.missing(1) ? 0 : a.integer(1, "dim")));
}

Napi::Value gather(const Napi::CallbackInfo& info) {
  Args a(info, "gather");
  const Tensor& x = a.tensor(0, "x");
  const int64_t dim = a.integer(1, "dim");
  return wrap_tensor(info.Env(), ops::gather(x, dim, a.tensor(2, "index")));
}

Napi::Value index_select(const Napi::CallbackInfo& info) {
  Args a(info, "indexSelect");
  const Tensor& x = a.tensor(0, "x");
  const int64_t dim = a.integer(1, "dim");
  return wrap_tensor(info.Env(), ops::index_select(x, dim, a.tensor(2, "index")));
}

}  // namespace

void register_index(Napi::Env env, Napi::Object exports) {
  export_fn<cat>(env, exports, "cat");
  export_fn<stack>(env, exports, "stack");
  export_fn<gather>(env, exports, "gather");
  export_fn<index_select>(env, exports, "indexSelect");
}

}  // namespace tl::binding

// embedConcat(numeric, categorical, tables[]): a tabular network's input row in one call
// (core/ops_embed.cc).
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

Napi::Value embed_concat(const Napi::CallbackInfo& info) {
  Args a(info, "embedConcat");
  return wrap_tensor(info.Env(), ops::embed_concat(a.tensor(0, "numeric"), a.tensor(1, "categorical"), a.tensor_list(2, "tables")));
}

}  // namespace

void register_embed(Napi::Env env, Napi::Object exports) { export_fn<embed_concat>(env, exports, "embedConcat"); }

}  // namespace tl::binding

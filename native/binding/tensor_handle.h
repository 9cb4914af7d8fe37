// The JS handle of a core Tensor: an object of class NativeTensor with a TensorBox attached
// by napi_wrap. dispose() detaches the box (napi_remove_wrap) and deletes it at once, so a
// disposed handle holds nothing native: no tensor, no N-API reference, no finalizer. Only
// handles dropped without dispose() wait for the garbage collector's finalizer.
//
// Written against the raw N-API rather than Napi::ObjectWrap: ObjectWrap keeps its reference
// and C++ object until finalization (about 200 bytes a tensor that V8 frees late, since the
// JS heap barely grows), and it can throw C++ exceptions from destructors during
// environment teardown, which aborts the process.
#pragma once
#include <napi.h>

#include <memory>

#include "../core/tensor.h"
#include "addon_data.h"

namespace tl::binding {

struct TensorBox {
  Tensor tensor;
  std::shared_ptr<HandleStats> stats;  // outlives the instance data during teardown
};

// The NativeTensor class (exported for instanceof checks and the hostile-input tests).
Napi::Function define_tensor_class(Napi::Env env);

// A new JS handle owning t.
Napi::Object wrap_tensor(Napi::Env env, Tensor t);
// The tensor behind a JS value, or a TypeError (not a tensor) / Error (disposed) naming op and arg.
const Tensor& unwrap_tensor(const Napi::Value& v, const char* op, const char* arg);

}  // namespace tl::binding

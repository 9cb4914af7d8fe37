// Reading tensors back into JS typed arrays: t.dataSync() and `await t.data()`.
#pragma once
#include <napi.h>

#include "../core/tensor.h"

namespace tl::binding {

// A new Float32Array/Int32Array with t's values (row-major), or, when `into` is a typed array
// of t's dtype and size, `into` filled with them.
Napi::Value read_sync(Napi::Env env, const Tensor& t, Napi::Value into);
// The same as a promise; large CPU reads and every CUDA read are copied on a worker thread.
Napi::Value read_async(Napi::Env env, const Tensor& t, Napi::Value into);

}  // namespace tl::binding

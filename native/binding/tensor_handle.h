// NativeTensor: the JS object that owns a reference to a core Tensor. JS frees it with
// dispose(); if it is dropped without dispose, the GC finalizer releases it instead.
#pragma once
#include <napi.h>

#include <memory>

#include "../core/tensor.h"
#include "addon_data.h"

namespace tl::binding {

class NativeTensor : public Napi::ObjectWrap<NativeTensor> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit NativeTensor(const Napi::CallbackInfo& info);
  ~NativeTensor() override;

  const Tensor& tensor() const { return tensor_; }
  bool disposed() const { return !tensor_.defined(); }
  void adopt(Tensor t);

 private:
  Napi::Value shape(const Napi::CallbackInfo& info);
  Napi::Value strides(const Napi::CallbackInfo& info);
  Napi::Value dtype(const Napi::CallbackInfo& info);
  Napi::Value device(const Napi::CallbackInfo& info);
  Napi::Value numel(const Napi::CallbackInfo& info);
  Napi::Value is_disposed(const Napi::CallbackInfo& info);
  Napi::Value is_contiguous(const Napi::CallbackInfo& info);
  Napi::Value shares_storage(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value data_sync(const Napi::CallbackInfo& info);
  Napi::Value data_async(const Napi::CallbackInfo& info);
  Napi::Value item(const Napi::CallbackInfo& info);
  const Tensor& live(const char* op) const;
  void release();

  Tensor tensor_;
  Napi::Env env_;
  std::shared_ptr<HandleStats> stats_;
};

// A new JS handle owning t.
Napi::Object wrap_tensor(Napi::Env env, Tensor t);
// The tensor behind a JS value, or a TypeError (not a tensor) / Error (disposed) naming op and arg.
const Tensor& unwrap_tensor(const Napi::Value& v, const char* op, const char* arg);

}  // namespace tl::binding

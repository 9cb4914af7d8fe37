#include "tensor_handle.h"

#include <cstring>

#include "../core/error.h"
#include "../core/ops.h"
#include "../cpu/elementwise.h"
#ifdef TL_WITH_CUDA
#include "../cuda/kernels.h"
#endif
#include "addon_data.h"
#include "guard.h"

namespace tl::binding {

namespace {

// Type tag (N-API 8): proves an object was made by this addon before we trust its pointer,
// so a forged object with our prototype cannot be unwrapped into a wild pointer.
const napi_type_tag kTensorTag = {0x7e6d2a1c4b3f4d11ull, 0x9a8b7c6d5e4f3a21ull};

// Reads below this size are copied on the JS thread: a thread hop costs more than the copy.
constexpr size_t kAsyncReadBytes = 256 * 1024;

Napi::Value typed_array_from(Napi::Env env, const Tensor& t, Napi::ArrayBuffer buf) {
  const size_t n = size_t(t.numel());
  if (t.dtype() == DType::Int32) return Napi::Int32Array::New(env, n, buf, 0);
  return Napi::Float32Array::New(env, n, buf, 0);
}

class ReadWorker : public Napi::AsyncWorker {
 public:
  ReadWorker(Napi::Env env, Tensor src, Napi::ArrayBuffer dst)
      : Napi::AsyncWorker(env, "tensorlift.read"), src_(std::move(src)), deferred_(Napi::Promise::Deferred::New(env)) {
    dst_ref_ = Napi::Persistent(dst);
    dst_ptr_ = dst.Data();
    src_.storage()->begin_read();
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    if (src_.is_contiguous()) {
      std::memcpy(dst_ptr_, src_.raw_data(), src_.nbytes());
    } else {
      // Strided views are packed here, off the JS thread (single-threaded: no pool here).
      cpu::copy_to_buffer(src_, dst_ptr_);
    }
  }
  void OnOK() override {
    src_.storage()->end_read();
    deferred_.Resolve(typed_array_from(Env(), src_, dst_ref_.Value()));
  }
  void OnError(const Napi::Error& e) override {
    src_.storage()->end_read();
    deferred_.Reject(e.Value());
  }

 private:
  Tensor src_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::ArrayBuffer> dst_ref_;
  void* dst_ptr_;
};

#ifdef TL_WITH_CUDA
// `await t.data()` of a GPU tensor: the copy is queued on the stream here; a worker thread
// waits for its event, so the event loop never blocks on the GPU.
class CudaReadWorker : public Napi::AsyncWorker {
 public:
  CudaReadWorker(Napi::Env env, const Tensor& src, Napi::ArrayBuffer dst)
      : Napi::AsyncWorker(env, "tensorlift.cudaRead"), dtype_(src.dtype()), n_(size_t(src.numel())),
        deferred_(Napi::Promise::Deferred::New(env)), read_(cuda::begin_read(src)) {
    dst_ref_ = Napi::Persistent(dst);
    dst_ptr_ = dst.Data();
  }
  ~CudaReadWorker() override { cuda::release_read(read_); }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      cuda::finish_read(read_, dst_ptr_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::ArrayBuffer buf = dst_ref_.Value();
    deferred_.Resolve(dtype_ == DType::Int32 ? Napi::Value(Napi::Int32Array::New(Env(), n_, buf, 0))
                                             : Napi::Value(Napi::Float32Array::New(Env(), n_, buf, 0)));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  DType dtype_;
  size_t n_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::ArrayBuffer> dst_ref_;
  void* dst_ptr_;
  cuda::PendingRead* read_;
};
#endif

}  // namespace

Napi::Function NativeTensor::define(Napi::Env env) {
  return DefineClass(env, "NativeTensor",
                     {
                         InstanceAccessor<&NativeTensor::shape>("shape"),
                         InstanceAccessor<&NativeTensor::strides>("strides"),
                         InstanceAccessor<&NativeTensor::dtype>("dtype"),
                         InstanceAccessor<&NativeTensor::device>("device"),
                         InstanceAccessor<&NativeTensor::numel>("size"),
                         InstanceAccessor<&NativeTensor::is_disposed>("isDisposed"),
                         InstanceMethod<&NativeTensor::is_contiguous>("isContiguous"),
                         InstanceMethod<&NativeTensor::shares_storage>("sharesStorage"),
                         InstanceMethod<&NativeTensor::dispose>("dispose"),
                         InstanceMethod<&NativeTensor::data_sync>("dataSync"),
                         InstanceMethod<&NativeTensor::data_async>("data"),
                         InstanceMethod<&NativeTensor::item>("item"),
                     });
}

NativeTensor::NativeTensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeTensor>(info), env_(info.Env()) {
  // Only wrap_tensor() makes usable handles; `new NativeTensor()` from JS gives an empty one.
}

NativeTensor::~NativeTensor() { release(); }

void NativeTensor::adopt(Tensor t) {
  tensor_ = std::move(t);
  stats_ = addon_data(env_).stats;
  stats_->live_handles += 1;
  sync_external_memory(env_, *stats_);
}

void NativeTensor::release() {
  if (!tensor_.defined()) return;
  tensor_ = Tensor();
  stats_->live_handles -= 1;
  sync_external_memory(env_, *stats_);
}

const Tensor& NativeTensor::live(const char* op) const {
  if (disposed()) state_error(op, ": the tensor was disposed (or never created); it cannot be used any more");
  return tensor_;
}

Napi::Value NativeTensor::shape(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const Tensor& t = live("shape");
    Napi::Array a = Napi::Array::New(info.Env(), t.shape().size());
    for (size_t i = 0; i < t.shape().size(); ++i) a.Set(uint32_t(i), Napi::Number::New(info.Env(), double(t.shape()[i])));
    return a;
  });
}

Napi::Value NativeTensor::strides(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const Tensor& t = live("strides");
    Napi::Array a = Napi::Array::New(info.Env(), t.strides().size());
    for (size_t i = 0; i < t.strides().size(); ++i)
      a.Set(uint32_t(i), Napi::Number::New(info.Env(), double(t.strides()[i])));
    return a;
  });
}

Napi::Value NativeTensor::dtype(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value { return Napi::String::New(info.Env(), dtype_name(live("dtype").dtype())); });
}

Napi::Value NativeTensor::device(const Napi::CallbackInfo& info) {
  return guard(info.Env(),
               [&]() -> Napi::Value { return Napi::String::New(info.Env(), device_name(live("device").device())); });
}

Napi::Value NativeTensor::numel(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value { return Napi::Number::New(info.Env(), double(live("size").numel())); });
}

Napi::Value NativeTensor::is_disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed()); }

Napi::Value NativeTensor::is_contiguous(const Napi::CallbackInfo& info) {
  return guard(info.Env(),
               [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), live("isContiguous").is_contiguous()); });
}

Napi::Value NativeTensor::shares_storage(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const Tensor& other = unwrap_tensor(info[0], "sharesStorage", "other");
    return Napi::Boolean::New(info.Env(), live("sharesStorage").storage() == other.storage());
  });
}

Napi::Value NativeTensor::dispose(const Napi::CallbackInfo& info) {
  release();  // disposing twice is allowed and does nothing
  return info.Env().Undefined();
}

Napi::Value NativeTensor::data_sync(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const Tensor& t = live("dataSync");
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(info.Env(), t.nbytes());
    ops::read_into(t, buf.Data());
    return typed_array_from(info.Env(), t, buf);
  });
}

Napi::Value NativeTensor::data_async(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const Tensor& t = live("data");
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(info.Env(), t.nbytes());
#ifdef TL_WITH_CUDA
    if (t.device() == Device::CUDA) {
      auto* worker = new CudaReadWorker(info.Env(), t, buf);
      Napi::Promise p = worker->promise();
      worker->Queue();
      return p;
    }
#endif
    if (t.nbytes() < kAsyncReadBytes) {
      ops::read_into(t, buf.Data());
      auto deferred = Napi::Promise::Deferred::New(info.Env());
      deferred.Resolve(typed_array_from(info.Env(), t, buf));
      return deferred.Promise();
    }
    auto* worker = new ReadWorker(info.Env(), t, buf);
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  });
}

Napi::Value NativeTensor::item(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const Tensor& t = live("item");
    if (t.numel() != 1)
      range_error("item: only a tensor with one element can be read as a number, got shape ", shape_str(t.shape()));
    uint32_t word = 0;
    ops::read_into(t, &word);
    if (t.dtype() == DType::Int32) {
      int32_t v;
      std::memcpy(&v, &word, 4);
      return Napi::Number::New(info.Env(), v);
    }
    float f;
    std::memcpy(&f, &word, 4);
    return Napi::Number::New(info.Env(), f);
  });
}

Napi::Object wrap_tensor(Napi::Env env, Tensor t) {
  AddonData& data = addon_data(env);
  Napi::Object obj = data.tensor_ctor.New({});
  napi_status st = napi_type_tag_object(env, obj, &kTensorTag);
  if (st != napi_ok) throw Napi::Error::New(env, "tensorlift: could not tag a tensor handle");
  NativeTensor::Unwrap(obj)->adopt(std::move(t));
  return obj;
}

const Tensor& unwrap_tensor(const Napi::Value& v, const char* op, const char* arg) {
  if (!v.IsObject()) type_error(op, ": expected ", arg, " to be a tensor, got ", v.IsUndefined() ? "undefined" : v.IsNull() ? "null" : "a non-object");
  bool tagged = false;
  napi_status st = napi_check_object_type_tag(v.Env(), v, &kTensorTag, &tagged);
  if (st != napi_ok || !tagged) type_error(op, ": expected ", arg, " to be a tensor, got some other object");
  NativeTensor* h = NativeTensor::Unwrap(v.As<Napi::Object>());
  if (!h || h->disposed()) state_error(op, ": ", arg, " is a disposed tensor; it cannot be used any more");
  return h->tensor();
}

}  // namespace tl::binding

#include "tensor_handle.h"

#include <cstring>

#include "../core/error.h"
#include "../core/ops.h"
#include "addon_data.h"
#include "guard.h"
#include "tensor_read.h"
#include "type_tag.h"

namespace tl::binding {

namespace {

// Type tag (N-API 8): proves an object was made by this addon before we trust its pointer,
// so a forged object with our prototype cannot be unwrapped into a wild pointer. The tag
// stays after dispose(), which is how a disposed handle is told from a foreign object.
const napi_type_tag kTensorTag = {0x7e6d2a1c4b3f4d11ull, 0x9a8b7c6d5e4f3a21ull};

bool is_tagged(napi_env env, napi_value v) { return has_type_tag(env, v, kTensorTag); }

// nullptr for a disposed handle (tagged, nothing attached) and for anything else.
TensorBox* box_of(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_unwrap(env, v, &p) != napi_ok) return nullptr;
  return static_cast<TensorBox*>(p);
}

void delete_box(napi_env env, TensorBox* box) {
  std::shared_ptr<HandleStats> stats = std::move(box->stats);
  delete box;  // releases the tensor and, with its last view, the storage
  stats->live_handles -= 1;
  sync_external_memory(env, *stats);
}

// The safety net for handles dropped without dispose(). Runs on the JS thread, possibly
// during environment teardown: it only frees memory and never calls into JS.
void finalize_box(napi_env env, void* data, void*) { delete_box(env, static_cast<TensorBox*>(data)); }

// The live tensor behind `this`, or the error that says why there is none.
const Tensor& self_tensor(const Napi::CallbackInfo& info, const char* op) {
  napi_value self = info.This();
  if (!is_tagged(info.Env(), self)) type_error(op, ": `this` is not a tensor handle");
  TensorBox* box = box_of(info.Env(), self);
  if (!box) state_error(op, ": the tensor was disposed; it cannot be used any more");
  return box->tensor;
}

using Method = Napi::Value (*)(const Napi::CallbackInfo& info);

// Every entry goes through WrapCallback (C++ exceptions become JS ones) and guard (core
// errors get their JS class). NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS (CMakeLists.txt) makes
// an exception that cannot be thrown any more, in a terminating worker, a no-op.
template <Method F>
napi_value entry(napi_env env, napi_callback_info cbinfo) {
  return Napi::details::WrapCallback(env, [&]() -> napi_value {
    Napi::CallbackInfo info(env, cbinfo);
    return guard(info.Env(), [&] { return F(info); });
  });
}

Napi::Value construct(const Napi::CallbackInfo& info) {
  if (info.NewTarget().IsEmpty()) type_error("NativeTensor: the class constructor cannot be called without new");
  return info.This();  // an untagged, empty object: refused by every op (only wrap_tensor makes handles)
}

Napi::Value get_shape(const Napi::CallbackInfo& info) {
  const Shape& s = self_tensor(info, "shape").shape();
  Napi::Array a = Napi::Array::New(info.Env(), s.size());
  for (size_t i = 0; i < s.size(); ++i) a.Set(uint32_t(i), Napi::Number::New(info.Env(), double(s[i])));
  return a;
}

Napi::Value get_strides(const Napi::CallbackInfo& info) {
  const Strides& s = self_tensor(info, "strides").strides();
  Napi::Array a = Napi::Array::New(info.Env(), s.size());
  for (size_t i = 0; i < s.size(); ++i) a.Set(uint32_t(i), Napi::Number::New(info.Env(), double(s[i])));
  return a;
}

Napi::Value get_dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dtype_name(self_tensor(info, "dtype").dtype()));
}

Napi::Value get_device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), device_name(self_tensor(info, "device").device()));
}

Napi::Value get_size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(self_tensor(info, "size").numel()));
}

Napi::Value get_is_disposed(const Napi::CallbackInfo& info) {
  if (!is_tagged(info.Env(), info.This())) type_error("isDisposed: `this` is not a tensor handle");
  return Napi::Boolean::New(info.Env(), box_of(info.Env(), info.This()) == nullptr);
}

Napi::Value is_contiguous(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), self_tensor(info, "isContiguous").is_contiguous());
}

Napi::Value shares_storage(const Napi::CallbackInfo& info) {
  const Tensor& self = self_tensor(info, "sharesStorage");
  const Tensor& other = unwrap_tensor(info[0], "sharesStorage", "other");
  return Napi::Boolean::New(info.Env(), self.storage() == other.storage());
}

// Frees everything the handle holds, now. Disposing twice is allowed and does nothing.
Napi::Value dispose(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (!is_tagged(env, info.This())) type_error("dispose: `this` is not a tensor handle");
  void* p = nullptr;
  if (napi_remove_wrap(env, info.This(), &p) == napi_ok && p) delete_box(env, static_cast<TensorBox*>(p));
  return info.Env().Undefined();
}

Napi::Value data_sync(const Napi::CallbackInfo& info) {
  return read_sync(info.Env(), self_tensor(info, "dataSync"), info[0]);
}

Napi::Value data_async(const Napi::CallbackInfo& info) {
  return read_async(info.Env(), self_tensor(info, "data"), info[0]);
}

Napi::Value item(const Napi::CallbackInfo& info) {
  const Tensor& t = self_tensor(info, "item");
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
}

napi_property_descriptor getter(const char* name, napi_callback cb) {
  return {name, nullptr, nullptr, cb, nullptr, nullptr, napi_default, nullptr};
}

napi_property_descriptor method(const char* name, napi_callback cb) {
  return {name, nullptr, cb, nullptr, nullptr, nullptr, napi_default_method, nullptr};
}

}  // namespace

Napi::Function define_tensor_class(Napi::Env env) {
  const napi_property_descriptor props[] = {
      getter("shape", entry<get_shape>),
      getter("strides", entry<get_strides>),
      getter("dtype", entry<get_dtype>),
      getter("device", entry<get_device>),
      getter("size", entry<get_size>),
      getter("isDisposed", entry<get_is_disposed>),
      method("isContiguous", entry<is_contiguous>),
      method("sharesStorage", entry<shares_storage>),
      method("dispose", entry<dispose>),
      method("dataSync", entry<data_sync>),
      method("data", entry<data_async>),
      method("item", entry<item>),
  };
  napi_value cls = nullptr;
  if (napi_define_class(env, "NativeTensor", NAPI_AUTO_LENGTH, entry<construct>, nullptr,
                        sizeof(props) / sizeof(props[0]), props, &cls) != napi_ok)
    throw Napi::Error::New(env, "tensorlift: could not define the NativeTensor class");
  return Napi::Function(env, cls);
}

Napi::Object wrap_tensor(Napi::Env env, Tensor t) {
  AddonData& data = addon_data(env);
  napi_value ctor = nullptr, obj = nullptr;
  if (napi_get_reference_value(env, data.tensor_ctor, &ctor) != napi_ok ||
      napi_new_instance(env, ctor, 0, nullptr, &obj) != napi_ok)
    throw Napi::Error::New(env);
  // Tag first, wrap last: dispose() then deletes the newest property, which V8 undoes
  // without turning the object into a slow dictionary.
  if (napi_type_tag_object(env, obj, &kTensorTag) != napi_ok) throw Napi::Error::New(env, "tensorlift: could not tag a tensor handle");
  auto* box = new TensorBox{std::move(t), data.stats};
  if (napi_wrap(env, obj, box, finalize_box, nullptr, nullptr) != napi_ok) {
    delete box;
    throw Napi::Error::New(env, "tensorlift: could not attach a tensor to its handle");
  }
  data.stats->live_handles += 1;
  sync_external_memory(env, *data.stats);
  return Napi::Object(env, obj);
}

const Tensor& unwrap_tensor(const Napi::Value& v, const char* op, const char* arg) {
  if (!v.IsObject()) type_error(op, ": expected ", arg, " to be a tensor, got ", v.IsUndefined() ? "undefined" : v.IsNull() ? "null" : "a non-object");
  if (!is_tagged(v.Env(), v)) type_error(op, ": expected ", arg, " to be a tensor, got some other object");
  TensorBox* box = box_of(v.Env(), v);
  if (!box) state_error(op, ": ", arg, " is a disposed tensor; it cannot be used any more");
  return box->tensor;
}

}  // namespace tl::binding

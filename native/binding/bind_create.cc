// Creation entry points: tensors from typed arrays, fills, ranges, random draws.
#include "../core/error.h"
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

// fromData(values: Float32Array | Int32Array, shape, device?)
Napi::Value from_data(const Napi::CallbackInfo& info) {
  Args args(info, "tensor");
  const Napi::Value v = args.raw(0);
  if (!v.IsTypedArray()) type_error("tensor: expected values as a Float32Array or Int32Array");
  const Napi::TypedArray ta = v.As<Napi::TypedArray>();
  DType dtype;
  if (ta.TypedArrayType() == napi_float32_array) dtype = DType::Float32;
  else if (ta.TypedArrayType() == napi_int32_array) dtype = DType::Int32;
  else type_error("tensor: expected values as a Float32Array or Int32Array, got another typed array");
  const Shape shape = args.shape(1, "shape");
  const Device device = args.device(2, "device", Device::CPU);
  const char* base = static_cast<const char*>(ta.ArrayBuffer().Data());
  const void* data = base ? base + ta.ByteOffset() : nullptr;
  return wrap_tensor(info.Env(), ops::from_data(data, ta.ByteLength(), dtype, shape, device));
}

// full(shape, value, dtype?, device?)
Napi::Value full(const Napi::CallbackInfo& info) {
  Args args(info, "full");
  const Shape shape = args.shape(0, "shape");
  const double value = args.number(1, "value");
  return wrap_tensor(info.Env(), ops::full(shape, value, args.dtype(2, "dtype", DType::Float32),
                                           args.device(3, "device", Device::CPU)));
}

// arange(start, end, step, dtype?, device?)
Napi::Value arange(const Napi::CallbackInfo& info) {
  Args args(info, "arange");
  return wrap_tensor(info.Env(), ops::arange(args.number(0, "start"), args.number(1, "end"), args.number(2, "step"),
                                             args.dtype(3, "dtype", DType::Float32),
                                             args.device(4, "device", Device::CPU)));
}

// eye(n, m, dtype?, device?)
Napi::Value eye(const Napi::CallbackInfo& info) {
  Args args(info, "eye");
  const int64_t n = args.integer(0, "n");
  const int64_t m = args.missing(1) ? n : args.integer(1, "m");
  checked_numel({n, m}, "eye");
  return wrap_tensor(info.Env(), ops::eye(n, m, args.dtype(2, "dtype", DType::Float32),
                                          args.device(3, "device", Device::CPU)));
}

// rand(shape, low, high, device?)
Napi::Value rand(const Napi::CallbackInfo& info) {
  Args args(info, "rand");
  return wrap_tensor(info.Env(), ops::rand(args.shape(0, "shape"), args.number(1, "low"), args.number(2, "high"),
                                           args.device(3, "device", Device::CPU)));
}

// randn(shape, mean, std, device?)
Napi::Value randn(const Napi::CallbackInfo& info) {
  Args args(info, "randn");
  return wrap_tensor(info.Env(), ops::randn(args.shape(0, "shape"), args.number(1, "mean"), args.number(2, "std"),
                                            args.device(3, "device", Device::CPU)));
}

// randint(shape, low, high, device?)
Napi::Value randint(const Napi::CallbackInfo& info) {
  Args args(info, "randint");
  return wrap_tensor(info.Env(), ops::randint(args.shape(0, "shape"), args.integer(1, "low"), args.integer(2, "high"),
                                              args.device(3, "device", Device::CPU)));
}

// manualSeed(seed): any safe non-negative integer
Napi::Value manual_seed(const Napi::CallbackInfo& info) {
  Args args(info, "manualSeed");
  const int64_t seed = args.integer(0, "seed");
  if (seed < 0) range_error("manualSeed: seed must be >= 0, got ", seed);
  ops::manual_seed(uint64_t(seed));
  return info.Env().Undefined();
}

}  // namespace

void register_create(Napi::Env env, Napi::Object exports) {
  export_fn<from_data>(env, exports, "fromData");
  export_fn<full>(env, exports, "full");
  export_fn<arange>(env, exports, "arange");
  export_fn<eye>(env, exports, "eye");
  export_fn<rand>(env, exports, "rand");
  export_fn<randn>(env, exports, "randn");
  export_fn<randint>(env, exports, "randint");
  export_fn<manual_seed>(env, exports, "manualSeed");
}

}  // namespace tl::binding

#include "args.h"

#include <cmath>

#include "../core/error.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {
constexpr double kMaxSafeInteger = 9007199254740991.0;

const char* js_type(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    default: return v.IsArray() ? "an array" : "an object";
  }
}
}  // namespace

const Tensor& Args::tensor(size_t i, const char* name) const {
  return unwrap_tensor(info_[i], op_, name);
}

std::vector<Tensor> Args::tensor_list(size_t i, const char* name) const {
  const Napi::Value v = info_[i];
  if (!v.IsArray()) type_error(op_, ": expected ", name, " to be an array of tensors, got ", js_type(v));
  const Napi::Array arr = v.As<Napi::Array>();
  const uint32_t n = arr.Length();
  if (n > 1000000) range_error(op_, ": ", name, " has ", n, " tensors, too many");
  std::vector<Tensor> out;
  out.reserve(n);
  for (uint32_t k = 0; k < n; ++k) {
    const std::string item = std::string(name) + "[" + std::to_string(k) + "]";
    out.push_back(unwrap_tensor(arr.Get(k), op_, item.c_str()));
  }
  return out;
}

double Args::number(size_t i, const char* name) const {
  const Napi::Value v = info_[i];
  if (!v.IsNumber()) type_error(op_, ": expected ", name, " to be a number, got ", js_type(v));
  return v.As<Napi::Number>().DoubleValue();
}

double Args::finite(size_t i, const char* name) const {
  const double d = number(i, name);
  if (!std::isfinite(d)) range_error(op_, ": ", name, " must be a finite number, got ", d);
  return d;
}

int64_t Args::integer(size_t i, const char* name) const {
  const double d = number(i, name);
  if (!(d == std::floor(d)) || std::fabs(d) > kMaxSafeInteger)
    range_error(op_, ": ", name, " must be an integer, got ", d);
  return int64_t(d);
}

std::optional<int64_t> Args::opt_integer(size_t i, const char* name) const {
  if (missing(i)) return std::nullopt;
  return integer(i, name);
}

std::optional<double> Args::opt_number(size_t i, const char* name) const {
  if (missing(i)) return std::nullopt;
  return number(i, name);
}

bool Args::boolean(size_t i, const char* name, bool fallback) const {
  const Napi::Value v = info_[i];
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) type_error(op_, ": expected ", name, " to be a boolean, got ", js_type(v));
  return v.As<Napi::Boolean>().Value();
}

std::string Args::string(size_t i, const char* name) const {
  const Napi::Value v = info_[i];
  if (!v.IsString()) type_error(op_, ": expected ", name, " to be a string, got ", js_type(v));
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int64_t> Args::int_list(size_t i, const char* name) const {
  const Napi::Value v = info_[i];
  if (!v.IsArray()) type_error(op_, ": expected ", name, " to be an array of integers, got ", js_type(v));
  const Napi::Array arr = v.As<Napi::Array>();
  const uint32_t n = arr.Length();
  if (n > uint32_t(kMaxDims))
    range_error(op_, ": ", name, " has ", n, " entries, at most ", kMaxDims, " dims are supported");
  std::vector<int64_t> out(n);
  for (uint32_t k = 0; k < n; ++k) {
    const Napi::Value e = arr.Get(k);
    if (!e.IsNumber()) type_error(op_, ": expected ", name, "[", k, "] to be an integer, got ", js_type(e));
    const double d = e.As<Napi::Number>().DoubleValue();
    if (!(d == std::floor(d)) || std::fabs(d) > kMaxSafeInteger)
      range_error(op_, ": ", name, "[", k, "] must be an integer, got ", d);
    out[k] = int64_t(d);
  }
  return out;
}

Shape Args::shape(size_t i, const char* name) const {
  Shape s = int_list(i, name);
  for (size_t k = 0; k < s.size(); ++k)
    if (s[k] < 0) range_error(op_, ": ", name, " ", shape_str(s), " has a negative size");
  checked_numel(s, op_);
  return s;
}

std::vector<int64_t> Args::dims(size_t i, const char* name) const {
  if (missing(i)) return {};
  if (info_[i].IsNumber()) return {integer(i, name)};
  return int_list(i, name);
}

void Args::pair(size_t i, const char* name, int64_t out[2]) const {
  if (info_[i].IsNumber()) {
    out[0] = out[1] = integer(i, name);
    return;
  }
  const std::vector<int64_t> v = int_list(i, name);
  if (v.size() != 2) range_error(op_, ": expected ", name, " to be a number or a pair of numbers, got ", v.size(), " values");
  out[0] = v[0];
  out[1] = v[1];
}

Tensor Args::opt_tensor(size_t i, const char* name) const {
  if (missing(i)) return Tensor();
  return tensor(i, name);
}

Options Args::options(size_t i, const char* name) const {
  const Napi::Value v = info_[i];
  if (!v.IsObject() || v.IsArray()) type_error(op_, ": expected ", name, " to be an options object, got ", js_type(v));
  return Options(v.As<Napi::Object>(), op_, name);
}

Napi::Value Options::get(const char* key) const { return obj_.Get(key); }

double Options::number(const char* key) const {
  const Napi::Value v = get(key);
  if (!v.IsNumber()) type_error(op_, ": expected ", name_, ".", key, " to be a number, got ", js_type(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) range_error(op_, ": ", name_, ".", key, " must be finite, got ", d);
  return d;
}

double Options::number(const char* key, double fallback) const {
  const Napi::Value v = get(key);
  return v.IsUndefined() ? fallback : number(key);
}

int64_t Options::integer(const char* key) const {
  const double d = number(key);
  if (!(d == std::floor(d)) || std::fabs(d) > kMaxSafeInteger)
    range_error(op_, ": ", name_, ".", key, " must be an integer, got ", d);
  return int64_t(d);
}

bool Options::boolean(const char* key, bool fallback) const {
  const Napi::Value v = get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) type_error(op_, ": expected ", name_, ".", key, " to be a boolean, got ", js_type(v));
  return v.As<Napi::Boolean>().Value();
}

DType Args::dtype(size_t i, const char* name, DType fallback) const {
  if (missing(i)) return fallback;
  const std::string s = string(i, name);
  if (s == "float32") return DType::Float32;
  if (s == "int32") return DType::Int32;
  type_error(op_, ": unknown dtype '", s, "' (expected 'float32' or 'int32')");
}

Device Args::device(size_t i, const char* name, Device fallback) const {
  if (missing(i)) return fallback;
  const std::string s = string(i, name);
  if (s == "cpu") return Device::CPU;
  if (s == "cuda") return Device::CUDA;
  type_error(op_, ": unknown device '", s, "' (expected 'cpu' or 'cuda')");
}

}  // namespace tl::binding

// Argument readers for exported functions. Each validates one JS value and throws a
// TypeError (wrong kind) or RangeError (bad value) naming the op and the argument.
#pragma once
#include <napi.h>

#include <optional>
#include <string>
#include <vector>

#include "../core/tensor.h"

namespace tl::binding {

// Fields of a plain options object ({ lr: 0.1, nesterov: true }), validated like arguments.
class Options {
 public:
  Options(Napi::Object obj, const char* op, const char* name) : obj_(obj), op_(op), name_(name) {}
  double number(const char* key) const;
  double number(const char* key, double fallback) const;
  int64_t integer(const char* key) const;
  bool boolean(const char* key, bool fallback) const;

 private:
  Napi::Value get(const char* key) const;
  Napi::Object obj_;
  const char* op_;
  const char* name_;
};

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), op_(op) {}

  const char* op() const { return op_; }
  Napi::Env env() const { return info_.Env(); }
  Napi::Value raw(size_t i) const { return info_[i]; }
  bool missing(size_t i) const { return info_[i].IsUndefined() || info_[i].IsNull(); }

  const Tensor& tensor(size_t i, const char* name) const;
  std::vector<Tensor> tensor_list(size_t i, const char* name) const;
  double number(size_t i, const char* name) const;            // any finite or non-finite number
  double finite(size_t i, const char* name) const;            // finite numbers only
  int64_t integer(size_t i, const char* name) const;          // safe integer
  std::optional<int64_t> opt_integer(size_t i, const char* name) const;
  std::optional<double> opt_number(size_t i, const char* name) const;
  bool boolean(size_t i, const char* name, bool fallback) const;
  std::string string(size_t i, const char* name) const;
  Shape shape(size_t i, const char* name) const;              // array of sizes >= 0
  std::vector<int64_t> int_list(size_t i, const char* name) const;  // array of integers
  // A dim, an array of dims, or nothing (= all dims).
  std::vector<int64_t> dims(size_t i, const char* name) const;
  // A number (used for both) or an array of two integers.
  void pair(size_t i, const char* name, int64_t out[2]) const;
  // A tensor, or undefined/null for "none".
  Tensor opt_tensor(size_t i, const char* name) const;
  Options options(size_t i, const char* name) const;
  DType dtype(size_t i, const char* name, DType fallback) const;
  Device device(size_t i, const char* name, Device fallback) const;

 private:
  const Napi::CallbackInfo& info_;
  const char* op_;
};

}  // namespace tl::binding

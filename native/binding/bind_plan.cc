// Inference plans (core/plan.h): planCreate(steps, inFeatures), planRun(plan, input, into?),
// planDispose(plan). A plan handle is a plain object with its Plan attached by napi_wrap and
// a type tag of its own, released at once by planDispose (the finalizer is a safety net).
#include <cstring>
#include <string>

#include "../core/error.h"
#include "../core/ops.h"
#include "../core/plan.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"
#include "tensor_read.h"

namespace tl::binding {

namespace {

const napi_type_tag kPlanTag = {0x51a3c2d4e5f60718ull, 0x293a4b5c6d7e8f90ull};

bool is_plan(napi_env env, napi_value v) {
  bool tagged = false;
  return napi_check_object_type_tag(env, v, &kPlanTag, &tagged) == napi_ok && tagged;
}

Plan& unwrap_plan(const Napi::Value& v, const char* op) {
  if (!v.IsObject() || !is_plan(v.Env(), v)) type_error(op, ": expected a plan made by compile()");
  void* p = nullptr;
  if (napi_unwrap(v.Env(), v, &p) != napi_ok || !p) state_error(op, ": the plan was disposed; compile the model again");
  return *static_cast<Plan*>(p);
}

void finalize_plan(napi_env, void* data, void*) { delete static_cast<Plan*>(data); }

UnaryOp unary_by_name(const std::string& name, const std::string& where) {
  for (int i = 0; i < kUnaryOpCount; ++i)
    if (name == unary_name(UnaryOp(i))) return UnaryOp(i);
  type_error(where, ": unknown activation '", name, "'");
}

// One step object: { kind, weight?, bias?, runningMean?, runningVar?, activation?, op?, p0?, p1?, log?, eps? }.
PlanStep read_step(const Napi::Value& v, size_t i) {
  const std::string where = "compile: step " + std::to_string(i);
  if (!v.IsObject()) type_error(where, " must be an object");
  const Napi::Object o = v.As<Napi::Object>();
  auto str = [&](const char* key) -> std::string {
    const Napi::Value f = o.Get(key);
    if (f.IsUndefined() || f.IsNull()) return "";
    if (!f.IsString()) type_error(where, ": ", key, " must be a string");
    return f.As<Napi::String>().Utf8Value();
  };
  auto num = [&](const char* key, double fallback) {
    const Napi::Value f = o.Get(key);
    if (f.IsUndefined()) return fallback;
    if (!f.IsNumber()) type_error(where, ": ", key, " must be a number");
    return f.As<Napi::Number>().DoubleValue();
  };
  auto tensor = [&](const char* key) -> Tensor {
    const Napi::Value f = o.Get(key);
    if (f.IsUndefined() || f.IsNull()) return Tensor();
    return unwrap_tensor(f, "compile", key);
  };
  PlanStep s;
  const std::string kind = str("kind");
  if (kind == "linear") {
    s.kind = PlanStep::Kind::Linear;
    s.weight = tensor("weight");
    s.bias = tensor("bias");
    const std::string act = str("activation");
    if (!act.empty()) {
      s.op = unary_by_name(act, where);
      if (s.op != UnaryOp::Relu && s.op != UnaryOp::Sigmoid && s.op != UnaryOp::Tanh)
        type_error(where, ": a linear step fuses only relu, sigmoid or tanh, got '", act, "'");
      s.fused = true;
    }
  } else if (kind == "unary") {
    s.kind = PlanStep::Kind::Unary;
    s.op = unary_by_name(str("op"), where);
    s.p0 = num("p0", 0);
    s.p1 = num("p1", 0);
  } else if (kind == "softmax") {
    s.kind = PlanStep::Kind::Softmax;
    const Napi::Value f = o.Get("log");
    s.log = f.IsBoolean() && f.As<Napi::Boolean>().Value();
  } else if (kind == "layerNorm" || kind == "batchNorm") {
    s.kind = kind == "layerNorm" ? PlanStep::Kind::LayerNorm : PlanStep::Kind::BatchNorm;
    s.weight = tensor("weight");
    s.bias = tensor("bias");
    s.running_mean = tensor("runningMean");
    s.running_var = tensor("runningVar");
    s.eps = num("eps", 1e-5);
  } else {
    type_error(where, ": unknown kind '", kind, "' (linear, unary, softmax, layerNorm, batchNorm)");
  }
  return s;
}

Napi::Value plan_create(const Napi::CallbackInfo& info) {
  Args a(info, "compile");
  if (!a.raw(0).IsArray()) type_error("compile: expected the steps as an array");
  const Napi::Array arr = a.raw(0).As<Napi::Array>();
  std::vector<PlanStep> steps;
  for (uint32_t i = 0; i < arr.Length(); ++i) steps.push_back(read_step(arr.Get(i), i));
  auto plan = std::make_unique<Plan>(std::move(steps), a.integer(1, "inFeatures"));
  Napi::Object obj = Napi::Object::New(info.Env());
  if (napi_type_tag_object(info.Env(), obj, &kPlanTag) != napi_ok ||
      napi_wrap(info.Env(), obj, plan.get(), finalize_plan, nullptr, nullptr) != napi_ok)
    throw Napi::Error::New(info.Env(), "compile: could not make a plan handle");
  obj.Set("inFeatures", double(plan->in_features()));
  obj.Set("outFeatures", double(plan->out_features()));
  plan.release();
  return obj;
}

// planRun(plan, input: Float32Array | tensor, into?) -> Float32Array [batch * outFeatures]
Napi::Value plan_run(const Napi::CallbackInfo& info) {
  Plan& plan = unwrap_plan(info[0], "plan.run");
  const Napi::Value in = info[1];
  Tensor input;
  if (in.IsTypedArray()) {
    const Napi::TypedArray ta = in.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != napi_float32_array) type_error("plan.run: expected the input as a Float32Array");
    const size_t n = ta.ElementLength();
    const int64_t width = plan.in_features();
    if (n % size_t(width) != 0)
      range_error("plan.run: the input has ", n, " values, not a whole number of rows of ", width);
    void* data = static_cast<char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    // Read in place: the run is synchronous and the borrowed tensor never leaves this call.
    auto storage = std::make_shared<Storage>(BorrowedHostMemory::instance(), data, n * sizeof(float));
    input = Tensor(std::move(storage), DType::Float32, {int64_t(n) / width, width}, {width, 1}, 0);
  } else {
    input = unwrap_tensor(in, "plan.run", "input");
    if (input.device() != Device::CPU || input.dtype() != DType::Float32)
      type_error("plan.run: expected a float32 CPU tensor, got ", dtype_name(input.dtype()), " on ", device_name(input.device()));
    if (input.dim() != 2) range_error("plan.run: expected input [batch, ", plan.in_features(), "], got ", shape_str(input.shape()));
    if (!input.is_contiguous()) input = ops::contiguous(input);
  }
  return read_sync(info.Env(), plan.run(input), info[2]);
}

Napi::Value plan_dispose(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject() || !is_plan(info.Env(), info[0])) type_error("plan.dispose: expected a plan made by compile()");
  void* p = nullptr;
  if (napi_remove_wrap(info.Env(), info[0], &p) == napi_ok && p) delete static_cast<Plan*>(p);
  return info.Env().Undefined();
}

}  // namespace

void register_plan(Napi::Env env, Napi::Object exports) {
  export_fn<plan_create>(env, exports, "planCreate");
  export_fn<plan_run>(env, exports, "planRun");
  export_fn<plan_dispose>(env, exports, "planDispose");
}

}  // namespace tl::binding

// Inference plans (core/plan.h): planCreate(inputs, steps), planRun(plan, inputs, into?),
// planDispose(plan). A plan handle is a plain object with its Plan attached by napi_wrap and
// a type tag of its own, released at once by planDispose (the finalizer is a safety net).
#include <algorithm>
#include <cstring>
#include <string>

#include "../core/error.h"
#include "../core/ops.h"
#include "../core/plan.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"
#include "plan_handle.h"
#include "tensor_read.h"
#include "type_tag.h"

namespace tl::binding {

namespace {

const napi_type_tag kPlanTag = {0x51a3c2d4e5f60718ull, 0x293a4b5c6d7e8f90ull};

bool is_plan(napi_env env, napi_value v) { return has_type_tag(env, v, kPlanTag); }

// What a plan handle holds: a shared reference, so a run on a worker thread keeps the plan
// alive when planDispose drops the handle's reference meanwhile.
struct PlanHolder {
  std::shared_ptr<Plan> plan;
};

void finalize_plan(napi_env, void* data, void*) { delete static_cast<PlanHolder*>(data); }

UnaryOp unary_by_name(const std::string& name, const std::string& where) {
  for (int i = 0; i < kUnaryOpCount; ++i)
    if (name == unary_name(UnaryOp(i))) return UnaryOp(i);
  type_error(where, ": unknown activation '", name, "'");
}

// One step object: { kind, in, other?, weight?, bias?, runningMean?, runningVar?, tables?,
// activation?, op?, p0?, p1?, scale?, shift?, log?, eps? }.
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
  auto slot = [&](const char* key) -> int64_t {
    const Napi::Value f = o.Get(key);
    if (!f.IsNumber()) type_error(where, ": ", key, " must be a slot number");
    const double d = f.As<Napi::Number>().DoubleValue();
    if (!(d == double(int64_t(d)))) range_error(where, ": ", key, " must be an integer slot");
    return int64_t(d);
  };
  PlanStep s;
  s.in = slot("in");
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
  } else if (kind == "embedConcat") {
    s.kind = PlanStep::Kind::EmbedConcat;
    s.other = slot("other");
    const Napi::Value f = o.Get("tables");
    if (!f.IsArray()) type_error(where, ": tables must be an array of tensors");
    const Napi::Array arr = f.As<Napi::Array>();
    for (uint32_t k = 0; k < arr.Length(); ++k) s.tables.push_back(unwrap_tensor(arr.Get(k), "compile", "tables[]"));
  } else if (kind == "add") {
    s.kind = PlanStep::Kind::Add;
    s.other = slot("other");
  } else if (kind == "affine") {
    s.kind = PlanStep::Kind::Affine;
    s.p0 = num("scale", 1);
    s.divisor = num("divisor", 1);
    s.p1 = num("shift", 0);
    if (s.divisor == 0) range_error(where, ": divisor must not be 0");
  } else {
    type_error(where, ": unknown kind '", kind, "' (linear, unary, softmax, layerNorm, batchNorm, embedConcat, add, affine)");
  }
  return s;
}

// planCreate(inputs: { dtype, width }[], steps)
Napi::Value plan_create(const Napi::CallbackInfo& info) {
  Args a(info, "compile");
  if (!a.raw(0).IsArray()) type_error("compile: expected the inputs as an array of { dtype, width }");
  if (!a.raw(1).IsArray()) type_error("compile: expected the steps as an array");
  std::vector<PlanInput> inputs;
  const Napi::Array ins = a.raw(0).As<Napi::Array>();
  for (uint32_t i = 0; i < ins.Length(); ++i) {
    const Napi::Value v = ins.Get(i);
    if (!v.IsObject()) type_error("compile: input ", i, " must be an object { dtype, width }");
    const Napi::Object o = v.As<Napi::Object>();
    const Napi::Value w = o.Get("width"), d = o.Get("dtype");
    if (!w.IsNumber() || !(w.As<Napi::Number>().DoubleValue() >= 0) || w.As<Napi::Number>().DoubleValue() > 1e9)
      type_error("compile: input ", i, " needs a width (a number of values per row)");
    const std::string dt = d.IsString() ? d.As<Napi::String>().Utf8Value() : "float32";
    if (dt != "float32" && dt != "int32") type_error("compile: input ", i, " dtype must be 'float32' or 'int32'");
    inputs.push_back({dt == "int32" ? DType::Int32 : DType::Float32, int64_t(w.As<Napi::Number>().DoubleValue())});
  }
  std::vector<PlanStep> steps;
  const Napi::Array arr = a.raw(1).As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) steps.push_back(read_step(arr.Get(i), i));
  auto holder = std::make_unique<PlanHolder>(PlanHolder{std::make_shared<Plan>(std::move(inputs), std::move(steps))});
  Napi::Object obj = Napi::Object::New(info.Env());
  if (napi_type_tag_object(info.Env(), obj, &kPlanTag) != napi_ok ||
      napi_wrap(info.Env(), obj, holder.get(), finalize_plan, nullptr, nullptr) != napi_ok)
    throw Napi::Error::New(info.Env(), "compile: could not make a plan handle");
  obj.Set("outFeatures", double(holder->plan->out_features()));
  holder.release();
  return obj;
}

// One input: a typed array of the declared dtype (read in place for this call: the run is
// synchronous and the borrowed tensor never leaves it) or a CPU tensor.
// A zero-width input (a tabular model without numeric columns) takes the batch of the others.
Tensor plan_input(const Napi::Value& v, const PlanInput& spec, size_t i, int64_t batch, bool copy) {
  const int64_t width = std::max<int64_t>(spec.width, 1);
  if (spec.width == 0 && batch >= 0 && v.IsTypedArray())
    return Tensor::empty({batch, 0}, spec.dtype, Device::CPU, "plan.run");
  if (v.IsTypedArray()) {
    const Napi::TypedArray ta = v.As<Napi::TypedArray>();
    const napi_typedarray_type want = spec.dtype == DType::Int32 ? napi_int32_array : napi_float32_array;
    if (ta.TypedArrayType() != want)
      type_error("plan.run: input ", i, " must be an ", spec.dtype == DType::Int32 ? "Int32Array" : "Float32Array");
    const size_t n = ta.ElementLength();
    if (n % size_t(width) != 0)
      range_error("plan.run: the input has ", n, " values, not a whole number of rows of ", spec.width);
    void* data = static_cast<char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    const Shape shape{int64_t(n) / width, spec.width};
    if (copy) return ops::from_data(data, n * 4, spec.dtype, shape, Device::CPU);
    auto storage = std::make_shared<Storage>(BorrowedHostMemory::instance(), data, n * 4);
    return Tensor(std::move(storage), spec.dtype, shape, {spec.width, 1}, 0);
  }
  Tensor t = unwrap_tensor(v, "plan.run", "input");
  if (t.device() != Device::CPU) type_error("plan.run: input ", i, " is on ", device_name(t.device()), "; plans run on the CPU");
  if (t.dtype() != spec.dtype)
    type_error("plan.run: expected a ", dtype_name(spec.dtype), " CPU tensor, got ", dtype_name(t.dtype()));
  if (copy) return ops::clone(t);  // JS may write the tensor while a worker reads it
  return t.is_contiguous() ? t : ops::contiguous(t);
}

}  // namespace

std::shared_ptr<Plan> plan_of(const Napi::Value& v, const char* op) {
  if (!v.IsObject() || !is_plan(v.Env(), v)) type_error(op, ": expected a plan made by compile()");
  void* p = nullptr;
  if (napi_unwrap(v.Env(), v, &p) != napi_ok || !p) state_error(op, ": the plan was disposed; compile the model again");
  return static_cast<PlanHolder*>(p)->plan;
}

std::vector<Tensor> plan_inputs(const Napi::Value& list, const Plan& plan, bool copy) {
  if (!list.IsArray()) type_error("plan.run: expected the inputs as an array");
  const Napi::Array arr = list.As<Napi::Array>();
  if (arr.Length() != plan.inputs().size())
    range_error("plan.run: expected ", plan.inputs().size(), " inputs, got ", arr.Length());
  std::vector<Tensor> inputs(arr.Length());
  int64_t batch = -1;
  for (uint32_t i = 0; i < arr.Length(); ++i)
    if (plan.inputs()[i].width > 0) {
      inputs[i] = plan_input(arr.Get(i), plan.inputs()[i], i, -1, copy);
      if (batch < 0) batch = inputs[i].size(0);
    }
  for (uint32_t i = 0; i < arr.Length(); ++i)
    if (plan.inputs()[i].width == 0) inputs[i] = plan_input(arr.Get(i), plan.inputs()[i], i, std::max<int64_t>(batch, 0), copy);
  return inputs;
}

namespace {

// planRun(plan, inputs: (Float32Array | Int32Array | tensor)[], into?) -> Float32Array [batch * outFeatures]
Napi::Value plan_run(const Napi::CallbackInfo& info) {
  std::shared_ptr<Plan> plan = plan_of(info[0], "plan.run");
  const std::vector<Tensor> inputs = plan_inputs(info[1], *plan, false);
  std::lock_guard<std::mutex> lock(plan->mutex());  // waits for a planRunAsync of this plan
  return read_sync(info.Env(), plan->run(inputs), info[2]);
}

Napi::Value plan_dispose(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject() || !is_plan(info.Env(), info[0])) type_error("plan.dispose: expected a plan made by compile()");
  void* p = nullptr;
  if (napi_remove_wrap(info.Env(), info[0], &p) == napi_ok && p) delete static_cast<PlanHolder*>(p);
  return info.Env().Undefined();
}

}  // namespace

void register_plan(Napi::Env env, Napi::Object exports) {
  export_fn<plan_create>(env, exports, "planCreate");
  export_fn<plan_run>(env, exports, "planRun");
  export_fn<plan_dispose>(env, exports, "planDispose");
  register_plan_async(env, exports);
}

}  // namespace tl::binding

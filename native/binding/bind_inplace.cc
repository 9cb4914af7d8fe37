// In-place entry points: assignment, accumulation, fill and the fused optimizer steps.
#include "../core/error.h"
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

// assign(dst, src): dst[...] = src, broadcasting src
Napi::Value assign(const Napi::CallbackInfo& info) {
  Args a(info, "assign");
  ops::assign(a.tensor(0, "dst"), a.tensor(1, "src"));
  return info.Env().Undefined();
}

// binaryInplace(op, dst, src): dst = dst op src
Napi::Value binary_inplace(const Napi::CallbackInfo& info) {
  Args a(info, "binaryInplace");
  const std::string name = a.string(0, "op");
  for (int i = 0; i < kBinaryOpCount; ++i)
    if (name == binary_name(BinaryOp(i))) {
      ops::binary_inplace(BinaryOp(i), a.tensor(1, "dst"), a.tensor(2, "src"));
      return info.Env().Undefined();
    }
  type_error("binaryInplace: unknown op '", name, "'");
}

// fill(dst, value)
Napi::Value fill(const Napi::CallbackInfo& info) {
  Args a(info, "fill");
  ops::fill_inplace(a.tensor(0, "dst"), a.number(1, "value"));
  return info.Env().Undefined();
}

// sgdStep(param, grad, momentumBuffer?, { lr, momentum, dampening, weightDecay, nesterov, firstStep })
Napi::Value sgd_step(const Napi::CallbackInfo& info) {
  Args a(info, "sgd");
  const Options o = a.options(3, "options");
  SgdOptions s{o.number("lr"), o.number("momentum", 0), o.number("dampening", 0), o.number("weightDecay", 0),
               o.boolean("nesterov", false), o.boolean("firstStep", false)};
  ops::sgd_step(a.tensor(0, "param"), a.tensor(1, "grad"), a.opt_tensor(2, "momentumBuffer"), s);
  return info.Env().Undefined();
}

// adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq?, { lr, beta1, beta2, eps, weightDecay, step, decoupled, amsgrad })
Napi::Value adam_step(const Napi::CallbackInfo& info) {
  Args a(info, "adam");
  const Options o = a.options(5, "options");
  AdamOptions s{o.number("lr"), o.number("beta1", 0.9), o.number("beta2", 0.999), o.number("eps", 1e-8),
                o.number("weightDecay", 0), o.integer("step"), o.boolean("decoupled", false), o.boolean("amsgrad", false)};
  if (!(s.beta1 >= 0 && s.beta1 < 1) || !(s.beta2 >= 0 && s.beta2 < 1))
    range_error("adam: betas must be in [0, 1), got ", s.beta1, " and ", s.beta2);
  ops::adam_step(a.tensor(0, "param"), a.tensor(1, "grad"), a.tensor(2, "expAvg"), a.tensor(3, "expAvgSq"),
                 a.opt_tensor(4, "maxExpAvgSq"), s);
  return info.Env().Undefined();
}

// adamStepMulti(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs?, { lr, beta1, beta2, eps, weightDecay, step, decoupled, amsgrad })
Napi::Value adam_step_multi(const Napi::CallbackInfo& info) {
  Args a(info, "adam");
  const Options o = a.options(5, "options");
  AdamOptions s{o.number("lr"), o.number("beta1", 0.9), o.number("beta2", 0.999), o.number("eps", 1e-8),
                o.number("weightDecay", 0), o.integer("step"), o.boolean("decoupled", false), o.boolean("amsgrad", false)};
  if (!(s.beta1 >= 0 && s.beta1 < 1) || !(s.beta2 >= 0 && s.beta2 < 1))
    range_error("adam: betas must be in [0, 1), got ", s.beta1, " and ", s.beta2);
  ops::adam_step_multi(a.tensor_list(0, "params"), a.tensor_list(1, "grads"), a.tensor_list(2, "expAvgs"),
                       a.tensor_list(3, "expAvgSqs"), a.missing(4) ? std::vector<Tensor>() : a.tensor_list(4, "maxExpAvgSqs"), s);
  return info.Env().Undefined();
}

// rmspropStep(param, grad, squareAvg, gradAvg?, momentumBuffer?, { lr, alpha, eps, weightDecay, momentum, centered })
Napi::Value rmsprop_step(const Napi::CallbackInfo& info) {
  Args a(info, "rmsprop");
  const Options o = a.options(5, "options");
  RmspropOptions s{o.number("lr"), o.number("alpha", 0.99), o.number("eps", 1e-8), o.number("weightDecay", 0),
                   o.number("momentum", 0), o.boolean("centered", false)};
  ops::rmsprop_step(a.tensor(0, "param"), a.tensor(1, "grad"), a.tensor(2, "squareAvg"), a.opt_tensor(3, "gradAvg"),
                    a.opt_tensor(4, "momentumBuffer"), s);
  return info.Env().Undefined();
}

// adagradStep(param, grad, stateSum, { lr, lrDecay, weightDecay, eps, step })
Napi::Value adagrad_step(const Napi::CallbackInfo& info) {
  Args a(info, "adagrad");
  const Options o = a.options(3, "options");
  AdagradOptions s{o.number("lr"), o.number("lrDecay", 0), o.number("weightDecay", 0), o.number("eps", 1e-10),
                   o.integer("step")};
  ops::adagrad_step(a.tensor(0, "param"), a.tensor(1, "grad"), a.tensor(2, "stateSum"), s);
  return info.Env().Undefined();
}

}  // namespace

void register_inplace(Napi::Env env, Napi::Object exports) {
  export_fn<assign>(env, exports, "assign");
  export_fn<binary_inplace>(env, exports, "binaryInplace");
  export_fn<fill>(env, exports, "fill");
  export_fn<sgd_step>(env, exports, "sgdStep");
  export_fn<adam_step>(env, exports, "adamStep");
  export_fn<adam_step_multi>(env, exports, "adamStepMulti");
  export_fn<rmsprop_step>(env, exports, "rmspropStep");
  export_fn<adagrad_step>(env, exports, "adagradStep");
}

}  // namespace tl::binding

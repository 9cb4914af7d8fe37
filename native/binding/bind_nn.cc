// Entry points of the neural-network ops and their backward kernels.
#include "../core/error.h"
#include "../core/ops.h"
#include "args.h"
#include "bindings.h"
#include "guard.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {

Napi::Object pack(Napi::Env env, std::initializer_list<std::pair<const char*, Tensor>> items) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [name, t] : items) o.Set(name, t.defined() ? Napi::Value(wrap_tensor(env, t)) : env.Null());
  return o;
}

// activationGrad(op, grad, saved, p0?, p1?)
Napi::Value activation_grad(const Napi::CallbackInfo& info) {
  Args a(info, "activationGrad");
  const std::string name = a.string(0, "op");
  for (int i = 0; i < kActivationGradCount; ++i)
    if (name == activation_grad_name(ActivationGrad(i)))
      return wrap_tensor(info.Env(), ops::activation_grad(ActivationGrad(i), a.tensor(1, "grad"), a.tensor(2, "saved"),
                                                          a.missing(3) ? 0.0 : a.number(3, "p0"),
                                                          a.missing(4) ? 0.0 : a.number(4, "p1")));
  type_error("activationGrad: unknown activation '", name, "'");
}

// softmaxBackward(grad, y, dim, log)
Napi::Value softmax_backward(const Napi::CallbackInfo& info) {
  Args a(info, "softmaxBackward");
  return wrap_tensor(info.Env(), ops::softmax_backward(a.tensor(0, "grad"), a.tensor(1, "output"), a.integer(2, "dim"),
                                                       a.boolean(3, "log", false)));
}

// scatterAdd(shape, dim, index, src)
Napi::Value scatter_add(const Napi::CallbackInfo& info) {
  Args a(info, "scatterAdd");
  const Shape shape = a.shape(0, "shape");
  return wrap_tensor(info.Env(), ops::scatter_add(shape, a.integer(1, "dim"), a.tensor(2, "index"), a.tensor(3, "src")));
}

// indexAdd(shape, dim, index, src)
Napi::Value index_add(const Napi::CallbackInfo& info) {
  Args a(info, "indexAdd");
  const Shape shape = a.shape(0, "shape");
  return wrap_tensor(info.Env(), ops::index_add(shape, a.integer(1, "dim"), a.tensor(2, "index"), a.tensor(3, "src")));
}

// dropout(x, p) -> { out, seed, offset }
Napi::Value dropout(const Napi::CallbackInfo& info) {
  Args a(info, "dropout");
  const Tensor& x = a.tensor(0, "x");
  const ops::DropoutResult r = ops::dropout(x, a.number(1, "p"));
  Napi::Object o = pack(info.Env(), {{"out", r.out}});
  o.Set("seed", double(r.seed));
  o.Set("offset", double(r.offset));
  return o;
}

// dropoutBackward(grad, p, seed, offset)
Napi::Value dropout_backward(const Napi::CallbackInfo& info) {
  Args a(info, "dropoutBackward");
  const int64_t seed = a.integer(2, "seed"), offset = a.integer(3, "offset");
  if (seed < 0 || offset < 0) range_error("dropoutBackward: seed and offset must be >= 0");
  return wrap_tensor(info.Env(), ops::dropout_backward(a.tensor(0, "grad"), a.number(1, "p"), uint64_t(seed), uint64_t(offset)));
}

// crossEntropy(logits, labels, ignoreIndex, smoothing) -> { loss, lse }
Napi::Value cross_entropy(const Napi::CallbackInfo& info) {
  Args a(info, "crossEntropy");
  const ops::CrossEntropyResult r = ops::cross_entropy(a.tensor(0, "logits"), a.tensor(1, "labels"),
                                                       a.integer(2, "ignoreIndex"), a.number(3, "labelSmoothing"));
  return pack(info.Env(), {{"loss", r.loss}, {"lse", r.lse}});
}

// crossEntropyBackward(logits, labels, lse, gradLoss, ignoreIndex, smoothing)
Napi::Value cross_entropy_backward(const Napi::CallbackInfo& info) {
  Args a(info, "crossEntropyBackward");
  return wrap_tensor(info.Env(), ops::cross_entropy_backward(a.tensor(0, "logits"), a.tensor(1, "labels"), a.tensor(2, "lse"),
                                                             a.tensor(3, "gradLoss"), a.integer(4, "ignoreIndex"),
                                                             a.number(5, "labelSmoothing")));
}

// batchNorm(x, weight?, bias?, runningMean?, runningVar?, training, momentum, eps) -> { out, mean, rstd }
Napi::Value batch_norm(const Napi::CallbackInfo& info) {
  Args a(info, "batchNorm");
  const ops::NormResult r = ops::batch_norm(a.tensor(0, "x"), a.opt_tensor(1, "weight"), a.opt_tensor(2, "bias"),
                                            a.opt_tensor(3, "runningMean"), a.opt_tensor(4, "runningVar"),
                                            a.boolean(5, "training", true), a.number(6, "momentum"), a.number(7, "eps"));
  return pack(info.Env(), {{"out", r.out}, {"mean", r.mean}, {"rstd", r.rstd}});
}

// batchNormBackward(grad, x, weight?, mean, rstd, training) -> { gradX, gradWeight, gradBias }
Napi::Value batch_norm_backward(const Napi::CallbackInfo& info) {
  Args a(info, "batchNormBackward");
  const ops::NormGrads g = ops::batch_norm_backward(a.tensor(0, "grad"), a.tensor(1, "x"), a.opt_tensor(2, "weight"),
                                                    a.tensor(3, "mean"), a.tensor(4, "rstd"), a.boolean(5, "training", true));
  return pack(info.Env(), {{"gradX", g.grad_x}, {"gradWeight", g.grad_weight}, {"gradBias", g.grad_bias}});
}

// layerNorm(x, normalizedDims, weight?, bias?, eps) -> { out, mean, rstd }
Napi::Value layer_norm(const Napi::CallbackInfo& info) {
  Args a(info, "layerNorm");
  const ops::NormResult r = ops::layer_norm(a.tensor(0, "x"), a.integer(1, "normalizedDims"), a.opt_tensor(2, "weight"),
                                            a.opt_tensor(3, "bias"), a.number(4, "eps"));
  return pack(info.Env(), {{"out", r.out}, {"mean", r.mean}, {"rstd", r.rstd}});
}

// layerNormBackward(grad, x, normalizedDims, weight?, mean, rstd) -> { gradX, gradWeight, gradBias }
Napi::Value layer_norm_backward(const Napi::CallbackInfo& info) {
  Args a(info, "layerNormBackward");
  const ops::NormGrads g = ops::layer_norm_backward(a.tensor(0, "grad"), a.tensor(1, "x"), a.integer(2, "normalizedDims"),
                                                    a.opt_tensor(3, "weight"), a.tensor(4, "mean"), a.tensor(5, "rstd"));
  return pack(info.Env(), {{"gradX", g.grad_x}, {"gradWeight", g.grad_weight}, {"gradBias", g.grad_bias}});
}

}  // namespace

void register_nn(Napi::Env env, Napi::Object exports) {
  export_fn<activation_grad>(env, exports, "activationGrad");
  export_fn<softmax_backward>(env, exports, "softmaxBackward");
  export_fn<scatter_add>(env, exports, "scatterAdd");
  export_fn<index_add>(env, exports, "indexAdd");
  export_fn<dropout>(env, exports, "dropout");
  export_fn<dropout_backward>(env, exports, "dropoutBackward");
  export_fn<cross_entropy>(env, exports, "crossEntropy");
  export_fn<cross_entropy_backward>(env, exports, "crossEntropyBackward");
  export_fn<batch_norm>(env, exports, "batchNorm");
  export_fn<batch_norm_backward>(env, exports, "batchNormBackward");
  export_fn<layer_norm>(env, exports, "layerNorm");
  export_fn<layer_norm_backward>(env, exports, "layerNormBackward");
}

}  // namespace tl::binding

// Fused optimizer steps: the parameter and its state are updated in place.
#include "dispatch.h"
#include "error.h"
#include "ops.h"

namespace tl::ops {

namespace {

// The parameter and each defined state tensor: contiguous float32 of one shape, writable.
void check_param(const char* op, const Tensor& param, std::initializer_list<std::pair<const char*, const Tensor*>> state) {
  check_dtype(op, "param", param, DType::Float32);
  if (!param.is_contiguous()) range_error(op, ": param must be contiguous (it is updated in place)");
  param.storage()->wait_for_readers();
  for (const auto& [name, t] : state) {
    if (!t->defined()) continue;
    check_same_device(op, param, *t);
    check_dtype(op, name, *t, DType::Float32);
    check_shape(op, name, *t, param.shape());
    if (!t->is_contiguous()) range_error(op, ": ", name, " must be contiguous (it is updated in place)");
    if (t->storage() == param.storage()) range_error(op, ": ", name, " shares memory with param");
    t->storage()->wait_for_readers();
  }
}

Tensor grad_for(const char* op, const Tensor& param, const Tensor& grad) {
  check_same_device(op, param, grad);
  check_dtype(op, "grad", grad, DType::Float32);
  check_shape(op, "grad", grad, param.shape());
  return contiguous(grad);
}

void check_lr(const char* op, double lr) {
  if (!(lr >= 0)) range_error(op, ": lr must be >= 0, got ", lr);
}

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o) {
  check_lr("sgd", o.lr);
  check_param("sgd", param, {{"momentumBuffer", &momentum_buf}});
  TL_DISPATCH(param.device(), sgd_step, param, grad_for("sgd", param, grad), momentum_buf, o);
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o) {
  const char* op = o.decoupled ? "adamw" : "adam";
  check_lr(op, o.lr);
  if (o.step < 1) range_error(op, ": step must be >= 1, got ", o.step);
  if (!exp_avg.defined() || !exp_avg_sq.defined()) range_error(op, ": the moment buffers are required");
  if (o.amsgrad && !max_exp_avg_sq.defined()) range_error(op, ": amsgrad needs the maxExpAvgSq buffer");
  check_param(op, param, {{"expAvg", &exp_avg}, {"expAvgSq", &exp_avg_sq}, {"maxExpAvgSq", &max_exp_avg_sq}});
  TL_DISPATCH(param.device(), adam_step, param, grad_for(op, param, grad), exp_avg, exp_avg_sq,
              o.amsgrad ? max_exp_avg_sq : Tensor(), o);
}

void adam_step_multi(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                     const std::vector<Tensor>& max_exp_avg_sqs, const AdamOptions& o) {
  const char* op = o.decoupled ? "adamw" : "adam";
  check_lr(op, o.lr);
  if (o.step < 1) range_error(op, ": step must be >= 1, got ", o.step);
  const size_t n = params.size();
  if (grads.size() != n || exp_avgs.size() != n || exp_avg_sqs.size() != n || (o.amsgrad && max_exp_avg_sqs.size() != n))
    range_error(op, ": expected as many grads and state buffers as params (", n, ")");
  if (n == 0) return;
  std::vector<Tensor> gs;
  gs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    check_same_device(op, params[0], params[i]);
    const Tensor none;
    check_param(op, params[i], {{"expAvg", &exp_avgs[i]}, {"expAvgSq", &exp_avg_sqs[i]},
                                {"maxExpAvgSq", o.amsgrad ? &max_exp_avg_sqs[i] : &none}});
    if (!exp_avgs[i].defined() || !exp_avg_sqs[i].defined()) range_error(op, ": the moment buffers are required");
    if (o.amsgrad && !max_exp_avg_sqs[i].defined()) range_error(op, ": amsgrad needs the maxExpAvgSq buffer");
    gs.push_back(grad_for(op, params[i], grads[i]));
    for (size_t j = 0; j < i; ++j)
      if (params[j].storage() == params[i].storage()) range_error(op, ": param ", i, " shares memory with param ", j);
  }
  TL_DISPATCH(params[0].device(), adam_step_multi, params, gs, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, o);
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o) {
  check_lr("rmsprop", o.lr);
  if (!square_avg.defined()) range_error("rmsprop: the squareAvg buffer is required");
  if (o.centered && !grad_avg.defined()) range_error("rmsprop: centered needs the gradAvg buffer");
  if (o.momentum > 0 && !momentum_buf.defined()) range_error("rmsprop: momentum needs the momentumBuffer");
  check_param("rmsprop", param, {{"squareAvg", &square_avg}, {"gradAvg", &grad_avg}, {"momentumBuffer", &momentum_buf}});
  TL_DISPATCH(param.device(), rmsprop_step, param, grad_for("rmsprop", param, grad), square_avg,
              o.centered ? grad_avg : Tensor(), o.momentum > 0 ? momentum_buf : Tensor(), o);
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o) {
  check_lr("adagrad", o.lr);
  if (o.step < 1) range_error("adagrad: step must be >= 1, got ", o.step);
  if (!state_sum.defined()) range_error("adagrad: the stateSum buffer is required");
  check_param("adagrad", param, {{"stateSum", &state_sum}});
  TL_DISPATCH(param.device(), adagrad_step, param, grad_for("adagrad", param, grad), state_sum, o);
}

}  // namespace tl::ops

// Fused optimizer updates: one pass over each parameter, in place, following PyTorch's
// single-tensor formulas step by step (same operation order, so results match to float32
// rounding). All tensors are contiguous float32 of the parameter's shape.
#pragma once
#include "../core/optim_options.h"
#include "../core/tensor.h"

#include <vector>

namespace tl::cpu {

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o);

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o);

// Adam over a list of parameters with one options set (max_exp_avg_sqs empty unless amsgrad):
// each tensor as adam_step does it (the GPU's single-launch version computes the same).
void adam_step_multi(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                     const std::vector<Tensor>& max_exp_avg_sqs, const AdamOptions& o);

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o);

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o);

}  // namespace tl::cpu

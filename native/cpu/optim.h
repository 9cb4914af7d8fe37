// Fused optimizer updates: one pass over each parameter, in place, following PyTorch's
// single-tensor formulas step by step (same operation order, so results match to float32
// rounding). All tensors are contiguous float32 of the parameter's shape.
#pragma once
#include "../core/optim_options.h"
#include "../core/tensor.h"

namespace tl::cpu {

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o);

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o);

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o);

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o);

}  // namespace tl::cpu

// Hyperparameters of the fused optimizer kernels (shared by every device's kernels).
#pragma once
#include <cstdint>

namespace tl {

struct SgdOptions {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first_step;  // first_step: the momentum buffer is initialized to the update
};

struct AdamOptions {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;     // 1-based, already incremented
  bool decoupled;   // AdamW: weight decay scales the parameter instead of joining the gradient
  bool amsgrad;
};

struct RmspropOptions {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered;
};

struct AdagradOptions {
  double lr, lr_decay, weight_decay, eps;
  int64_t step;  // 1-based
};

}  // namespace tl

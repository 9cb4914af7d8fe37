// The per-element updates of the fused optimizers, shared by the CPU loops (native/cpu/optim.cc)
// and the CUDA kernels (native/cuda/optim.cu) so both devices follow PyTorch's single-tensor
// formulas in the same operation order. The scalars are derived once per step on the host, in
// double as PyTorch does, and passed by value (a local copy cannot alias the arrays, so the
// CPU loops still vectorize).
#pragma once
#include <cmath>
#include <cstdint>

#include "host_device.h"
#include "optim_options.h"

namespace tl {

struct SgdScalars {
  float lr, momentum, damp_keep, wd;
  bool nesterov, first;
};

inline SgdScalars sgd_scalars(const SgdOptions& o) {
  return {float(o.lr), float(o.momentum), float(1.0 - o.dampening), float(o.weight_decay), o.nesterov, o.first_step};
}

// buf may be null (no momentum).
TL_HOST_DEVICE inline void sgd_update(int64_t i, float* p, const float* g, float* buf, SgdScalars s) {
  float d = g[i];
  if (s.wd != 0.0f) d = d + s.wd * p[i];
  if (buf) {
    const float b = s.first ? d : buf[i] * s.momentum + s.damp_keep * d;
    buf[i] = b;
    d = s.nesterov ? d + s.momentum * b : b;
  }
  p[i] = p[i] + (-s.lr) * d;
}

struct AdamScalars {
  float decay, b1_weight, beta2, one_minus_b2, eps, wd, step_size, bc2_sqrt;
  bool decoupled;
};

inline AdamScalars adam_scalars(const AdamOptions& o) {
  const double bc1 = 1.0 - std::pow(o.beta1, double(o.step));
  const double bc2 = 1.0 - std::pow(o.beta2, double(o.step));
  return {float(1.0 - o.lr * o.weight_decay),  // AdamW's param.mul_(1 - lr * wd)
          float(1.0 - o.beta1),
          float(o.beta2),
          float(1.0 - o.beta2),
          float(o.eps),
          float(o.weight_decay),
          float(o.lr / bc1),
          float(std::sqrt(bc2)),
          o.decoupled};
}

// m2max is null unless amsgrad.
TL_HOST_DEVICE inline void adam_update(int64_t i, float* p, const float* g, float* m1, float* m2, float* m2max,
                                       AdamScalars s) {
  float grad = g[i];
  float param = p[i];
  if (s.wd != 0.0f) {
    if (s.decoupled) param = param * s.decay;
    else grad = grad + s.wd * param;
  }
  // exp_avg.lerp_(grad, 1 - beta1): PyTorch's lerp for weights below 0.5
  const float a = m1[i] + s.b1_weight * (grad - m1[i]);
  const float sq = m2[i] * s.beta2 + s.one_minus_b2 * grad * grad;
  m1[i] = a;
  m2[i] = sq;
  float v = sq;
  if (m2max) {
    v = m2max[i] > sq ? m2max[i] : sq;
    m2max[i] = v;
  }
  const float denom = sqrtf(v) / s.bc2_sqrt + s.eps;
  p[i] = param + (-s.step_size) * a / denom;
}

struct RmspropScalars {
  float lr, alpha, one_minus_alpha, eps, wd, momentum;
};

inline RmspropScalars rmsprop_scalars(const RmspropOptions& o) {
  return {float(o.lr), float(o.alpha), float(1.0 - o.alpha), float(o.eps), float(o.weight_decay), float(o.momentum)};
}

// gavg is null unless centered, buf unless momentum > 0.
TL_HOST_DEVICE inline void rmsprop_update(int64_t i, float* p, const float* g, float* sq, float* gavg, float* buf,
                                          RmspropScalars s) {
  float grad = g[i];
  if (s.wd != 0.0f) grad = grad + s.wd * p[i];
  const float v = sq[i] * s.alpha + s.one_minus_alpha * grad * grad;
  sq[i] = v;
  float avg;
  if (gavg) {
    const float ga = gavg[i] + s.one_minus_alpha * (grad - gavg[i]);
    gavg[i] = ga;
    avg = sqrtf(v + -1.0f * ga * ga) + s.eps;
  } else {
    avg = sqrtf(v) + s.eps;
  }
  if (buf) {
    const float b = buf[i] * s.momentum + grad / avg;
    buf[i] = b;
    p[i] = p[i] + (-s.lr) * b;
  } else {
    p[i] = p[i] + (-s.lr) * grad / avg;
  }
}

struct AdagradScalars {
  float clr, wd, eps;
};

inline AdagradScalars adagrad_scalars(const AdagradOptions& o) {
  return {float(o.lr / (1.0 + double(o.step - 1) * o.lr_decay)), float(o.weight_decay), float(o.eps)};
}

TL_HOST_DEVICE inline void adagrad_update(int64_t i, float* p, const float* g, float* ss, AdagradScalars s) {
  float grad = g[i];
  if (s.wd != 0.0f) grad = grad + s.wd * p[i];
  const float v = ss[i] + grad * grad;
  ss[i] = v;
  p[i] = p[i] + (-s.clr) * grad / (sqrtf(v) + s.eps);
}

}  // namespace tl

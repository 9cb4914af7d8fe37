// Fused optimizer updates, in place, one thread per element (native/cpu/optim.cc): PyTorch's
// single-tensor formulas with the CPU's operation order, and the scalars (bias corrections,
// decayed learning rates) computed on the host in double exactly as the CPU computes them.
// Parameter and state tensors are contiguous float32 of one shape (checked by the dispatcher).
#include <cmath>

#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

float* opt(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

__global__ void sgd_kernel(float* p, const float* g, float* buf, int64_t n, float lr, float m, float damp_keep,
                           float wd, bool nesterov, bool first) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    float d = g[i];
    if (wd != 0.0f) d = d + wd * p[i];
    if (buf) {
      const float b = first ? d : buf[i] * m + damp_keep * d;
      buf[i] = b;
      d = nesterov ? d + m * b : b;
    }
    p[i] = p[i] + (-lr) * d;
  }
}

__global__ void adam_kernel(float* p, const float* g, float* m1, float* m2, float* m2max, int64_t n, float decay,
                            float b1_weight, float beta2, float one_minus_b2, float eps, float wd, bool decoupled,
                            float step_size, float bc2_sqrt) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    float grad = g[i];
    float param = p[i];
    if (wd != 0.0f) {
      if (decoupled) param = param * decay;
      else grad = grad + wd * param;
    }
    // exp_avg.lerp_(grad, 1 - beta1): PyTorch's lerp for weights below 0.5
    const float a = m1[i] + b1_weight * (grad - m1[i]);
    const float s = m2[i] * beta2 + one_minus_b2 * grad * grad;
    m1[i] = a;
    m2[i] = s;
    float v = s;
    if (m2max) {
      v = m2max[i] > s ? m2max[i] : s;
      m2max[i] = v;
    }
    const float denom = sqrtf(v) / bc2_sqrt + eps;
    p[i] = param + (-step_size) * a / denom;
  }
}

__global__ void rmsprop_kernel(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n, float lr,
                               float alpha, float one_minus_alpha, float eps, float wd, float momentum) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    float grad = g[i];
    if (wd != 0.0f) grad = grad + wd * p[i];
    const float s = sq[i] * alpha + one_minus_alpha * grad * grad;
    sq[i] = s;
    float avg;
    if (gavg) {
      const float ga = gavg[i] + one_minus_alpha * (grad - gavg[i]);
      gavg[i] = ga;
      avg = sqrtf(s + -1.0f * ga * ga) + eps;
    } else {
      avg = sqrtf(s) + eps;
    }
    if (buf) {
      const float b = buf[i] * momentum + grad / avg;
      buf[i] = b;
      p[i] = p[i] + (-lr) * b;
    } else {
      p[i] = p[i] + (-lr) * grad / avg;
    }
  }
}

__global__ void adagrad_kernel(float* p, const float* g, float* ss, int64_t n, float clr, float wd, float eps) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    float grad = g[i];
    if (wd != 0.0f) grad = grad + wd * p[i];
    const float s = ss[i] + grad * grad;
    ss[i] = s;
    p[i] = p[i] + (-clr) * grad / (sqrtf(s) + eps);
  }
}

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(), opt(momentum_buf), n,
                                                       float(o.lr), float(o.momentum), float(1.0 - o.dampening),
                                                       float(o.weight_decay), o.nesterov, o.first_step);
  check_launch("sgd");
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  // Scalars as PyTorch computes them: in double on the host, used as float by the kernel.
  const double bc1 = 1.0 - std::pow(o.beta1, double(o.step));
  const double bc2 = 1.0 - std::pow(o.beta2, double(o.step));
  const float step_size = float(o.lr / bc1), bc2_sqrt = float(std::sqrt(bc2));
  const float decay = float(1.0 - o.lr * o.weight_decay);  // AdamW's param.mul_(1 - lr * wd)
  adam_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(
      param.data<float>(), grad.data<float>(), exp_avg.data<float>(), exp_avg_sq.data<float>(), opt(max_exp_avg_sq), n,
      decay, float(1.0 - o.beta1), float(o.beta2), float(1.0 - o.beta2), float(o.eps), float(o.weight_decay),
      o.decoupled, step_size, bc2_sqrt);
  check_launch(o.decoupled ? "adamw" : "adam");
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  rmsprop_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(
      param.data<float>(), grad.data<float>(), square_avg.data<float>(), opt(grad_avg), opt(momentum_buf), n,
      float(o.lr), float(o.alpha), float(1.0 - o.alpha), float(o.eps), float(o.weight_decay), float(o.momentum));
  check_launch("rmsprop");
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  const float clr = float(o.lr / (1.0 + double(o.step - 1) * o.lr_decay));
  adagrad_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(),
                                                           state_sum.data<float>(), n, clr, float(o.weight_decay),
                                                           float(o.eps));
  check_launch("adagrad");
}

}  // namespace tl::cuda

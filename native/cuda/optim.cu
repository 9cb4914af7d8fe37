// Fused optimizer updates, in place, one thread per element. The per-element arithmetic and
// the host-side scalars (bias corrections, decayed learning rates, in double as PyTorch
// computes them) are core/optim_update.h, shared with the CPU loops, so both devices agree.
// Parameter and state tensors are contiguous float32 of one shape (checked by the dispatcher).
#include "../core/optim_update.h"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

float* opt(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

__global__ void sgd_kernel(float* p, const float* g, float* buf, int64_t n, SgdScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) sgd_update(i, p, g, buf, s);
}

__global__ void adam_kernel(float* p, const float* g, float* m1, float* m2, float* m2max, int64_t n, AdamScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) adam_update(i, p, g, m1, m2, m2max, s);
}

__global__ void rmsprop_kernel(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n,
                               RmspropScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) rmsprop_update(i, p, g, sq, gavg, buf, s);
}

__global__ void adagrad_kernel(float* p, const float* g, float* ss, int64_t n, AdagradScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) adagrad_update(i, p, g, ss, s);
}

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(), opt(momentum_buf), n,
                                                       sgd_scalars(o));
  check_launch("sgd");
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  adam_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(),
                                                        exp_avg.data<float>(), exp_avg_sq.data<float>(),
                                                        opt(max_exp_avg_sq), n, adam_scalars(o));
  check_launch(o.decoupled ? "adamw" : "adam");
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  rmsprop_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(),
                                                           square_avg.data<float>(), opt(grad_avg), opt(momentum_buf),
                                                           n, rmsprop_scalars(o));
  check_launch("rmsprop");
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  adagrad_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(),
                                                           state_sum.data<float>(), n, adagrad_scalars(o));
  check_launch("adagrad");
}

}  // namespace tl::cuda

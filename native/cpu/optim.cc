#include "optim.h"

#include "../core/optim_update.h"
#include "../core/parallel.h"
#include "simd_clones.h"

namespace tl::cpu {

namespace {

constexpr int64_t kGrain = 16384;

template <typename Fn>
void over(const Tensor& param, Fn&& fn) {
  parallel_for(0, param.numel(), kGrain, [&](int64_t lo, int64_t hi) { fn(lo, hi); });
}

// One vectorized (target_clones) loop per optimizer over a range; the arithmetic is shared
// with the CUDA kernels in core/optim_update.h.
TL_SIMD_CLONES void sgd_run(float* p, const float* g, float* buf, int64_t n, SgdScalars s) {
  for (int64_t i = 0; i < n; ++i) sgd_update(i, p, g, buf, s);
}

TL_SIMD_CLONES void adam_run(float* p, const float* g, float* m1, float* m2, float* m2max, int64_t n, AdamScalars s) {
  for (int64_t i = 0; i < n; ++i) adam_update(i, p, g, m1, m2, m2max, s);
}

TL_SIMD_CLONES void rmsprop_run(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n,
                                RmspropScalars s) {
  for (int64_t i = 0; i < n; ++i) rmsprop_update(i, p, g, sq, gavg, buf, s);
}

TL_SIMD_CLONES void adagrad_run(float* p, const float* g, float* ss, int64_t n, AdagradScalars s) {
  for (int64_t i = 0; i < n; ++i) adagrad_update(i, p, g, ss, s);
}

float* opt(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }
float* at(float* p, int64_t lo) { return p ? p + lo : nullptr; }

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o) {
  float *p = param.data<float>(), *buf = opt(momentum_buf);
  const float* g = grad.data<float>();
  const SgdScalars s = sgd_scalars(o);
  over(param, [&](int64_t lo, int64_t hi) { sgd_run(p + lo, g + lo, at(buf, lo), hi - lo, s); });
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o) {
  float *p = param.data<float>(), *m1 = exp_avg.data<float>(), *m2 = exp_avg_sq.data<float>();
  float* m2max = opt(max_exp_avg_sq);
  const float* g = grad.data<float>();
  const AdamScalars s = adam_scalars(o);
  over(param, [&](int64_t lo, int64_t hi) { adam_run(p + lo, g + lo, m1 + lo, m2 + lo, at(m2max, lo), hi - lo, s); });
}

void adam_step_multi(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                     const std::vector<Tensor>& max_exp_avg_sqs, const AdamOptions& o) {
  for (size_t i = 0; i < params.size(); ++i)
    adam_step(params[i], grads[i], exp_avgs[i], exp_avg_sqs[i], o.amsgrad ? max_exp_avg_sqs[i] : Tensor(), o);
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o) {
  float *p = param.data<float>(), *sq = square_avg.data<float>(), *ga = opt(grad_avg), *buf = opt(momentum_buf);
  const float* g = grad.data<float>();
  const RmspropScalars s = rmsprop_scalars(o);
  over(param, [&](int64_t lo, int64_t hi) { rmsprop_run(p + lo, g + lo, sq + lo, at(ga, lo), at(buf, lo), hi - lo, s); });
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o) {
  float *p = param.data<float>(), *ss = state_sum.data<float>();
  const float* g = grad.data<float>();
  const AdagradScalars s = adagrad_scalars(o);
  over(param, [&](int64_t lo, int64_t hi) { adagrad_run(p + lo, g + lo, ss + lo, hi - lo, s); });
}

}  // namespace tl::cpu

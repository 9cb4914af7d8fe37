#include "optim.h"

#include <cmath>

#include "../core/parallel.h"
#include "simd_clones.h"

namespace tl::cpu {

namespace {

constexpr int64_t kGrain = 16384;

template <typename Fn>
void over(const Tensor& param, Fn&& fn) {
  parallel_for(0, param.numel(), kGrain, [&](int64_t lo, int64_t hi) { fn(lo, hi); });
}

TL_SIMD_CLONES void sgd_run(float* p, const float* g, float* buf, int64_t n, float lr, float m, float damp_keep,
                            float wd, bool nesterov, bool first) {
  for (int64_t i = 0; i < n; ++i) {
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

TL_SIMD_CLONES void adam_run(float* p, const float* g, float* m1, float* m2, float* m2max, int64_t n, float decay,
                             float b1_weight, float beta2, float one_minus_b2, float eps, float wd, bool decoupled,
                             float step_size, float bc2_sqrt) {
  for (int64_t i = 0; i < n; ++i) {
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
    const float denom = std::sqrt(v) / bc2_sqrt + eps;
    p[i] = param + (-step_size) * a / denom;
  }
}

TL_SIMD_CLONES void rmsprop_run(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n, float lr,
                                float alpha, float one_minus_alpha, float eps, float wd, float momentum) {
  for (int64_t i = 0; i < n; ++i) {
    float grad = g[i];
    if (wd != 0.0f) grad = grad + wd * p[i];
    const float s = sq[i] * alpha + one_minus_alpha * grad * grad;
    sq[i] = s;
    float avg;
    if (gavg) {
      const float ga = gavg[i] + one_minus_alpha * (grad - gavg[i]);
      gavg[i] = ga;
      avg = std::sqrt(s + -1.0f * ga * ga) + eps;
    } else {
      avg = std::sqrt(s) + eps;
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

TL_SIMD_CLONES void adagrad_run(float* p, const float* g, float* ss, int64_t n, float clr, float wd, float eps) {
  for (int64_t i = 0; i < n; ++i) {
    float grad = g[i];
    if (wd != 0.0f) grad = grad + wd * p[i];
    const float s = ss[i] + grad * grad;
    ss[i] = s;
    p[i] = p[i] + (-clr) * grad / (std::sqrt(s) + eps);
  }
}

float* opt(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o) {
  float *p = param.data<float>(), *buf = opt(momentum_buf);
  const float* g = grad.data<float>();
  over(param, [&](int64_t lo, int64_t hi) {
    sgd_run(p + lo, g + lo, buf ? buf + lo : nullptr, hi - lo, float(o.lr), float(o.momentum), float(1.0 - o.dampening),
            float(o.weight_decay), o.nesterov, o.first_step);
  });
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o) {
  float *p = param.data<float>(), *m1 = exp_avg.data<float>(), *m2 = exp_avg_sq.data<float>();
  float* m2max = opt(max_exp_avg_sq);
  const float* g = grad.data<float>();
  // Scalars as PyTorch computes them: in double on the host, used as float by the kernels.
  const double bc1 = 1.0 - std::pow(o.beta1, double(o.step));
  const double bc2 = 1.0 - std::pow(o.beta2, double(o.step));
  const float step_size = float(o.lr / bc1), bc2_sqrt = float(std::sqrt(bc2));
  const float decay = float(1.0 - o.lr * o.weight_decay);  // AdamW's param.mul_(1 - lr * wd)
  over(param, [&](int64_t lo, int64_t hi) {
    adam_run(p + lo, g + lo, m1 + lo, m2 + lo, m2max ? m2max + lo : nullptr, hi - lo, decay,
             float(1.0 - o.beta1), float(o.beta2), float(1.0 - o.beta2), float(o.eps), float(o.weight_decay),
             o.decoupled, step_size, bc2_sqrt);
  });
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o) {
  float *p = param.data<float>(), *sq = square_avg.data<float>(), *ga = opt(grad_avg), *buf = opt(momentum_buf);
  const float* g = grad.data<float>();
  over(param, [&](int64_t lo, int64_t hi) {
    rmsprop_run(p + lo, g + lo, sq + lo, ga ? ga + lo : nullptr, buf ? buf + lo : nullptr, hi - lo, float(o.lr),
                float(o.alpha), float(1.0 - o.alpha), float(o.eps), float(o.weight_decay), float(o.momentum));
  });
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o) {
  float *p = param.data<float>(), *ss = state_sum.data<float>();
  const float* g = grad.data<float>();
  const float clr = float(o.lr / (1.0 + double(o.step - 1) * o.lr_decay));
  over(param, [&](int64_t lo, int64_t hi) {
    adagrad_run(p + lo, g + lo, ss + lo, hi - lo, clr, float(o.weight_decay), float(o.eps));
  });
}

}  // namespace tl::cpu

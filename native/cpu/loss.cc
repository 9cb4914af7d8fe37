#include "loss.h"

#include <algorithm>
#include <cmath>

#include "../core/parallel.h"
#include "simd_clones.h"
#include "vec.h"
#include "vmath.h"

namespace tl::cpu {

namespace {

TL_SIMD_CLONES double sum_exp_shifted(const float* x, int64_t n, float m, double* sum_x) {
  double s = 0, sx = 0;
  for (int64_t i = 0; i < n; ++i) {
    s += vm::exp(x[i] - m);
    sx += double(x[i]);
  }
  *sum_x = sx;
  return s;
}

TL_SIMD_CLONES void ce_grad_row(const float* x, float* gx, int64_t n, float m, float log_s, float scale, float uniform) {
  for (int64_t i = 0; i < n; ++i) gx[i] = scale * (vm::exp((x[i] - m) - log_s) - uniform);
}

}  // namespace

void cross_entropy(const Tensor& logits, const Tensor& labels, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse) {
  const int64_t n = logits.size(0), c = logits.size(1);
  const float* xp = logits.data<float>();
  const int32_t* yp = labels.data<int32_t>();
  float *lp = loss.data<float>(), *sp = lse.data<float>();
  parallel_for(0, n, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, c)), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* row = xp + i * c;
      const float m = vec::extreme<true>(row, c);
      double sum_x = 0;
      const double s = sum_exp_shifted(row, c, m, &sum_x);
      // Everything relative to the row maximum: with logits near 1e38, m + log(s) would round
      // log(s) away; (x_y - m) is exact there.
      const double log_s = std::log(s);
      sp[i] = float(log_s);
      if (yp[i] == ignore_index) {
        lp[i] = 0.0f;
        continue;
      }
      lp[i] = float(log_s - (1.0 - smoothing) * (double(row[yp[i]]) - m) - smoothing * (sum_x / double(c) - m));
    }
  });
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, const Tensor& grad_loss,
                            int64_t ignore_index, double smoothing, const Tensor& grad_logits) {
  const int64_t n = logits.size(0), c = logits.size(1);
  const float *xp = logits.data<float>(), *sp = lse.data<float>(), *gp = grad_loss.data<float>();
  const int32_t* yp = labels.data<int32_t>();
  float* gx = grad_logits.data<float>();
  const float uniform = float(smoothing / double(c));
  parallel_for(0, n, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, c)), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float* out = gx + i * c;
      if (yp[i] == ignore_index) {
        std::fill(out, out + c, 0.0f);
        continue;
      }
      const float m = vec::extreme<true>(xp + i * c, c);  // recomputed: cheaper than saving it
      ce_grad_row(xp + i * c, out, c, m, sp[i], gp[i], uniform);
      out[yp[i]] -= gp[i] * float(1.0 - smoothing);
    }
  });
}

}  // namespace tl::cpu

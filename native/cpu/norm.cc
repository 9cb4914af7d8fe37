// Normalization kernels. Statistics accumulate in double (two-pass: mean, then centred sum
// of squares) so large batches of large values keep their precision; elementwise passes
// stay in float and vectorize.
#include "norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/parallel.h"
#include "simd_clones.h"

namespace tl::cpu {

namespace {

TL_SIMD_CLONES double sum_run(const float* x, int64_t n) {
  double lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) lanes[j] += x[i + j];
  double s = 0;
  for (int j = 0; j < 8; ++j) s += lanes[j];
  for (; i < n; ++i) s += x[i];
  return s;
}

TL_SIMD_CLONES double centred_sq_run(const float* x, int64_t n, double mean) {
  double lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) {
      const double d = x[i + j] - mean;
      lanes[j] += d * d;
    }
  double s = 0;
  for (int j = 0; j < 8; ++j) s += lanes[j];
  for (; i < n; ++i) s += (x[i] - mean) * (x[i] - mean);
  return s;
}

// y = x * scale + shift over a run.
TL_SIMD_CLONES void affine_run(const float* x, float* y, int64_t n, float scale, float shift) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

// sum(g) and sum(g * (x - mean)) over a run.
TL_SIMD_CLONES void grad_sums_run(const float* g, const float* x, int64_t n, float mean, double* sg, double* sgx) {
  double a[8] = {}, b[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) {
      a[j] += g[i + j];
      b[j] += double(g[i + j]) * (x[i + j] - mean);
    }
  double s1 = 0, s2 = 0;
  for (int j = 0; j < 8; ++j) {
    s1 += a[j];
    s2 += b[j];
  }
  for (; i < n; ++i) {
    s1 += g[i];
    s2 += double(g[i]) * (x[i] - mean);
  }
  *sg += s1;
  *sgx += s2;
}

// dx = k * (g - mean_g - (x - mean) * c2) over a run.
TL_SIMD_CLONES void norm_grad_run(const float* g, const float* x, float* dx, int64_t n, float mean, float k,
                                  float mean_g, float c2) {
  for (int64_t i = 0; i < n; ++i) dx[i] = k * (g[i] - mean_g - (x[i] - mean) * c2);
}

const float* opt(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }
float* opt_mut(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

}  // namespace

void batch_norm(const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, bool training, double momentum, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd) {
  const float* xp = x.data<float>();
  float* yp = out.data<float>();
  const float *wp = opt(weight), *bp = opt(bias);
  float *rm = opt_mut(running_mean), *rv = opt_mut(running_var);
  float *mp = mean.data<float>(), *rp = rstd.data<float>();
  const int64_t count = n * s;
  parallel_for(0, c, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, count)), [&](int64_t lo, int64_t hi) {
    for (int64_t ch = lo; ch < hi; ++ch) {
      double m, var;
      if (training) {
        double total = 0;
        for (int64_t i = 0; i < n; ++i) total += sum_run(xp + (i * c + ch) * s, s);
        m = count > 0 ? total / double(count) : 0.0;
        double sq = 0;
        for (int64_t i = 0; i < n; ++i) sq += centred_sq_run(xp + (i * c + ch) * s, s, m);
        var = count > 0 ? sq / double(count) : 0.0;  // biased: used to normalize
        if (rm) rm[ch] = float((1.0 - momentum) * rm[ch] + momentum * m);
        if (rv && count > 1) rv[ch] = float((1.0 - momentum) * rv[ch] + momentum * sq / double(count - 1));
      } else {
        m = rm ? rm[ch] : 0.0;
        var = rv ? rv[ch] : 1.0;
      }
      const double r = 1.0 / std::sqrt(var + eps);
      mp[ch] = float(m);
      rp[ch] = float(r);
      const double scale = r * (wp ? wp[ch] : 1.0f);
      const double shift = (bp ? bp[ch] : 0.0f) - m * scale;
      for (int64_t i = 0; i < n; ++i) affine_run(xp + (i * c + ch) * s, yp + (i * c + ch) * s, s, float(scale), float(shift));
    }
  });
}

void batch_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, bool training, const Tensor& grad_x,
                         const Tensor& grad_weight, const Tensor& grad_bias) {
  const float *gp = grad_out.data<float>(), *xp = x.data<float>(), *wp = opt(weight);
  const float *mp = mean.data<float>(), *rp = rstd.data<float>();
  float* gx = opt_mut(grad_x);
  float *gw = opt_mut(grad_weight), *gb = opt_mut(grad_bias);
  const int64_t count = n * s;
  parallel_for(0, c, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, count)), [&](int64_t lo, int64_t hi) {
    for (int64_t ch = lo; ch < hi; ++ch) {
      double sg = 0, sgx = 0;
      for (int64_t i = 0; i < n; ++i) grad_sums_run(gp + (i * c + ch) * s, xp + (i * c + ch) * s, s, mp[ch], &sg, &sgx);
      const double r = rp[ch];
      if (gw) gw[ch] = float(sgx * r);  // sum(g * xhat)
      if (gb) gb[ch] = float(sg);
      if (!gx) continue;
      const double w = wp ? wp[ch] : 1.0;
      if (training && count > 0) {
        // dx = w * r * (g - mean(g) - xhat * mean(g * xhat))
        const float mean_g = float(sg / double(count));
        const float c2 = float(sgx * r * r / double(count));
        for (int64_t i = 0; i < n; ++i)
          norm_grad_run(gp + (i * c + ch) * s, xp + (i * c + ch) * s, gx + (i * c + ch) * s, s, mp[ch], float(w * r),
                        mean_g, c2);
      } else {
        for (int64_t i = 0; i < n; ++i)
          norm_grad_run(gp + (i * c + ch) * s, xp + (i * c + ch) * s, gx + (i * c + ch) * s, s, mp[ch], float(w * r), 0.0f,
                        0.0f);
      }
    }
  });
}

void layer_norm(const Tensor& x, int64_t rows, int64_t d, const Tensor& weight, const Tensor& bias, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd) {
  const float* xp = x.data<float>();
  float* yp = out.data<float>();
  const float *wp = opt(weight), *bp = opt(bias);
  float *mp = mean.data<float>(), *rp = rstd.data<float>();
  parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, d)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* row = xp + r * d;
      const double m = d > 0 ? sum_run(row, d) / double(d) : 0.0;
      const double var = d > 0 ? centred_sq_run(row, d, m) / double(d) : 0.0;
      const float rs = float(1.0 / std::sqrt(var + eps));
      const float mf = float(m);
      mp[r] = mf;
      rp[r] = rs;
      float* y = yp + r * d;
      for (int64_t j = 0; j < d; ++j) {
        const float xhat = (row[j] - mf) * rs;
        y[j] = (wp ? xhat * wp[j] : xhat) + (bp ? bp[j] : 0.0f);
      }
    }
  });
}

void layer_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t rows, int64_t d, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, const Tensor& grad_x, const Tensor& grad_weight,
                         const Tensor& grad_bias) {
  const float *gp = grad_out.data<float>(), *xp = x.data<float>(), *wp = opt(weight);
  const float *mp = mean.data<float>(), *rp = rstd.data<float>();
  float* gx = opt_mut(grad_x);
  float *gw = opt_mut(grad_weight), *gb = opt_mut(grad_bias);
  // Per-chunk partial sums for the parameter gradients (rows are split over the pool).
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(num_threads(), rows));
  std::vector<std::vector<double>> pw(size_t(chunks), std::vector<double>(gw ? size_t(d) : 0, 0.0));
  std::vector<std::vector<double>> pb(size_t(chunks), std::vector<double>(gb ? size_t(d) : 0, 0.0));
  const int64_t per = (rows + chunks - 1) / chunks;
  parallel_tasks(chunks, [&](int64_t c) {
    std::vector<float> gw_row(static_cast<size_t>(d));
    for (int64_t r = c * per; r < std::min(rows, (c + 1) * per); ++r) {
      const float *g = gp + r * d, *row = xp + r * d;
      const float m = mp[r], rs = rp[r];
      double sum_gw = 0, sum_gwx = 0;
      for (int64_t j = 0; j < d; ++j) {
        const float xhat = (row[j] - m) * rs;
        const float gwj = wp ? g[j] * wp[j] : g[j];
        gw_row[size_t(j)] = gwj;
        sum_gw += gwj;
        sum_gwx += double(gwj) * xhat;
        if (gw) pw[size_t(c)][size_t(j)] += double(g[j]) * xhat;
        if (gb) pb[size_t(c)][size_t(j)] += g[j];
      }
      if (!gx) continue;
      // dx = rs * (g*w - mean(g*w) - xhat * mean(g*w*xhat))
      const float mg = float(sum_gw / double(d)), mgx = float(sum_gwx / double(d));
      float* out = gx + r * d;
      for (int64_t j = 0; j < d; ++j) out[j] = rs * (gw_row[size_t(j)] - mg - (row[j] - m) * rs * mgx);
    }
  });
  for (int64_t j = 0; j < d; ++j) {
    double sw = 0, sb = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      if (gw) sw += pw[size_t(c)][size_t(j)];
      if (gb) sb += pb[size_t(c)][size_t(j)];
    }
    if (gw) gw[j] = float(sw);
    if (gb) gb[j] = float(sb);
  }
}

}  // namespace tl::cpu

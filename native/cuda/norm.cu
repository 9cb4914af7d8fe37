// Batch and layer normalization, forward and backward (native/cpu/norm.cc): the same
// formulas, statistics accumulated in double with the CPU's two passes (mean, then centred
// sum of squares), elementwise passes in float.
//
// Batch norm reduces each channel of x [n, c, s] over n * s elements: blocks (channel, slice)
// write double partials (or, for s < 32, column tiles do, see bn_columns.cuh), a per-channel
// kernel combines them in slice order (deterministic) into the statistics and the
// per-channel affine coefficients, and an elementwise pass applies them. Layer norm gives each row to the lanes of a warp or block; its parameter
// gradients are column sums over rows, done by column tiles with row slices and combined in
// slice order the same way.
#include <algorithm>
#include <cmath>

#include "bn_columns.cuh"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

const float* opt(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }
float* opt_mut(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

// Element e (of n * s) of channel ch in x [n, c, s].
__device__ __forceinline__ int64_t channel_at(int64_t e, int64_t ch, int64_t c, int64_t s) {
  const int64_t i = fast_div(e, s);
  return (i * c + ch) * s + (e - i * s);
}

// Slices per channel so that c * slices blocks fill the GPU, each slice at least 16 elements
// per thread.
int64_t channel_slices(int64_t c, int64_t count) {
  const int64_t target = int64_t(sm_count()) * 4;
  const int64_t want = (target + c - 1) / std::max<int64_t>(c, 1);
  return std::clamp<int64_t>(std::min(want, (count + kThreads * 16 - 1) / (kThreads * 16)), 1, 65535);
}

// Partial sums of channel blockIdx.x over slice blockIdx.y: of x, or (Centred) of (x - mean)^2
// with the mean taken from the first pass's partials.
template <bool Centred>
__global__ void bn_stats(const float* x, int64_t c, int64_t s, int64_t count, int64_t chunk, const double* sums,
                         double* partial) {
  const int64_t ch = blockIdx.x, slices = gridDim.y;
  double m = 0;
  if (Centred) {
    for (int64_t k = 0; k < slices; ++k) m += sums[ch * slices + k];
    m /= double(count);
  }
  const int64_t e0 = int64_t(blockIdx.y) * chunk, e1 = min(count, e0 + chunk);
  double acc = 0;
  for (int64_t e = e0 + threadIdx.x; e < e1; e += blockDim.x) {
    const double v = x[channel_at(e, ch, c, s)];
    acc += Centred ? (v - m) * (v - m) : v;
  }
  acc = row_reduce(acc, SumOp());
  if (threadIdx.x == 0) partial[ch * slices + blockIdx.y] = acc;
}

// Per channel: statistics (batch or running), running-stat update, saved mean/rstd and the
// affine coefficients y = x * scale + shift.
__global__ void bn_finish(const double* sums, const double* sqs, int64_t slices, int64_t c, int64_t count,
                          bool training, double momentum, double eps, const float* w, const float* b, float* rm,
                          float* rv, float* mean, float* rstd, float* coef) {
  for (int64_t ch = thread_index(); ch < c; ch += thread_count()) {
    double m, var;
    if (training) {
      double total = 0, sq = 0;
      for (int64_t k = 0; k < slices; ++k) {
        total += sums[ch * slices + k];
        sq += sqs[ch * slices + k];
      }
      m = count > 0 ? total / double(count) : 0.0;
      var = count > 0 ? sq / double(count) : 0.0;  // biased: used to normalize
      if (rm) rm[ch] = float((1.0 - momentum) * rm[ch] + momentum * m);
      if (rv && count > 1) rv[ch] = float((1.0 - momentum) * rv[ch] + momentum * sq / double(count - 1));
    } else {
      m = rm ? rm[ch] : 0.0;
      var = rv ? rv[ch] : 1.0;
    }
    const double r = 1.0 / sqrt(var + eps);
    mean[ch] = float(m);
    rstd[ch] = float(r);
    const double scale = r * (w ? w[ch] : 1.0f);
    const double shift = (b ? b[ch] : 0.0f) - m * scale;
    coef[2 * ch] = float(scale);
    coef[2 * ch + 1] = float(shift);
  }
}

__global__ void bn_apply(const float* x, float* y, const float* coef, int64_t total, int64_t c, int64_t s) {
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t q = fast_div(t, s), ch = q - fast_div(q, c) * c;
    y[t] = x[t] * coef[2 * ch] + coef[2 * ch + 1];
  }
}

// Partial sum(g) and sum(g * (x - mean)) of channel blockIdx.x over slice blockIdx.y.
__global__ void bn_grad_stats(const float* g, const float* x, const float* mean, int64_t c, int64_t s, int64_t count,
                              int64_t chunk, double* partial) {
  const int64_t ch = blockIdx.x, slices = gridDim.y;
  const float m = mean[ch];
  const int64_t e0 = int64_t(blockIdx.y) * chunk, e1 = min(count, e0 + chunk);
  double sg = 0, sgx = 0;
  for (int64_t e = e0 + threadIdx.x; e < e1; e += blockDim.x) {
    const int64_t at = channel_at(e, ch, c, s);
    sg += g[at];
    sgx += double(g[at]) * (x[at] - m);
  }
  sg = row_reduce(sg, SumOp());
  sgx = row_reduce(sgx, SumOp());
  if (threadIdx.x == 0) {
    partial[2 * (ch * slices + blockIdx.y)] = sg;
    partial[2 * (ch * slices + blockIdx.y) + 1] = sgx;
  }
}

// Per channel: parameter gradients and the coefficients of dx = k (g - mean_g - (x - mean) c2).
__global__ void bn_grad_finish(const double* partial, int64_t slices, int64_t c, int64_t count, bool training,
                               const float* w, const float* rstd, float* gw, float* gb, float* coef) {
  for (int64_t ch = thread_index(); ch < c; ch += thread_count()) {
    double sg = 0, sgx = 0;
    for (int64_t k = 0; k < slices; ++k) {
      sg += partial[2 * (ch * slices + k)];
      sgx += partial[2 * (ch * slices + k) + 1];
    }
    const double r = rstd[ch];
    if (gw) gw[ch] = float(sgx * r);  // sum(g * xhat)
    if (gb) gb[ch] = float(sg);
    const double wv = w ? w[ch] : 1.0;
    const bool batch_stats = training && count > 0;  // eval: the statistics are constants
    coef[3 * ch] = float(wv * r);
    coef[3 * ch + 1] = batch_stats ? float(sg / double(count)) : 0.0f;
    coef[3 * ch + 2] = batch_stats ? float(sgx * r * r / double(count)) : 0.0f;
  }
}

__global__ void bn_grad_apply(const float* g, const float* x, const float* mean, const float* coef, float* dx,
                              int64_t total, int64_t c, int64_t s) {
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t q = fast_div(t, s), ch = q - fast_div(q, c) * c;
    dx[t] = coef[3 * ch] * (g[t] - coef[3 * ch + 1] - (x[t] - mean[ch]) * coef[3 * ch + 2]);
  }
}

__global__ void ln_forward(const float* x, int64_t rows, int64_t d, const float* w, const float* b, double eps,
                           float* y, float* mean, float* rstd) {
  TL_FOR_ROWS(rows) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < rows;
    const float* row = x + (valid ? r : 0) * d;
    const int64_t first = valid ? threadIdx.x : d;
    double sum = 0;
    for (int64_t j = first; j < d; j += blockDim.x) sum += row[j];
    const double m = row_reduce(sum, SumOp()) / double(d);
    double sq = 0;
    for (int64_t j = first; j < d; j += blockDim.x) sq += (row[j] - m) * (row[j] - m);
    const double var = row_reduce(sq, SumOp()) / double(d);
    if (!valid) continue;
    const float rs = float(1.0 / sqrt(var + eps)), mf = float(m);
    if (threadIdx.x == 0) {
      mean[r] = mf;
      rstd[r] = rs;
    }
    float* out = y + r * d;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      const float xhat = (row[j] - mf) * rs;
      out[j] = (w ? xhat * w[j] : xhat) + (b ? b[j] : 0.0f);
    }
  }
}

// dx = rs (g w - mean(g w) - xhat mean(g w xhat)) per row.
__global__ void ln_backward_rows(const float* g, const float* x, int64_t rows, int64_t d, const float* w,
                                 const float* mean, const float* rstd, float* gx) {
  TL_FOR_ROWS(rows) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < rows;
    const float* gr = g + (valid ? r : 0) * d;
    const float* row = x + (valid ? r : 0) * d;
    const float m = valid ? mean[r] : 0.0f, rs = valid ? rstd[r] : 0.0f;
    const int64_t first = valid ? threadIdx.x : d;
    double sum_gw = 0, sum_gwx = 0;
    for (int64_t j = first; j < d; j += blockDim.x) {
      const float xhat = (row[j] - m) * rs;
      const float gwj = w ? gr[j] * w[j] : gr[j];
      sum_gw += gwj;
      sum_gwx += double(gwj) * xhat;
    }
    sum_gw = row_reduce(sum_gw, SumOp());
    sum_gwx = row_reduce(sum_gwx, SumOp());
    if (!valid) continue;
    const float mg = float(sum_gw / double(d)), mgx = float(sum_gwx / double(d));
    float* out = gx + r * d;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      const float gwj = w ? gr[j] * w[j] : gr[j];
      out[j] = rs * (gwj - mg - (row[j] - m) * rs * mgx);
    }
  }
}

constexpr int kLnCols = 32, kLnLanes = 8;

// Column sums sum_r g * xhat and sum_r g over the row slice blockIdx.y for 32 adjacent columns
// (threadIdx.x); the 8 row lanes (threadIdx.y) meet in shared memory in lane order. With one
// slice the results are final, otherwise they are partials [slice][2][d].
__global__ void ln_param_grads(const float* g, const float* x, int64_t rows, int64_t d, const float* mean,
                               const float* rstd, int64_t chunk, double* partial, float* gw, float* gb) {
  __shared__ double sw[kLnLanes][kLnCols + 1], sb[kLnLanes][kLnCols + 1];
  const int64_t j = int64_t(blockIdx.x) * kLnCols + threadIdx.x;
  const int64_t r0 = int64_t(blockIdx.y) * chunk, r1 = min(rows, r0 + chunk);
  double pw = 0, pb = 0;
  if (j < d)
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kLnLanes) {
      const float gv = g[r * d + j];
      const float xhat = (x[r * d + j] - mean[r]) * rstd[r];
      pw += double(gv) * xhat;
      pb += gv;
    }
  sw[threadIdx.y][threadIdx.x] = pw;
  sb[threadIdx.y][threadIdx.x] = pb;
  __syncthreads();
  if (threadIdx.y != 0 || j >= d) return;
  for (int l = 1; l < kLnLanes; ++l) {
    pw += sw[l][threadIdx.x];
    pb += sb[l][threadIdx.x];
  }
  if (partial) {
    partial[(2 * blockIdx.y) * d + j] = pw;
    partial[(2 * blockIdx.y + 1) * d + j] = pb;
  } else {
    if (gw) gw[j] = float(pw);
    if (gb) gb[j] = float(pb);
  }
}

__global__ void ln_param_finish(const double* partial, int64_t slices, int64_t d, float* gw, float* gb) {
  for (int64_t j = thread_index(); j < d; j += thread_count()) {
    double pw = 0, pb = 0;
    for (int64_t k = 0; k < slices; ++k) {
      pw += partial[(2 * k) * d + j];
      pb += partial[(2 * k + 1) * d + j];
    }
    if (gw) gw[j] = float(pw);
    if (gb) gb[j] = float(pb);
  }
}

}  // namespace

void batch_norm(const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, bool training, double momentum, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd) {
  const char* op = "batchNorm";
  if (c == 0) return;
  const int64_t count = n * s;
  const bool columns = training && bn_use_columns(n, s);
  const int64_t slices = !training ? 1 : columns ? bn_col_slices(c * s, n) : channel_slices(c, count);
  const int64_t chunk = std::max<int64_t>(1, (count + slices - 1) / slices);
  // Two [c, slices] double partials (and the column partials), then [c, 2] float coefficients.
  const int64_t col_partial = columns ? slices * c * s : 0;
  const Tensor buf = scratch((2 * c * slices + col_partial) * 8 + 2 * c * 4, op);
  double* sums = static_cast<double*>(buf.raw_data());
  double* sqs = sums + c * slices;
  double* partial = sqs + c * slices;
  float* coef = reinterpret_cast<float*>(partial + col_partial);
  const float* xp = x.data<float>();
  if (columns) {
    bn_columns<ColStat::Sum>(xp, nullptr, n, c, s, slices, nullptr, nullptr, partial, sums, op);
    bn_columns<ColStat::Centred>(xp, nullptr, n, c, s, slices, sums, nullptr, partial, sqs, op);
  } else if (training) {
    const dim3 grid(static_cast<unsigned>(c), static_cast<unsigned>(slices));
    bn_stats<false><<<grid, kThreads, 0, stream()>>>(xp, c, s, count, chunk, nullptr, sums);
    check_launch(op);
    bn_stats<true><<<grid, kThreads, 0, stream()>>>(xp, c, s, count, chunk, sums, sqs);
    check_launch(op);
  }
  bn_finish<<<blocks_for(c), kThreads, 0, stream()>>>(sums, sqs, slices, c, count, training, momentum, eps,
                                                      opt(weight), opt(bias), opt_mut(running_mean),
                                                      opt_mut(running_var), mean.data<float>(), rstd.data<float>(),
                                                      coef);
  check_launch(op);
  const int64_t total = n * c * s;
  if (total == 0) return;
  bn_apply<<<blocks_for(total), kThreads, 0, stream()>>>(xp, out.data<float>(), coef, total, c, s);
  check_launch(op);
}

void batch_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, bool training, const Tensor& grad_x,
                         const Tensor& grad_weight, const Tensor& grad_bias) {
  const char* op = "batchNormBackward";
  if (c == 0) return;
  const int64_t count = n * s;
  const bool columns = bn_use_columns(n, s);
  const int64_t slices = columns ? bn_col_slices(c * s, n) : channel_slices(c, count);
  const int64_t chunk = std::max<int64_t>(1, (count + slices - 1) / slices);
  // [c, slices, 2] doubles (and the column partials), then [c, 3] floats.
  const int64_t col_partial = columns ? slices * 2 * c * s : 0;
  const Tensor buf = scratch((2 * c * slices + col_partial) * 8 + 3 * c * 4, op);
  double* partial = static_cast<double*>(buf.raw_data());
  double* cols = partial + 2 * c * slices;
  float* coef = reinterpret_cast<float*>(cols + col_partial);
  const float *gp = grad_out.data<float>(), *xp = x.data<float>(), *mp = mean.data<float>();
  if (columns) {
    bn_columns<ColStat::Grad>(xp, gp, n, c, s, slices, nullptr, mp, cols, partial, op);
  } else {
    bn_grad_stats<<<dim3(unsigned(c), unsigned(slices)), kThreads, 0, stream()>>>(gp, xp, mp, c, s, count, chunk,
                                                                                  partial);
    check_launch(op);
  }
  bn_grad_finish<<<blocks_for(c), kThreads, 0, stream()>>>(partial, slices, c, count, training, opt(weight),
                                                           rstd.data<float>(), opt_mut(grad_weight),
                                                           opt_mut(grad_bias), coef);
  check_launch(op);
  const int64_t total = n * c * s;
  if (!grad_x.defined() || total == 0) return;
  bn_grad_apply<<<blocks_for(total), kThreads, 0, stream()>>>(gp, xp, mp, coef, grad_x.data<float>(), total, c, s);
  check_launch(op);
}

void layer_norm(const Tensor& x, int64_t rows, int64_t d, const Tensor& weight, const Tensor& bias, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd) {
  if (rows == 0 || d == 0) return;
  const RowLaunch l = row_launch(rows, d);
  ln_forward<<<l.grid, l.block, 0, stream()>>>(x.data<float>(), rows, d, opt(weight), opt(bias), eps,
                                               out.data<float>(), mean.data<float>(), rstd.data<float>());
  check_launch("layerNorm");
}

void layer_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t rows, int64_t d, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, const Tensor& grad_x, const Tensor& grad_weight,
                         const Tensor& grad_bias) {
  const char* op = "layerNormBackward";
  if (d == 0) return;
  const float *gp = grad_out.data<float>(), *xp = x.data<float>();
  const float *mp = mean.data<float>(), *rp = rstd.data<float>();
  float *gw = opt_mut(grad_weight), *gb = opt_mut(grad_bias);
  if (gw || gb) {
    const int64_t col_blocks = (d + kLnCols - 1) / kLnCols, target = int64_t(sm_count()) * 4;
    const int64_t slices = std::clamp<int64_t>(
        std::min((target + col_blocks - 1) / col_blocks, (rows + kLnLanes * 16 - 1) / (kLnLanes * 16)), 1, 65535);
    const int64_t chunk = std::max<int64_t>(1, (rows + slices - 1) / slices);
    Tensor buf;
    double* partial = nullptr;
    if (slices > 1) {
      buf = scratch(2 * slices * d * 8, op);
      partial = static_cast<double*>(buf.raw_data());
    }
    ln_param_grads<<<dim3(unsigned(col_blocks), unsigned(slices)), dim3(kLnCols, kLnLanes), 0, stream()>>>(
        gp, xp, rows, d, mp, rp, chunk, partial, gw, gb);
    check_launch(op);
    if (partial) {
      ln_param_finish<<<blocks_for(d), kThreads, 0, stream()>>>(partial, slices, d, gw, gb);
      check_launch(op);
    }
  }
  if (grad_x.defined() && rows > 0) {
    const RowLaunch l = row_launch(rows, d);
    ln_backward_rows<<<l.grid, l.block, 0, stream()>>>(gp, xp, rows, d, opt(weight), mp, rp, grad_x.data<float>());
    check_launch(op);
  }
}

}  // namespace tl::cuda

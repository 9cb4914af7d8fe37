// Softmax / log-softmax along one dim of a contiguous tensor, seen as
// [outer, D, inner]. With inner == 1 each row is a contiguous vector; otherwise the loops
// run across `inner` columns at once so they still vectorize.
#include <algorithm>
#include <cmath>
#include <vector>

#include "reduce.h"
#include "simd_clones.h"
#include "strided.h"
#include "vec.h"
#include "vmath.h"

namespace tl::cpu {

namespace {

constexpr int64_t kColumnBlock = 256;  // columns handled together when inner > 1

TL_SIMD_CLONES
void softmax_row(const float* x, float* y, int64_t n, bool log) {
  const float m = vec::extreme<true>(x, n);
  double lanes[16] = {};
  int64_t i = 0;
  if (log) {
    for (; i + 16 <= n; i += 16)
      for (int j = 0; j < 16; ++j) lanes[j] += vm::exp(x[i + j] - m);
  } else {
    for (; i + 16 <= n; i += 16)
      for (int j = 0; j < 16; ++j) {
        const float e = vm::exp(x[i + j] - m);
        y[i + j] = e;
        lanes[j] += e;
      }
  }
  double s = 0;
  for (int j = 0; j < 16; ++j) s += lanes[j];
  for (; i < n; ++i) {
    const float e = vm::exp(x[i] - m);
    if (!log) y[i] = e;
    s += e;
  }
  if (log) {
    const float shift = m + float(std::log(s));
    for (int64_t k = 0; k < n; ++k) y[k] = x[k] - shift;
  } else {
    const float inv = float(1.0 / s);
    for (int64_t k = 0; k < n; ++k) y[k] *= inv;
  }
}

// Softmax of `cols` adjacent columns (stride `inner` between the len elements of one column).
TL_SIMD_CLONES
void softmax_columns(const float* x, float* y, int64_t len, int64_t inner, int64_t cols, bool log, float* mx,
                     float* sum) {
  for (int64_t j = 0; j < cols; ++j) {
    mx[j] = -__builtin_inff();
    sum[j] = 0.0f;
  }
  for (int64_t d = 0; d < len; ++d) {
    const float* r = x + d * inner;
    for (int64_t j = 0; j < cols; ++j) mx[j] = (r[j] > mx[j] || r[j] != r[j]) ? r[j] : mx[j];
  }
  for (int64_t d = 0; d < len; ++d) {
    const float* r = x + d * inner;
    float* o = y + d * inner;
    for (int64_t j = 0; j < cols; ++j) {
      const float e = vm::exp(r[j] - mx[j]);
      o[j] = e;
      sum[j] += e;
    }
  }
  for (int64_t j = 0; j < cols; ++j) sum[j] = log ? mx[j] + vm::log(sum[j]) : 1.0f / sum[j];
  for (int64_t d = 0; d < len; ++d) {
    const float* r = x + d * inner;
    float* o = y + d * inner;
    if (log) {
      for (int64_t j = 0; j < cols; ++j) o[j] = r[j] - sum[j];
    } else {
      for (int64_t j = 0; j < cols; ++j) o[j] *= sum[j];
    }
  }
}

// Backward of one row: softmax gx = y (g - sum(g y)); log-softmax gx = g - exp(y) sum(g).
TL_SIMD_CLONES
void softmax_backward_row(const float* g, const float* y, float* gx, int64_t n, int64_t stride, bool log) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += log ? double(g[i * stride]) : double(g[i * stride]) * y[i * stride];
  const float sf = float(s);
  if (log) {
    for (int64_t i = 0; i < n; ++i) gx[i * stride] = g[i * stride] - vm::exp(y[i * stride]) * sf;
  } else {
    for (int64_t i = 0; i < n; ++i) gx[i * stride] = y[i * stride] * (g[i * stride] - sf);
  }
}

}  // namespace

void softmax(const Tensor& x, int64_t dim, bool log, const Tensor& out) {
  if (x.numel() == 0) return;
  const DimSplit s = split_at(x.shape(), dim);
  const float* xp = x.data<float>();
  float* yp = out.data<float>();
  if (s.inner == 1) {
    const int64_t grain = std::max<int64_t>(1, 16384 / s.len);
    parallel_for(0, s.outer, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) softmax_row(xp + o * s.len, yp + o * s.len, s.len, log);
    });
    return;
  }
  const int64_t col_blocks = (s.inner + kColumnBlock - 1) / kColumnBlock;
  parallel_for(0, s.outer * col_blocks, std::max<int64_t>(1, 16384 / (s.len * kColumnBlock)),
               [&](int64_t lo, int64_t hi) {
                 float mx[kColumnBlock], sum[kColumnBlock];
                 for (int64_t task = lo; task < hi; ++task) {
                   const int64_t o = task / col_blocks, j0 = (task % col_blocks) * kColumnBlock;
                   const int64_t off = o * s.len * s.inner + j0;
                   softmax_columns(xp + off, yp + off, s.len, s.inner, std::min(kColumnBlock, s.inner - j0), log, mx,
                                   sum);
                 }
               });
}

void softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log, const Tensor& grad_x) {
  if (y.numel() == 0) return;
  const DimSplit s = split_at(y.shape(), dim);
  const float *gp = grad.data<float>(), *yp = y.data<float>();
  float* gx = grad_x.data<float>();
  // Rows along `dim` are strided by `inner`; every (outer, inner) pair is one independent row.
  parallel_for(0, s.outer * s.inner, std::max<int64_t>(1, 16384 / s.len), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t off = (r / s.inner) * s.len * s.inner + r % s.inner;
      softmax_backward_row(gp + off, yp + off, gx + off, s.len, s.inner, log);
    }
  });
}

}  // namespace tl::cpu

// Softmax / log-softmax and their backward along one dim of a contiguous tensor seen as
// [outer, len, inner] (native/cpu/softmax.cc); the fused cross-entropy is in loss.cu.
// Rows are reduced by the lanes of a warp or block (row_reduce): max first (NaN propagates),
// then the sum of exp(x - max) in double. With many long-strided rows (inner > 1) each
// thread walks one column instead, so adjacent threads read adjacent memory.
#include <algorithm>
#include <cmath>

#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

// First element of row r of [outer, len, inner] (the row's elements are `inner` apart).
__device__ __forceinline__ int64_t row_base(int64_t r, int64_t len, int64_t inner) {
  const int64_t o = fast_div(r, inner);
  return o * len * inner + (r - o * inner);
}

// Columns per thread pay off once there are enough of them to fill the GPU.
bool use_columns(int64_t inner, int64_t columns) { return inner > 1 && columns >= int64_t(sm_count()) * kThreads; }

__global__ void softmax_rows(const float* x, float* y, int64_t rows, int64_t len, int64_t inner, bool log) {
  TL_FOR_ROWS(rows) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < rows;
    const int64_t base = valid ? row_base(r, len, inner) : 0;
    const int64_t first = valid ? threadIdx.x : len;
    float m = -INFINITY;
    for (int64_t d = first; d < len; d += blockDim.x) m = MaxNanOp()(m, x[base + d * inner]);
    m = row_reduce(m, MaxNanOp());
    double s = 0;
    for (int64_t d = first; d < len; d += blockDim.x) s += expf(x[base + d * inner] - m);
    s = row_reduce(s, SumOp());
    if (log) {
      const float shift = m + float(::log(s));
      for (int64_t d = first; d < len; d += blockDim.x) y[base + d * inner] = x[base + d * inner] - shift;
    } else {
      const float inv = float(1.0 / s);
      for (int64_t d = first; d < len; d += blockDim.x) y[base + d * inner] = expf(x[base + d * inner] - m) * inv;
    }
  }
}

__global__ void softmax_cols(const float* x, float* y, int64_t columns, int64_t len, int64_t inner, bool log) {
  for (int64_t c = thread_index(); c < columns; c += thread_count()) {
    const float* p = x + row_base(c, len, inner);
    float* q = y + row_base(c, len, inner);
    float m = -INFINITY;
    for (int64_t d = 0; d < len; ++d) m = MaxNanOp()(m, p[d * inner]);
    double s = 0;
    for (int64_t d = 0; d < len; ++d) s += expf(p[d * inner] - m);
    if (log) {
      const float shift = m + float(::log(s));
      for (int64_t d = 0; d < len; ++d) q[d * inner] = p[d * inner] - shift;
    } else {
      const float inv = float(1.0 / s);
      for (int64_t d = 0; d < len; ++d) q[d * inner] = expf(p[d * inner] - m) * inv;
    }
  }
}

// softmax: gx = y (g - sum(g y)); log-softmax: gx = g - exp(y) sum(g).
__device__ __forceinline__ float softmax_grad(float g, float y, float s, bool log) {
  return log ? g - expf(y) * s : y * (g - s);
}

__global__ void softmax_backward_rows(const float* g, const float* y, float* gx, int64_t rows, int64_t len,
                                      int64_t inner, bool log) {
  TL_FOR_ROWS(rows) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < rows;
    const int64_t base = valid ? row_base(r, len, inner) : 0;
    const int64_t first = valid ? threadIdx.x : len;
    double s = 0;
    for (int64_t d = first; d < len; d += blockDim.x) {
      const int64_t i = base + d * inner;
      s += log ? double(g[i]) : double(g[i]) * y[i];
    }
    const float sf = float(row_reduce(s, SumOp()));
    for (int64_t d = first; d < len; d += blockDim.x) {
      const int64_t i = base + d * inner;
      gx[i] = softmax_grad(g[i], y[i], sf, log);
    }
  }
}

__global__ void softmax_backward_cols(const float* g, const float* y, float* gx, int64_t columns, int64_t len,
                                      int64_t inner, bool log) {
  for (int64_t c = thread_index(); c < columns; c += thread_count()) {
    const int64_t base = row_base(c, len, inner);
    double s = 0;
    for (int64_t d = 0; d < len; ++d) {
      const int64_t i = base + d * inner;
      s += log ? double(g[i]) : double(g[i]) * y[i];
    }
    const float sf = float(s);
    for (int64_t d = 0; d < len; ++d) {
      const int64_t i = base + d * inner;
      gx[i] = softmax_grad(g[i], y[i], sf, log);
    }
  }
}

}  // namespace

void softmax(const Tensor& x, int64_t dim, bool log, const Tensor& out) {
  if (x.numel() == 0) return;
  const DimSplit s = split_at(x.shape(), dim);
  const int64_t rows = s.outer * s.inner;
  if (use_columns(s.inner, rows)) {
    softmax_cols<<<blocks_for(rows), kThreads, 0, stream()>>>(x.data<float>(), out.data<float>(), rows, s.len, s.inner,
                                                              log);
  } else {
    const RowLaunch l = row_launch(rows, s.len);
    softmax_rows<<<l.grid, l.block, 0, stream()>>>(x.data<float>(), out.data<float>(), rows, s.len, s.inner, log);
  }
  check_launch(log ? "logSoftmax" : "softmax");
}

void softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log, const Tensor& grad_x) {
  if (y.numel() == 0) return;
  const DimSplit s = split_at(y.shape(), dim);
  const int64_t rows = s.outer * s.inner;
  const float *g = grad.data<float>(), *yp = y.data<float>();
  float* gx = grad_x.data<float>();
  if (use_columns(s.inner, rows)) {
    softmax_backward_cols<<<blocks_for(rows), kThreads, 0, stream()>>>(g, yp, gx, rows, s.len, s.inner, log);
  } else {
    const RowLaunch l = row_launch(rows, s.len);
    softmax_backward_rows<<<l.grid, l.block, 0, stream()>>>(g, yp, gx, rows, s.len, s.inner, log);
  }
  check_launch(log ? "logSoftmaxBackward" : "softmaxBackward");
}

}  // namespace tl::cuda

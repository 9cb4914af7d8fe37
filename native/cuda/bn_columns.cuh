// Batch-norm statistics for small spatial sizes (s < 32: BatchNorm1d on [N, C], 2x2 feature
// maps). The per-channel kernels of norm.cu give a block one channel, and its threads then
// read elements c * s apart: uncoalesced. Here x is seen as [n, c * s] rows and a block owns
// 32 adjacent columns (threadIdx.x) over a slice of rows (8 row lanes, threadIdx.y), so a warp
// reads 32 consecutive floats. Column partials are folded per channel and slice, in fixed
// order, into the layout norm.cu's finishing kernels read: the same sums, only the order of
// the double additions differs.
#pragma once
#include <algorithm>

#include "common.cuh"

namespace tl::cuda {

namespace {

constexpr int kBnCols = 32, kBnLanes = 8;

enum class ColStat { Sum, Centred, Grad };  // x; (x - batch mean)^2; g and g * (x - saved mean)

// Partials [slice][pairs][W] of column sums over the row slice blockIdx.y (pairs = 2 for Grad).
// Centred takes the batch mean from the folded first-pass sums [c][slices]; Grad the saved mean.
template <ColStat M>
__global__ void bn_col_stats(const float* x, const float* g, int64_t rows, int64_t w, int64_t s, int64_t chunk,
                             const double* sums, int64_t count, const float* mean, double* partial) {
  __shared__ double sa[kBnLanes][kBnCols + 1], sb[kBnLanes][kBnCols + 1];
  const int64_t col = int64_t(blockIdx.x) * kBnCols + threadIdx.x, slices = gridDim.y;
  const int64_t r0 = int64_t(blockIdx.y) * chunk, r1 = min(rows, r0 + chunk);
  double a = 0, b = 0;
  if (col < w) {
    const int64_t ch = fast_div(col, s);
    double m = 0;
    if (M == ColStat::Centred) {
      for (int64_t k = 0; k < slices; ++k) m += sums[ch * slices + k];
      m /= double(count);
    }
    const float mf = M == ColStat::Grad ? mean[ch] : 0.0f;
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kBnLanes) {
      const float v = x[r * w + col];
      if (M == ColStat::Sum) {
        a += v;
      } else if (M == ColStat::Centred) {
        a += (double(v) - m) * (double(v) - m);
      } else {
        const float gv = g[r * w + col];
        a += gv;
        b += double(gv) * (v - mf);
      }
    }
  }
  sa[threadIdx.y][threadIdx.x] = a;
  sb[threadIdx.y][threadIdx.x] = b;
  __syncthreads();
  if (threadIdx.y != 0 || col >= w) return;
  for (int l = 1; l < kBnLanes; ++l) {
    a += sa[l][threadIdx.x];
    b += sb[l][threadIdx.x];
  }
  const int pairs = M == ColStat::Grad ? 2 : 1;
  partial[(int64_t(blockIdx.y) * pairs) * w + col] = a;
  if (pairs == 2) partial[(int64_t(blockIdx.y) * pairs + 1) * w + col] = b;
}

// out[(ch * slices + k) * pairs + q] = sum over the channel's s columns of partial[k][q][.].
__global__ void bn_col_fold(const double* partial, int64_t w, int64_t s, int64_t c, int64_t slices, int pairs,
                            double* out) {
  const int64_t total = c * slices * pairs;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t q = t % pairs, ck = t / pairs, ch = ck / slices, k = ck - ch * slices;
    const double* p = partial + (k * pairs + q) * w + ch * s;
    double acc = 0;
    for (int64_t j = 0; j < s; ++j) acc += p[j];
    out[t] = acc;
  }
}

// Row slices so that column tiles x slices fill the GPU, each slice at least 16 rows per lane.
int64_t bn_col_slices(int64_t w, int64_t rows) {
  const int64_t tiles = (w + kBnCols - 1) / kBnCols, target = int64_t(sm_count()) * 4;
  return std::clamp<int64_t>(std::min((target + tiles - 1) / tiles, (rows + kBnLanes * 16 - 1) / (kBnLanes * 16)), 1,
                             65535);
}

bool bn_use_columns(int64_t n, int64_t s) { return n > 0 && s > 0 && s < 32; }

// One statistic of x [n, c, s] (and g) into out, laid out as norm.cu's per-channel kernels
// write it ([c][slices], times 2 for Grad); `partial` holds slices * pairs * c * s doubles.
template <ColStat M>
void bn_columns(const float* x, const float* g, int64_t n, int64_t c, int64_t s, int64_t slices, const double* sums,
                const float* mean, double* partial, double* out, const char* op) {
  const int64_t w = c * s, chunk = std::max<int64_t>(1, (n + slices - 1) / slices);
  const dim3 grid(unsigned((w + kBnCols - 1) / kBnCols), unsigned(slices));
  bn_col_stats<M><<<grid, dim3(kBnCols, kBnLanes), 0, stream()>>>(x, g, n, w, s, chunk, sums, n * s, mean, partial);
  check_launch(op);
  const int pairs = M == ColStat::Grad ? 2 : 1;
  bn_col_fold<<<blocks_for(c * slices * pairs), kThreads, 0, stream()>>>(partial, w, s, c, slices, pairs, out);
  check_launch(op);
}

}  // namespace

}  // namespace tl::cuda

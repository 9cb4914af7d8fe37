// Iteration over N strided operands of one shape, the way every elementwise kernel walks
// memory: size-1 dims dropped, mergeable dims coalesced, then the innermost dim handed to
// a 1-D loop as a "run" (offsets + length + inner strides) so contiguous runs vectorize.
#pragma once
#include <array>
#include <cstdint>

#include "../core/parallel.h"
#include "../core/shape.h"

namespace tl::cpu {

template <int N>
struct StridedPlan {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[N][kMaxDims];

  int64_t inner() const { return ndim == 0 ? 1 : shape[ndim - 1]; }
  int64_t rows() const {
    int64_t r = 1;
    for (int d = 0; d + 1 < ndim; ++d) r *= shape[d];
    return r;
  }
};

// Operand strides must have shape.size() entries (broadcast dims carry stride 0).
template <int N>
StridedPlan<N> make_plan(const Shape& shape, const std::array<const Strides*, N>& strides) {
  StridedPlan<N> p;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = p.ndim > 0;
    for (int k = 0; k < N && merge; ++k)
      merge = p.strides[k][p.ndim - 1] == (*strides[k])[d] * shape[d];
    if (merge) {
      p.shape[p.ndim - 1] *= shape[d];
      for (int k = 0; k < N; ++k) p.strides[k][p.ndim - 1] = (*strides[k])[d];
    } else {
      p.shape[p.ndim] = shape[d];
      for (int k = 0; k < N; ++k) p.strides[k][p.ndim] = (*strides[k])[d];
      ++p.ndim;
    }
  }
  return p;
}

// Calls fn(const int64_t offsets[N], int64_t n, const int64_t inner_strides[N]) for rows
// [row_lo, row_hi) of the plan.
template <int N, typename Fn>
void for_each_run(const StridedPlan<N>& p, int64_t row_lo, int64_t row_hi, Fn&& fn) {
  int64_t inner_strides[N];
  for (int k = 0; k < N; ++k) inner_strides[k] = p.ndim == 0 ? 0 : p.strides[k][p.ndim - 1];
  const int64_t n = p.inner();
  const int outer = p.ndim - 1;
  int64_t idx[kMaxDims] = {};
  int64_t off[N] = {};
  int64_t rem = row_lo;
  for (int d = outer - 1; d >= 0; --d) {
    idx[d] = rem % p.shape[d];
    rem /= p.shape[d];
    for (int k = 0; k < N; ++k) off[k] += idx[d] * p.strides[k][d];
  }
  for (int64_t row = row_lo; row < row_hi; ++row) {
    fn(static_cast<const int64_t*>(off), n, static_cast<const int64_t*>(inner_strides));
    for (int d = outer - 1; d >= 0; --d) {  // odometer increment
      for (int k = 0; k < N; ++k) off[k] += p.strides[k][d];
      if (++idx[d] < p.shape[d]) break;
      for (int k = 0; k < N; ++k) off[k] -= p.strides[k][d] * p.shape[d];
      idx[d] = 0;
    }
  }
}

// Elements per parallel chunk for cheap elementwise work: below this, threads cost more
// than they save.
constexpr int64_t kElementwiseGrain = 32768;

// Runs for_each_run over the whole plan, spread across the pool by rows.
template <int N, typename Fn>
void parallel_runs(const StridedPlan<N>& p, int64_t grain_elements, Fn&& fn) {
  const int64_t inner = p.inner() > 0 ? p.inner() : 1;
  const int64_t row_grain = grain_elements / inner > 0 ? grain_elements / inner : 1;
  const int64_t rows = p.rows();
  if (rows == 1 && p.inner() > grain_elements) {
    // One long run: split it so both cores stream memory.
    parallel_for(0, p.inner(), grain_elements, [&](int64_t lo, int64_t hi) {
      int64_t off[N], st[N];
      for (int k = 0; k < N; ++k) {
        st[k] = p.ndim == 0 ? 0 : p.strides[k][p.ndim - 1];
        off[k] = lo * st[k];
      }
      fn(static_cast<const int64_t*>(off), hi - lo, static_cast<const int64_t*>(st));
    });
    return;
  }
  parallel_for(0, rows, row_grain, [&](int64_t lo, int64_t hi) { for_each_run<N>(p, lo, hi, fn); });
}

}  // namespace tl::cpu

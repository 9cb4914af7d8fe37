// Reductions over any set of dims. The input is walked in memory order; each reduced run
// either collapses to one value (innermost dim reduced) or is added elementwise into a row of
// accumulators (innermost dim kept), so both layouts stream memory with unit stride.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "reduce.h"
#include "../core/parallel.h"
#include "simd_clones.h"
#include "strided.h"
#include "vec.h"

namespace tl::cpu {

namespace {

constexpr int kLanes = 16;
constexpr int64_t kReduceGrain = 65536;

// Float inputs accumulate in double, int32 inputs in int64 (products wrap in uint64).
template <typename Acc>
Acc identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::Prod: return Acc(1);
    case ReduceOp::Max:
      return std::numeric_limits<Acc>::has_infinity ? -std::numeric_limits<Acc>::infinity()
                                                    : std::numeric_limits<Acc>::lowest();
    case ReduceOp::Min:
      return std::numeric_limits<Acc>::has_infinity ? std::numeric_limits<Acc>::infinity()
                                                    : std::numeric_limits<Acc>::max();
    default: return Acc(0);
  }
}

// NaN wins max and min, as in PyTorch.
template <typename Acc>
inline Acc combine(ReduceOp op, Acc a, Acc b) {
  switch (op) {
    case ReduceOp::Max: return (b > a || b != b) ? b : a;
    case ReduceOp::Min: return (b < a || b != b) ? b : a;
    case ReduceOp::Prod:
      if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(a) * uint64_t(b));
      else return a * b;
    default:
      if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(a) + uint64_t(b));
      else return a + b;
  }
}

template <typename T, typename Acc, ReduceOp Op>
inline Acc fold(const T* x, int64_t sx, int64_t n) {
  Acc lanes[kLanes];
  for (int j = 0; j < kLanes; ++j) lanes[j] = identity<Acc>(Op);
  int64_t i = 0;
  if (sx == 1) {
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) lanes[j] = combine<Acc>(Op, lanes[j], Acc(x[i + j]));
  }
  Acc r = identity<Acc>(Op);
  for (int j = 0; j < kLanes; ++j) r = combine<Acc>(Op, r, lanes[j]);
  for (; i < n; ++i) r = combine<Acc>(Op, r, Acc(x[i * sx]));
  return r;
}

template <typename T, typename Acc, ReduceOp Op>
inline void accumulate(const T* x, int64_t sx, Acc* acc, int64_t sa, int64_t n) {
  if (sx == 1 && sa == 1) {
    for (int64_t i = 0; i < n; ++i) acc[i] = combine<Acc>(Op, acc[i], Acc(x[i]));
  } else {
    for (int64_t i = 0; i < n; ++i) acc[i * sa] = combine<Acc>(Op, acc[i * sa], Acc(x[i * sx]));
  }
}

#define TL_REDUCE_SWITCH(OP, CALL)                        \
  switch (OP) {                                           \
    case ReduceOp::Max: return CALL(ReduceOp::Max);       \
    case ReduceOp::Min: return CALL(ReduceOp::Min);       \
    case ReduceOp::Prod: return CALL(ReduceOp::Prod);     \
    default: return CALL(ReduceOp::Sum);                  \
  }

TL_SIMD_CLONES double fold_f32(ReduceOp op, const float* x, int64_t sx, int64_t n) {
  if (sx == 1 && op == ReduceOp::Max) return vec::extreme<true>(x, n);
  if (sx == 1 && op == ReduceOp::Min) return vec::extreme<false>(x, n);
#define TL_CALL(O) fold<float, double, O>(x, sx, n)
  TL_REDUCE_SWITCH(op, TL_CALL)
#undef TL_CALL
}
TL_SIMD_CLONES int64_t fold_i32(ReduceOp op, const int32_t* x, int64_t sx, int64_t n) {
#define TL_CALL(O) fold<int32_t, int64_t, O>(x, sx, n)
  TL_REDUCE_SWITCH(op, TL_CALL)
#undef TL_CALL
}
TL_SIMD_CLONES void accumulate_f32(ReduceOp op, const float* x, int64_t sx, double* acc, int64_t sa, int64_t n) {
#define TL_CALL(O) accumulate<float, double, O>(x, sx, acc, sa, n)
  TL_REDUCE_SWITCH(op, TL_CALL)
#undef TL_CALL
}
TL_SIMD_CLONES void accumulate_i32(ReduceOp op, const int32_t* x, int64_t sx, int64_t* acc, int64_t sa, int64_t n) {
#define TL_CALL(O) accumulate<int32_t, int64_t, O>(x, sx, acc, sa, n)
  TL_REDUCE_SWITCH(op, TL_CALL)
#undef TL_CALL
}

inline double fold_run(ReduceOp op, const float* x, int64_t sx, int64_t n) { return fold_f32(op, x, sx, n); }
inline int64_t fold_run(ReduceOp op, const int32_t* x, int64_t sx, int64_t n) { return fold_i32(op, x, sx, n); }
inline void accumulate_run(ReduceOp op, const float* x, int64_t sx, double* acc, int64_t sa, int64_t n) {
  accumulate_f32(op, x, sx, acc, sa, n);
}
inline void accumulate_run(ReduceOp op, const int32_t* x, int64_t sx, int64_t* acc, int64_t sa, int64_t n) {
  accumulate_i32(op, x, sx, acc, sa, n);
}

// Dims in loop order with the accumulator stride (0 on reduced dims) and the input stride.
StridedPlan<2> make_reduce_plan(const Tensor& x, const std::vector<bool>& mask) {
  const size_t nd = size_t(x.dim());
  Shape keep_shape = x.shape();
  for (size_t d = 0; d < nd; ++d)
    if (mask[d]) keep_shape[d] = 1;
  Strides acc_strides = contiguous_strides(keep_shape);
  for (size_t d = 0; d < nd; ++d)
    if (mask[d]) acc_strides[d] = 0;
  // Memory order of the input: largest stride outermost.
  std::vector<size_t> order(nd);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return std::abs(x.stride(int64_t(a))) > std::abs(x.stride(int64_t(b))); });
  Shape shape(nd);
  Strides as(nd), xs(nd);
  for (size_t i = 0; i < nd; ++i) {
    shape[i] = x.size(int64_t(order[i]));
    as[i] = acc_strides[order[i]];
    xs[i] = x.stride(int64_t(order[i]));
  }
  StridedPlan<2> p = make_plan<2>(shape, {&as, &xs});
  if (p.ndim > 0 && p.strides[0][p.ndim - 1] == 0) {
    // Innermost dim reduced: put kept dims outside so each output's work is contiguous.
    StridedPlan<2> q = p;
    int k = 0;
    for (int pass = 0; pass < 2; ++pass)
      for (int d = 0; d < p.ndim; ++d)
        if ((p.strides[0][d] == 0) == (pass == 1)) {
          q.shape[k] = p.shape[d];
          q.strides[0][k] = p.strides[0][d];
          q.strides[1][k] = p.strides[1][d];
          ++k;
        }
    p = q;
  }
  return p;
}

// Runs the plan with dim `split` restricted to [lo, hi).
template <typename T, typename Acc>
void run_slice(ReduceOp op, StridedPlan<2> p, int split, int64_t lo, int64_t hi, const T* x, Acc* acc) {
  if (split >= 0) {
    x += lo * p.strides[1][split];
    acc += lo * p.strides[0][split];
    p.shape[split] = hi - lo;
  }
  for_each_run<2>(p, 0, p.rows(), [&](const int64_t* off, int64_t n, const int64_t* st) {
    if (st[0] == 0) {
      acc[off[0]] = combine<Acc>(op, acc[off[0]], fold_run(op, x + off[1], st[1], n));
    } else {
      accumulate_run(op, x + off[1], st[1], acc + off[0], st[0], n);
    }
  });
}

template <typename T, typename Acc>
void reduce_typed(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, const Tensor& out) {
  const int64_t n_out = out.numel();
  std::vector<Acc> acc(size_t(n_out), identity<Acc>(op));
  const int64_t n_in = x.numel();
  if (n_in > 0) {
    const StridedPlan<2> p = make_reduce_plan(x, mask);
    const T* xp = x.data<T>();
    // Split a kept dim when one is large enough (threads own disjoint outputs); otherwise
    // split a reduced dim and give each chunk private accumulators.
    int kept = -1, reduced = -1;
    for (int d = 0; d < p.ndim; ++d) {
      if (p.strides[0][d] != 0 && (kept < 0 || p.shape[d] > p.shape[kept])) kept = d;
      if (p.strides[0][d] == 0 && (reduced < 0 || p.shape[d] > p.shape[reduced])) reduced = d;
    }
    const int threads = num_threads();
    // Column sums ([rows, cols] over dim 0): many short runs of every row per thread, at a
    // large stride, defeat the prefetcher (4096^2 measured 9 GB/s on 2 threads vs 16 on
    // one). With few columns each thread streams a block of whole rows into private
    // accumulators (they stay in L2); with many, threads take wide column blocks (runs of
    // >= 16 KB per row).
    const bool inner_kept = kept == p.ndim - 1;
    const bool rows_of_accumulators = inner_kept && reduced >= 0 && p.shape[reduced] >= 4 * threads && n_out <= 16384;
    if (n_in < kReduceGrain || threads == 1) {
      run_slice<T, Acc>(op, p, -1, 0, 0, xp, acc.data());
    } else if (kept >= 0 && p.shape[kept] >= threads && !rows_of_accumulators) {
      int64_t grain = std::max<int64_t>(1, kReduceGrain / (n_in / p.shape[kept]));
      if (inner_kept) grain = std::max(grain, std::min<int64_t>(4096, (p.shape[kept] + threads - 1) / threads));
      parallel_for(0, p.shape[kept], grain,
                   [&](int64_t lo, int64_t hi) { run_slice<T, Acc>(op, p, kept, lo, hi, xp, acc.data()); });
    } else if (reduced >= 0) {
      const int64_t len = p.shape[reduced];
      const int64_t chunks = std::min<int64_t>(threads, len);
      std::vector<std::vector<Acc>> partial(size_t(chunks), std::vector<Acc>(size_t(n_out), identity<Acc>(op)));
      const int64_t step = (len + chunks - 1) / chunks;
      parallel_tasks(chunks, [&](int64_t c) {
        const int64_t lo = c * step, hi = std::min(len, lo + step);
        if (lo < hi) run_slice<T, Acc>(op, p, reduced, lo, hi, xp, partial[size_t(c)].data());
      });
      for (const auto& part : partial)
        for (int64_t i = 0; i < n_out; ++i) acc[size_t(i)] = combine<Acc>(op, acc[size_t(i)], part[size_t(i)]);
    } else {
      run_slice<T, Acc>(op, p, -1, 0, 0, xp, acc.data());
    }
  }
  const int64_t count = n_out == 0 ? 0 : n_in / std::max<int64_t>(n_out, 1);
  if (op == ReduceOp::Mean) {  // float32 out for either input dtype
    float* y = out.data<float>();
    for (int64_t i = 0; i < n_out; ++i) y[i] = float(double(acc[size_t(i)]) / double(count));
  } else if constexpr (std::is_integral_v<T>) {
    T* y = out.data<T>();
    for (int64_t i = 0; i < n_out; ++i) y[i] = T(uint32_t(uint64_t(acc[size_t(i)])));  // int32 wraps
  } else {
    T* y = out.data<T>();
    for (int64_t i = 0; i < n_out; ++i) y[i] = T(acc[size_t(i)]);
  }
}

template <bool IsMax>
inline bool better(float v, float best) {
  // Strict comparison keeps the first occurrence; the first NaN beats everything.
  return (IsMax ? v > best : v < best) || (v != v && best == best);
}

// Index of the extreme along the middle dim of [outer, len, inner], kArgColumnBlock columns
// at a time when inner > 1 (so the inner loop still runs over adjacent memory).
constexpr int64_t kArgColumnBlock = 256;

template <bool IsMax, typename T>
void arg_reduce_typed(const T* x, int32_t* out, const DimSplit& s) {
  const int64_t col_blocks = (s.inner + kArgColumnBlock - 1) / kArgColumnBlock;
  parallel_for(0, s.outer * col_blocks, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, s.len * kArgColumnBlock)),
               [&](int64_t lo, int64_t hi) {
                 std::vector<T> best(static_cast<size_t>(kArgColumnBlock));
                 for (int64_t task = lo; task < hi; ++task) {
                   const int64_t o = task / col_blocks, j0 = (task % col_blocks) * kArgColumnBlock;
                   const int64_t cols = std::min(kArgColumnBlock, s.inner - j0);
                   const T* base = x + o * s.len * s.inner + j0;
                   int32_t* idx = out + o * s.inner + j0;
                   for (int64_t j = 0; j < cols; ++j) {
                     best[size_t(j)] = base[j];
                     idx[j] = 0;
                   }
                   for (int64_t d = 1; d < s.len; ++d) {
                     const T* r = base + d * s.inner;
                     for (int64_t j = 0; j < cols; ++j) {
                       const bool b = std::is_integral_v<T> ? (IsMax ? r[j] > best[size_t(j)] : r[j] < best[size_t(j)])
                                                            : better<IsMax>(float(r[j]), float(best[size_t(j)]));
                       best[size_t(j)] = b ? r[j] : best[size_t(j)];
                       idx[j] = b ? int32_t(d) : idx[j];
                     }
                   }
                 }
               });
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, const Tensor& out) {
  if (x.dtype() == DType::Int32) reduce_typed<int32_t, int64_t>(op, x, mask, out);
  else reduce_typed<float, double>(op, x, mask, out);
}

void arg_reduce(bool is_max, const Tensor& x, int64_t dim, const Tensor& out) {
  if (x.numel() == 0) return;
  const DimSplit s = split_at(x.shape(), dim);
  int32_t* o = out.data<int32_t>();
  if (x.dtype() == DType::Int32) {
    if (is_max) arg_reduce_typed<true>(x.data<int32_t>(), o, s);
    else arg_reduce_typed<false>(x.data<int32_t>(), o, s);
  } else {
    if (is_max) arg_reduce_typed<true>(x.data<float>(), o, s);
    else arg_reduce_typed<false>(x.data<float>(), o, s);
  }
}

}  // namespace tl::cpu

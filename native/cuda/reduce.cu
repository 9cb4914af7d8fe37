// Reductions over any set of dims of a strided tensor, and arg-reductions along one dim
// (native/cpu/reduce.cc, softmax.cc). Float inputs accumulate in double, int32 ones in int64
// (sums and products wrap), exactly as on the CPU; only the summation order differs.
//
// The input is split into kept dims (one output each, row-major = the contiguous output's
// order) and reduced dims (sorted by stride, innermost last). When the reduced elements are
// the closer ones in memory, lanes of a warp (or block) share one output ("rows"); otherwise
// adjacent threads own adjacent outputs and walk the reduction themselves ("columns"). With
// too few outputs to fill the GPU the reduction is also split across blocks into partials
// that a last kernel combines in a fixed order (deterministic for a given GPU).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

using WideIx = Indexer<1, kMaxDims>;

struct ReduceGeometry {
  WideIx kept;     // output index -> input offset
  WideIx reduced;  // reduction index -> input offset
  int64_t K, R;    // outputs, elements per output
};

template <ReduceOp Op, typename Acc>
__device__ __forceinline__ Acc identity() {
  if constexpr (Op == ReduceOp::Prod) return Acc(1);
  else if constexpr (Op == ReduceOp::Max)
    return std::numeric_limits<Acc>::has_infinity ? -std::numeric_limits<Acc>::infinity()
                                                  : std::numeric_limits<Acc>::lowest();
  else if constexpr (Op == ReduceOp::Min)
    return std::numeric_limits<Acc>::has_infinity ? std::numeric_limits<Acc>::infinity()
                                                  : std::numeric_limits<Acc>::max();
  else return Acc(0);
}

// NaN wins max and min; int64 sums and products wrap through uint64.
template <ReduceOp Op, typename Acc>
struct Combine {
  __device__ Acc operator()(Acc a, Acc b) const {
    if constexpr (Op == ReduceOp::Max) return (b > a || b != b) ? b : a;
    else if constexpr (Op == ReduceOp::Min) return (b < a || b != b) ? b : a;
    else if constexpr (Op == ReduceOp::Prod) {
      if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(a) * uint64_t(b));
      else return a * b;
    } else {
      if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(a) + uint64_t(b));
      else return a + b;
    }
  }
};

// The output value: the mean as float32 for either input dtype, int32 results wrapped.
template <typename T, typename Acc>
__device__ void store(void* out, int64_t k, Acc acc, bool mean, int64_t count) {
  if (mean) static_cast<float*>(out)[k] = float(double(acc) / double(count));
  else if constexpr (std::is_integral_v<T>) static_cast<T*>(out)[k] = T(uint32_t(uint64_t(acc)));
  else static_cast<T*>(out)[k] = T(acc);
}

// blockDim.x lanes per output, blockDim.y outputs per block, blockIdx.y picks the slice
// [y * chunk, (y + 1) * chunk) of the reduction. partial == null: write the outputs.
template <ReduceOp Op, typename T, typename Acc>
__global__ void reduce_rows(const T* x, ReduceGeometry g, int64_t chunk, Acc* partial, void* out, bool mean) {
  const Combine<Op, Acc> combine;
  const int64_t r0 = int64_t(blockIdx.y) * chunk, r1 = min(g.R, r0 + chunk);
  for (int64_t k0 = int64_t(blockIdx.x) * blockDim.y; k0 < g.K; k0 += int64_t(gridDim.x) * blockDim.y) {
    const int64_t k = k0 + threadIdx.y;
    Acc acc = identity<Op, Acc>();
    if (k < g.K) {
      int64_t base, off;
      g.kept.offsets(k, &base);
      for (int64_t r = r0 + threadIdx.x; r < r1; r += blockDim.x) {
        g.reduced.offsets(r, &off);
        acc = combine(acc, Acc(x[base + off]));
      }
    }
    acc = row_reduce(acc, combine);
    if (k < g.K && threadIdx.x == 0) {
      if (partial) partial[int64_t(blockIdx.y) * g.K + k] = acc;
      else store<T, Acc>(out, k, acc, mean, g.R);
    }
  }
}

constexpr int kColOutputs = 32, kColLanes = 8;

// threadIdx.x: adjacent outputs; threadIdx.y: lanes over the reduction, combined in shared
// memory in lane order.
template <ReduceOp Op, typename T, typename Acc>
__global__ void reduce_cols(const T* x, ReduceGeometry g, int64_t chunk, Acc* partial, void* out, bool mean) {
  __shared__ Acc lanes[kColLanes][kColOutputs + 1];
  const Combine<Op, Acc> combine;
  const int64_t r0 = int64_t(blockIdx.y) * chunk, r1 = min(g.R, r0 + chunk);
  for (int64_t k0 = int64_t(blockIdx.x) * kColOutputs; k0 < g.K; k0 += int64_t(gridDim.x) * kColOutputs) {
    const int64_t k = k0 + threadIdx.x;
    Acc acc = identity<Op, Acc>();
    if (k < g.K) {
      int64_t base, off;
      g.kept.offsets(k, &base);
      for (int64_t r = r0 + threadIdx.y; r < r1; r += kColLanes) {
        g.reduced.offsets(r, &off);
        acc = combine(acc, Acc(x[base + off]));
      }
    }
    lanes[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && k < g.K) {
      for (int l = 1; l < kColLanes; ++l) acc = combine(acc, lanes[l][threadIdx.x]);
      if (partial) partial[int64_t(blockIdx.y) * g.K + k] = acc;
      else store<T, Acc>(out, k, acc, mean, g.R);
    }
    __syncthreads();
  }
}

// Combines the splits' partials of each output in split order.
template <ReduceOp Op, typename T, typename Acc>
__global__ void reduce_finish(const Acc* partial, int64_t splits, int64_t K, int64_t R, void* out, bool mean) {
  const Combine<Op, Acc> combine;
  for (int64_t k = thread_index(); k < K; k += thread_count()) {
    Acc acc = partial[k];
    for (int64_t s = 1; s < splits; ++s) acc = combine(acc, partial[s * K + k]);
    store<T, Acc>(out, k, acc, mean, R);
  }
}

template <ReduceOp Op, typename T, typename Acc>
void launch_reduce(const T* x, const ReduceGeometry& g, bool column_mode, void* out, bool mean) {
  const int64_t target = int64_t(sm_count()) * 4;  // blocks that keep every SM busy
  const int64_t lanes = column_mode ? kColLanes : row_lanes(g.R);
  const int64_t per_block = column_mode ? kColOutputs : kThreads / lanes;
  const int64_t kblocks = (g.K + per_block - 1) / per_block;
  int64_t splits = 1;
  if (kblocks < target && g.R > lanes * 64)
    splits = std::min<int64_t>({(target + kblocks - 1) / kblocks, (g.R + lanes * 64 - 1) / (lanes * 64), 65535});
  const int64_t chunk = (g.R + splits - 1) / splits;
  if (chunk > 0) splits = (g.R + chunk - 1) / chunk;
  Tensor buf;
  Acc* partial = nullptr;
  if (splits > 1) {
    buf = scratch(splits * g.K * int64_t(sizeof(Acc)), "reduce");
    partial = static_cast<Acc*>(buf.raw_data());
  }
  const dim3 grid(unsigned(std::min<int64_t>(kblocks, 1 << 20)), unsigned(std::max<int64_t>(splits, 1)));
  if (column_mode)
    reduce_cols<Op, T, Acc><<<grid, dim3(kColOutputs, kColLanes), 0, stream()>>>(x, g, chunk, partial, out, mean);
  else
    reduce_rows<Op, T, Acc><<<grid, dim3(unsigned(lanes), unsigned(per_block)), 0, stream()>>>(x, g, chunk, partial,
                                                                                              out, mean);
  check_launch("reduce");
  if (partial) {
    reduce_finish<Op, T, Acc><<<blocks_for(g.K), kThreads, 0, stream()>>>(partial, splits, g.K, g.R, out, mean);
    check_launch("reduce");
  }
}

template <typename T, typename Acc>
void reduce_typed(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, const Tensor& out) {
  const size_t nd = size_t(x.dim());
  // Kept dims in their order (row-major over them is the output's order); reduced dims by
  // decreasing |stride| so consecutive reduction indices move through memory innermost-last.
  Shape ks, rs;
  Strides kst, rst;
  std::vector<size_t> red;
  for (size_t d = 0; d < nd; ++d) {
    if (!mask[d]) {
      ks.push_back(x.size(int64_t(d)));
      kst.push_back(x.stride(int64_t(d)));
    } else {
      red.push_back(d);
    }
  }
  std::stable_sort(red.begin(), red.end(), [&](size_t a, size_t b) {
    return std::llabs(x.stride(int64_t(a))) > std::llabs(x.stride(int64_t(b)));
  });
  for (size_t d : red) {
    rs.push_back(x.size(int64_t(d)));
    rst.push_back(x.stride(int64_t(d)));
  }
  const auto kp = cpu::make_plan<1>(ks, {&kst});
  const auto rp = cpu::make_plan<1>(rs, {&rst});
  ReduceGeometry g;
  make_indexer(kp, &g.kept);
  make_indexer(rp, &g.reduced);
  g.K = out.numel();
  g.R = numel(rs);
  // Rows when the reduction runs through the closer elements, columns when outputs do.
  const int64_t sk = kp.ndim ? std::llabs(kp.strides[0][kp.ndim - 1]) : 0;
  const int64_t sr = rp.ndim ? std::llabs(rp.strides[0][rp.ndim - 1]) : 0;
  const bool column_mode = g.R <= 1 || (g.K > 1 && sk < sr);
  const bool mean = op == ReduceOp::Mean;
  const T* xp = x.data<T>();
  void* o = out.raw_data();
  switch (op) {
    case ReduceOp::Max: return launch_reduce<ReduceOp::Max, T, Acc>(xp, g, column_mode, o, mean);
    case ReduceOp::Min: return launch_reduce<ReduceOp::Min, T, Acc>(xp, g, column_mode, o, mean);
    case ReduceOp::Prod: return launch_reduce<ReduceOp::Prod, T, Acc>(xp, g, column_mode, o, mean);
    default: return launch_reduce<ReduceOp::Sum, T, Acc>(xp, g, column_mode, o, mean);  // Sum and Mean
  }
}

// ---- arg-reductions over [outer, len, inner] of a contiguous x
__device__ __forceinline__ bool is_nan(float v) { return v != v; }
__device__ __forceinline__ bool is_nan(int32_t) { return false; }

// Whether candidate (v, i) beats (bv, bi): the first NaN beats everything, then the larger
// (smaller) value, then the earlier index. i < 0 marks "no candidate yet".
template <bool IsMax, typename T>
__device__ __forceinline__ bool beats(T v, int64_t i, T bv, int64_t bi) {
  if (i < 0) return false;
  if (bi < 0) return true;
  const bool vn = is_nan(v), bn = is_nan(bv);
  if (vn || bn) return vn && (!bn || i < bi);
  if (IsMax ? v > bv : v < bv) return true;
  return v == bv && i < bi;
}

// One column per thread, walked in order like the CPU (strict comparison keeps the first).
template <bool IsMax, typename T>
__global__ void arg_cols(const T* x, int32_t* out, int64_t columns, int64_t len, int64_t inner) {
  for (int64_t c = thread_index(); c < columns; c += thread_count()) {
    const int64_t o = fast_div(c, inner), j = c - o * inner;
    const T* p = x + o * len * inner + j;
    T best = p[0];
    int64_t at = 0;
    for (int64_t d = 1; d < len; ++d) {
      const T v = p[d * inner];
      if (beats<IsMax>(v, d, best, at)) {
        best = v;
        at = d;
      }
    }
    out[c] = int32_t(at);
  }
}

// blockDim.x lanes per column (within a warp, or the whole block with blockDim.y == 1).
template <bool IsMax, typename T>
__global__ void arg_rows(const T* x, int32_t* out, int64_t columns, int64_t len, int64_t inner) {
  __shared__ T best_v[32];
  __shared__ int64_t best_i[32];
  for (int64_t c0 = int64_t(blockIdx.x) * blockDim.y; c0 < columns; c0 += int64_t(gridDim.x) * blockDim.y) {
    const int64_t c = c0 + threadIdx.y;
    T best = T(0);
    int64_t at = -1;
    if (c < columns) {
      const int64_t o = fast_div(c, inner), j = c - o * inner;
      const T* p = x + o * len * inner + j;
      for (int64_t d = threadIdx.x; d < len; d += blockDim.x) {
        const T v = p[d * inner];
        if (beats<IsMax>(v, d, best, at)) {
          best = v;
          at = d;
        }
      }
    }
    for (int s = row_width() >> 1; s > 0; s >>= 1) {
      const T v = __shfl_xor_sync(0xffffffffu, best, s);
      const int64_t i = __shfl_xor_sync(0xffffffffu, at, s);
      if (beats<IsMax>(v, i, best, at)) {
        best = v;
        at = i;
      }
    }
    if (blockDim.x > 32) {
      const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
      __syncthreads();
      if (lane == 0) {
        best_v[warp] = best;
        best_i[warp] = at;
      }
      __syncthreads();
      best = best_v[0];
      at = best_i[0];
      for (int w = 1; w < int(blockDim.x >> 5); ++w)
        if (beats<IsMax>(best_v[w], best_i[w], best, at)) {
          best = best_v[w];
          at = best_i[w];
        }
    }
    if (c < columns && threadIdx.x == 0) out[c] = int32_t(at);
  }
}

template <bool IsMax, typename T>
void launch_arg(const T* x, int32_t* out, int64_t outer, int64_t len, int64_t inner) {
  const int64_t columns = outer * inner;
  if (inner > 1 && columns >= int64_t(sm_count()) * kThreads) {
    arg_cols<IsMax, T><<<blocks_for(columns), kThreads, 0, stream()>>>(x, out, columns, len, inner);
  } else {
    const RowLaunch l = row_launch(columns, len);
    arg_rows<IsMax, T><<<l.grid, l.block, 0, stream()>>>(x, out, columns, len, inner);
  }
  check_launch(IsMax ? "argmax" : "argmin");
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, const Tensor& out) {
  if (out.numel() == 0) return;
  if (x.dtype() == DType::Int32) reduce_typed<int32_t, int64_t>(op, x, mask, out);
  else reduce_typed<float, double>(op, x, mask, out);
}

void arg_reduce(bool is_max, const Tensor& x, int64_t dim, const Tensor& out) {
  if (x.numel() == 0) return;
  const DimSplit split = split_at(x.shape(), dim);
  const int64_t outer = split.outer, len = split.len, inner = split.inner;
  int32_t* o = out.data<int32_t>();
  if (x.dtype() == DType::Int32) {
    if (is_max) launch_arg<true>(x.data<int32_t>(), o, outer, len, inner);
    else launch_arg<false>(x.data<int32_t>(), o, outer, len, inner);
  } else {
    if (is_max) launch_arg<true>(x.data<float>(), o, outer, len, inner);
    else launch_arg<false>(x.data<float>(), o, outer, len, inner);
  }
}

}  // namespace tl::cuda

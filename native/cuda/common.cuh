// Shared pieces of the CUDA kernels: the environment's stream, launch sizes and checks,
// strided indexing (the CPU's StridedPlan, copied by value), row reductions across the lanes
// of a warp or block, scalar math used by several families, and the cuBLAS GEMM helper.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "../core/tensor.h"
#include "../cpu/strided.h"
#include "staging.h"
#include "state.h"

namespace tl::cuda {

constexpr int kThreads = 256;
constexpr int kDims = 8;

inline cudaStream_t stream() { return state().stream(); }

// Grid size for a grid-stride loop over n elements.
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return unsigned(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

// After every launch: a bad configuration is an error of the op, never a silent no-op.
inline void check_launch(const char* op) { check(cudaGetLastError(), op); }

// Streaming multiprocessors of device 0 (sizes grids of the reductions that split their work).
int sm_count();

// A temporary device buffer of `bytes` bytes (stream-ordered: freed after the work queued
// before its release, so it may go out of scope right after the launches that use it).
Tensor scratch(int64_t bytes, const char* op);

// a / b and a % b for non-negative operands, in 32 bits when both fit: 64-bit division is a
// long instruction sequence on the GPU and index decoding is on every elementwise path.
__device__ __forceinline__ int64_t fast_div(int64_t a, int64_t b) {
  if (((a | b) >> 32) == 0) return int64_t(uint32_t(a) / uint32_t(b));
  return a / b;
}

// N operands walked over one shape; offsets in elements. Built on the host from the CPU
// plan (same coalescing), so both devices agree on iteration order. D is the most dims it
// holds: kDims for the elementwise kernels, kMaxDims where no packing fallback exists.
template <int N, int D = kDims>
struct Indexer {
  int ndim;
  int64_t shape[D];
  int64_t strides[N][D];

  __device__ void offsets(int64_t linear, int64_t out[N]) const {
    if (ndim == 1) {  // the common coalesced case: no division
      for (int k = 0; k < N; ++k) out[k] = linear * strides[k][0];
      return;
    }
    for (int k = 0; k < N; ++k) out[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t q = fast_div(linear, shape[d]);
      const int64_t i = linear - q * shape[d];
      linear = q;
      for (int k = 0; k < N; ++k) out[k] += i * strides[k][d];
    }
  }
};

// The plan as an Indexer; false when it has more than D dims (callers then pack the
// operands contiguously first).
template <int N, int D>
bool make_indexer(const cpu::StridedPlan<N>& p, Indexer<N, D>* ix) {
  if (p.ndim > D) return false;
  ix->ndim = p.ndim;
  for (int d = 0; d < p.ndim; ++d) {
    ix->shape[d] = p.shape[d];
    for (int k = 0; k < N; ++k) ix->strides[k][d] = p.strides[k][d];
  }
  return true;
}

// ---- device-side argument checks (staging.h)
// The environment's check sink, for kernels that validate indices or labels themselves.
inline CheckSink check_sink() { return state().checks()->sink(); }

// Records a failed check (the first one since the last synchronization wins; later ones are
// dropped). The caller then skips the element instead of touching memory out of bounds.
__device__ __forceinline__ void report_check(const CheckSink& sink, CheckedOp op, int64_t value, int64_t limit,
                                             int64_t extra = 0) {
  if (atomicCAS(sink.claim, 0, 1) != 0) return;
  volatile CheckRecord* r = sink.record;
  r->op = int32_t(op);
  r->value = value;
  r->limit = limit;
  r->extra = extra;
  __threadfence_system();  // the payload is visible to the host before the flag
  r->state = 1;
}

// ---- grid-stride loops
__device__ __forceinline__ int64_t thread_index() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t thread_count() { return int64_t(gridDim.x) * blockDim.x; }

// ---- reductions across threadIdx.x
// Combining functors; NaN wins max (as in the CPU kernels and PyTorch).
struct SumOp {
  template <typename T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct MaxNanOp {
  __device__ float operator()(float a, float b) const { return (b > a || b != b) ? b : a; }
};

// Lanes that share a row inside one warp: blockDim.x when it is below 32 (a power of two, so
// the rows are aligned groups of lanes), else the whole warp.
__device__ __forceinline__ int row_width() { return blockDim.x < 32 ? int(blockDim.x) : 32; }

template <typename T, typename Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
  for (int o = row_width() >> 1; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Reduces v across threadIdx.x and gives every thread of the row the result. Rows fit in a
// warp (blockDim.x a power of two up to 32, any blockDim.y: shuffles only) or are the whole
// block (blockDim.x a multiple of 32 up to 1024, blockDim.y == 1: the warps' partials meet in
// shared memory and are combined in a fixed order, so results are deterministic). Every
// thread of the block must call it (block sizes are multiples of 32).
template <typename T, typename Op>
__device__ T row_reduce(T v, Op op) {
  v = warp_reduce(v, op);
  if (blockDim.x <= 32) return v;
  __shared__ T partial[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // a previous call's readers are done with `partial`
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  T r = partial[0];
  for (int w = 1; w < int(blockDim.x >> 5); ++w) r = op(r, partial[w]);
  return r;
}

// Lanes per row for row-wise kernels over rows of `len` elements: the next power of two for
// short rows (several rows share a warp), a warp up to 1024, the whole block beyond.
inline int row_lanes(int64_t len) {
  if (len > 1024) return kThreads;
  int lanes = 1;
  while (lanes < 32 && lanes < len) lanes *= 2;
  return lanes;
}

// Launch shape of a row-wise kernel: row_lanes(len) lanes per row (blockDim.x) and the rest of
// the block's kThreads threads on further rows (blockDim.y); kernels grid-stride over rows.
struct RowLaunch {
  dim3 grid, block;
};
inline RowLaunch row_launch(int64_t rows, int64_t len) {
  const int lanes = row_lanes(len), per_block = kThreads / lanes;
  int64_t blocks = (rows + per_block - 1) / per_block;
  blocks = blocks < 1 ? 1 : (blocks > (int64_t(1) << 20) ? (int64_t(1) << 20) : blocks);
  return {dim3(unsigned(blocks)), dim3(unsigned(lanes), unsigned(per_block))};
}

// Grid-stride loop over the rows of a row-wise kernel (row r0 + threadIdx.y). r0 is uniform
// across the block, so a block-wide row_reduce inside is reached by every thread; threads
// past the last row must still take part in the reductions.
#define TL_FOR_ROWS(rows) \
  for (int64_t r0 = int64_t(blockIdx.x) * blockDim.y; r0 < (rows); r0 += int64_t(gridDim.x) * blockDim.y)

// ---- scalar math shared by several kernel families (IEEE CUDA math library calls only)
// 1 / (1 + e^-x) through e^-|x|, as the CPU computes it: large negative x keeps its tiny
// value instead of rounding to 0 via 1 / inf.
__device__ __forceinline__ float sigmoid_f(float x) {
  const float e = expf(x < 0 ? x : -x);
  const float s = 1.0f / (1.0f + e);
  return x < 0 ? e * s : s;
}

// log(1 + e^x) without overflow; x itself above 20 (PyTorch's threshold).
__device__ __forceinline__ float softplus_f(float x) {
  const float ax = fabsf(x);
  const float r = (x > 0 ? x : 0.0f) + log1pf(expf(-ax));
  return x > 20.0f ? x : r;
}

// ---- GEMM through cuBLAS (matmul.cu)
// One operand of a batch of matrices: element (i, j) of matrix b is p[b * batch_stride + i * rs + j * cs].
struct GemmOperand {
  const float* p;
  int64_t rs, cs, batch_stride;
};

// Whether an R x C operand with these strides can go to cuBLAS as it is (unit stride in one
// dim, a leading dimension that covers the other and fits an int).
bool gemm_operand_ok(int64_t rows, int64_t cols, int64_t rs, int64_t cs);

// C_b = alpha * A_b B_b + beta * C_b for b < batch: A_b is m x k, B_b k x n, C_b row-major with
// leading dimension ldc and batch stride stride_c. Both operands must pass gemm_operand_ok.
// Runs on the environment's stream at the precision set by setMatmulPrecision; k must be > 0.
void gemm(int64_t batch, int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a, const GemmOperand& b,
          float beta, float* c, int64_t ldc, int64_t stride_c, const char* op);

}  // namespace tl::cuda

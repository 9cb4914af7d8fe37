// Indexing kernels (native/cpu/index.cc). Indices are int32 and checked here, on the device:
// an index outside [0, size) is reported through the check sink (raised at the next
// synchronization) and its element skipped (gathers write 0), so argument checking never
// waits for the GPU and a bad index never reads or writes out of bounds. gather and
// index_select move raw 32-bit words (either dtype); the adds are float32 and use atomicAdd
// because repeated indices send several threads to one element.
// Float atomics make the order of those additions, and so the last bits of the sums,
// nondeterministic from run to run (the CPU adds them serially in index order).
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

// Operands: out (or the scatter target, `dim` zeroed), index, and x (gather, `dim` zeroed) or src.
using Ix3 = Indexer<3, kMaxDims>;

__device__ __forceinline__ bool index_ok(int64_t j, int64_t size, CheckedOp op, const CheckSink& sink) {
  if (j >= 0 && j < size) return true;
  report_check(sink, op, j, size);
  return false;
}

__global__ void gather_kernel(const uint32_t* x, const int32_t* index, uint32_t* out, int64_t n, int64_t step,
                              int64_t size, Ix3 ix, CheckSink sink) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[3];
    ix.offsets(i, off);
    const int64_t j = index[off[1]];
    out[off[0]] = index_ok(j, size, CheckedOp::Gather, sink) ? x[off[2] + j * step] : 0u;
  }
}

__global__ void scatter_add_kernel(float* out, const int32_t* index, const float* src, int64_t n, int64_t step,
                                   int64_t size, Ix3 ix, CheckSink sink) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[3];
    ix.offsets(i, off);
    const int64_t j = index[off[1]];
    if (index_ok(j, size, CheckedOp::ScatterAdd, sink)) atomicAdd(out + off[0] + j * step, src[off[2]]);
  }
}

// Element t of [outer, m, inner]: (o, j, c).
struct Split3 {
  int64_t o, j, c;
};
__device__ __forceinline__ Split3 split3(int64_t t, int64_t m, int64_t inner) {
  const int64_t q = fast_div(t, inner), o = fast_div(q, m);
  return {o, q - o * m, t - q * inner};
}

// out [outer, m, inner] takes the slices index[0..m) of x [outer, n, inner].
__global__ void index_select_kernel(const uint32_t* x, const int32_t* index, uint32_t* out, int64_t total, int64_t n,
                                    int64_t m, int64_t inner, CheckSink sink) {
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const Split3 s = split3(t, m, inner);
    const int64_t j = index[s.j];
    out[t] = index_ok(j, n, CheckedOp::IndexSelect, sink) ? x[(s.o * n + j) * inner + s.c] : 0u;
  }
}

// out [outer, n, inner][o, index[j], c] += src [outer, m, inner][o, j, c].
__global__ void index_add_kernel(float* out, const int32_t* index, const float* src, int64_t total, int64_t n,
                                 int64_t m, int64_t inner, CheckSink sink) {
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const Split3 s = split3(t, m, inner);
    const int64_t j = index[s.j];
    if (index_ok(j, n, CheckedOp::IndexAdd, sink)) atomicAdd(out + (s.o * n + j) * inner + s.c, src[t]);
  }
}

// Elements per slice of `dim` (the product of the dims after it).
int64_t inner_size(const Tensor& t, int64_t dim) {
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < t.dim(); ++d) inner *= t.size(d);
  return inner;
}

}  // namespace

void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  // Walk out and index together; x follows on every dim but `dim`, where the index decides.
  Strides xs = x.strides();
  const int64_t step = xs[size_t(dim)];
  xs[size_t(dim)] = 0;
  const auto plan = cpu::make_plan<3>(out.shape(), {&out.strides(), &index.strides(), &xs});
  Ix3 ix;
  make_indexer(plan, &ix);
  gather_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(static_cast<const uint32_t*>(x.raw_data()),
                                                          index.data<int32_t>(), static_cast<uint32_t*>(out.raw_data()),
                                                          n, step, x.size(dim), ix, check_sink());
  check_launch("gather");
}

void index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  const int64_t total = out.numel();
  if (total == 0) return;
  const int64_t inner = inner_size(x, dim);
  index_select_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(
      static_cast<const uint32_t*>(x.raw_data()), index.data<int32_t>(), static_cast<uint32_t*>(out.raw_data()), total,
      x.size(dim), index.numel(), inner, check_sink());
  check_launch("indexSelect");
}

void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t n = src.numel();
  if (n == 0) return;
  Strides os = out.strides();
  const int64_t step = os[size_t(dim)];
  os[size_t(dim)] = 0;
  const auto plan = cpu::make_plan<3>(src.shape(), {&os, &index.strides(), &src.strides()});
  Ix3 ix;
  make_indexer(plan, &ix);
  scatter_add_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(out.data<float>(), index.data<int32_t>(),
                                                               src.data<float>(), n, step, out.size(dim), ix,
                                                               check_sink());
  check_launch("scatterAdd");
}

void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t total = src.numel();
  if (total == 0) return;
  const int64_t inner = inner_size(out, dim);
  index_add_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(out.data<float>(), index.data<int32_t>(),
                                                                 src.data<float>(), total, out.size(dim),
                                                                 index.numel(), inner, check_sink());
  check_launch("indexAdd");
}

}  // namespace tl::cuda

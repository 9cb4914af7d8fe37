// Strided copies with dtype conversion, fill and where (native/cpu/copy.cc). copy is what
// ops::contiguous runs, so it cannot fall back to packed operands: beyond the 1-D case it
// decodes up to kMaxDims dims. Equal dtypes move raw 32-bit words.
#include <cstring>
#include <limits>

#include "../core/ops.h"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

using WideIndexer2 = Indexer<2, kMaxDims>;
using WideIndexer1 = Indexer<1, kMaxDims>;

// float -> int32 truncates toward zero like a C cast, with the CPU's rules where the cast is
// undefined: NaN -> 0, values beyond the int32 range saturate.
__device__ __forceinline__ int32_t float_to_i32(float v) {
  const float lo = -2147483648.0f, hi = 2147483520.0f;  // largest float below 2^31
  const float c = v < lo ? lo : (v > hi ? hi : v);
  const int32_t r = int32_t(c != c ? 0.0f : c);
  return v >= 2147483648.0f ? std::numeric_limits<int32_t>::max() : r;
}

struct SameWord {
  __device__ uint32_t operator()(uint32_t v) const { return v; }
};
struct IntToFloat {
  __device__ float operator()(int32_t v) const { return float(v); }
};
struct FloatToInt {
  __device__ int32_t operator()(float v) const { return float_to_i32(v); }
};

template <typename In, typename Out, typename F>
__global__ void copy_1d(const In* x, int64_t sx, Out* y, int64_t sy, int64_t n, F f) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) y[i * sy] = f(x[i * sx]);
}

template <typename In, typename Out, typename F>
__global__ void copy_nd(const In* x, Out* y, int64_t n, WideIndexer2 ix, F f) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[2];
    ix.offsets(i, off);
    y[off[0]] = f(x[off[1]]);
  }
}

template <typename In, typename Out, typename F>
void run_copy(const cpu::StridedPlan<2>& plan, const void* x, void* y, int64_t n, F f) {
  const In* xp = static_cast<const In*>(x);
  Out* yp = static_cast<Out*>(y);
  if (plan.ndim <= 1) {
    const int64_t sy = plan.ndim ? plan.strides[0][0] : 0, sx = plan.ndim ? plan.strides[1][0] : 0;
    copy_1d<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(xp, sx, yp, sy, n, f);
  } else {
    WideIndexer2 ix;
    make_indexer(plan, &ix);  // plans never exceed kMaxDims
    copy_nd<In, Out, F><<<blocks_for(n), kThreads, 0, stream()>>>(xp, yp, n, ix, f);
  }
}

__global__ void fill_1d(uint32_t* y, int64_t sy, int64_t n, uint32_t word) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) y[i * sy] = word;
}

__global__ void fill_nd(uint32_t* y, int64_t n, WideIndexer1 ix, uint32_t word) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[1];
    ix.offsets(i, off);
    y[off[0]] = word;
  }
}

// Raw 32-bit words serve both dtypes. A float condition is true when any bit other than the
// sign bit is set (-0.0 is false, NaN true); `mask` selects the bits that count.
__global__ void where_1d(const uint32_t* c, int64_t sc, const uint32_t* a, int64_t sa, const uint32_t* b, int64_t sb,
                         uint32_t* o, int64_t so, int64_t n, uint32_t mask) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) o[i * so] = (c[i * sc] & mask) ? a[i * sa] : b[i * sb];
}

__global__ void where_nd(const uint32_t* c, const uint32_t* a, const uint32_t* b, uint32_t* o, int64_t n,
                         Indexer<4> ix, uint32_t mask) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) {
    int64_t off[4];
    ix.offsets(i, off);
    o[off[0]] = (c[off[1]] & mask) ? a[off[2]] : b[off[3]];
  }
}

}  // namespace

void copy(const Tensor& x, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const auto plan = cpu::make_plan<2>(out.shape(), {&out.strides(), &x.strides()});
  const DType from = x.dtype(), to = out.dtype();
  if (from == to && plan.ndim <= 1 && (plan.ndim == 0 || (plan.strides[0][0] == 1 && plan.strides[1][0] == 1))) {
    check(cudaMemcpyAsync(out.raw_data(), x.raw_data(), size_t(n) * 4, cudaMemcpyDeviceToDevice, stream()), "copy");
    return;
  }
  if (from == to) run_copy<uint32_t, uint32_t>(plan, x.raw_data(), out.raw_data(), n, SameWord{});
  else if (from == DType::Int32) run_copy<int32_t, float>(plan, x.raw_data(), out.raw_data(), n, IntToFloat{});
  else run_copy<float, int32_t>(plan, x.raw_data(), out.raw_data(), n, FloatToInt{});
  check_launch("copy");
}

void fill(const Tensor& out, double value) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const uint32_t word = dtype_word(out.dtype(), value);  // the dispatcher checked int32 values
  const auto plan = cpu::make_plan<1>(out.shape(), {&out.strides()});
  uint32_t* y = static_cast<uint32_t*>(out.raw_data());
  if (plan.ndim <= 1) {
    const int64_t sy = plan.ndim ? plan.strides[0][0] : 0;
    if (word == 0 && (sy == 1 || n == 1)) {
      check(cudaMemsetAsync(y, 0, size_t(n) * 4, stream()), "fill");
      return;
    }
    fill_1d<<<blocks_for(n), kThreads, 0, stream()>>>(y, sy, n, word);
  } else {
    WideIndexer1 ix;
    make_indexer(plan, &ix);
    fill_nd<<<blocks_for(n), kThreads, 0, stream()>>>(y, n, ix, word);
  }
  check_launch("fill");
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const uint32_t mask = cond.dtype() == DType::Float32 ? 0x7fffffffu : 0xffffffffu;
  const auto plan = cpu::make_plan<4>(out.shape(), {&out.strides(), &cond.strides(), &a.strides(), &b.strides()});
  auto words = [](const Tensor& t) { return static_cast<const uint32_t*>(t.raw_data()); };
  uint32_t* o = static_cast<uint32_t*>(out.raw_data());
  Indexer<4> ix;
  if (plan.ndim <= 1) {
    int64_t s[4] = {0, 0, 0, 0};
    for (int k = 0; k < 4 && plan.ndim; ++k) s[k] = plan.strides[k][0];
    where_1d<<<blocks_for(n), kThreads, 0, stream()>>>(words(cond), s[1], words(a), s[2], words(b), s[3], o, s[0], n,
                                                      mask);
  } else if (make_indexer(plan, &ix)) {
    where_nd<<<blocks_for(n), kThreads, 0, stream()>>>(words(cond), words(a), words(b), o, n, ix, mask);
  } else {
    // More than kDims dims: contiguous operands, then one copy into out.
    const Tensor cc = ops::contiguous(cond), ac = ops::contiguous(a), bc = ops::contiguous(b);
    const Tensor oc = out.is_contiguous() ? out : Tensor::empty(out.shape(), out.dtype(), Device::CUDA, "where");
    where_1d<<<blocks_for(n), kThreads, 0, stream()>>>(words(cc), 1, words(ac), 1, words(bc), 1,
                                                      static_cast<uint32_t*>(oc.raw_data()), 1, n, mask);
    check_launch("where");
    if (oc.storage() != out.storage()) copy(oc, out);
  }
  check_launch("where");
}

}  // namespace tl::cuda

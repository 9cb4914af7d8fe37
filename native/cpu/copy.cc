// Strided copies, dtype conversion, fill and where.
#include <algorithm>
#include <cstring>
#include <limits>

#include "elementwise.h"
#include "simd_clones.h"
#include "strided.h"

namespace tl::cpu {

namespace {

// float -> int32 truncates toward zero like a C cast, but defined everywhere: NaN -> 0,
// values beyond the int32 range saturate (a plain cast would be undefined behaviour).
inline int32_t float_to_i32(float v) {
  const float lo = -2147483648.0f, hi = 2147483520.0f;  // largest float below 2^31
  const float c = v < lo ? lo : (v > hi ? hi : v);
  const int32_t r = int32_t(c != c ? 0.0f : c);
  return v >= 2147483648.0f ? std::numeric_limits<int32_t>::max() : r;
}

TL_SIMD_CLONES
void copy_run(DType from, DType to, const void* x, int64_t sx, void* y, int64_t sy, int64_t n) {
  if (from == to) {
    map1(static_cast<const uint32_t*>(x), sx, static_cast<uint32_t*>(y), sy, n, [](uint32_t v) { return v; });
  } else if (from == DType::Int32) {
    map1(static_cast<const int32_t*>(x), sx, static_cast<float*>(y), sy, n, [](int32_t v) { return float(v); });
  } else {
    map1(static_cast<const float*>(x), sx, static_cast<int32_t*>(y), sy, n, float_to_i32);
  }
}

TL_SIMD_CLONES
void where_run(const uint32_t* c, int64_t sc, bool float_cond, const uint32_t* a, int64_t sa, const uint32_t* b,
               int64_t sb, uint32_t* o, int64_t so, int64_t n) {
  // Works on raw 32-bit words so one loop serves both dtypes. A float condition is true when
  // it is nonzero, i.e. any bit other than the sign bit is set (-0.0 is false, NaN true).
  const uint32_t mask = float_cond ? 0x7fffffffu : 0xffffffffu;
  if (sc == 1 && sa == 1 && sb == 1 && so == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = (c[i] & mask) ? a[i] : b[i];
  } else {
    for (int64_t i = 0; i < n; ++i) o[i * so] = (c[i * sc] & mask) ? a[i * sa] : b[i * sb];
  }
}

}  // namespace

void copy(const Tensor& x, const Tensor& out) {
  if (out.numel() == 0) return;
  const auto plan = make_plan<2>(out.shape(), {&out.strides(), &x.strides()});
  const DType from = x.dtype(), to = out.dtype();
  char* y = static_cast<char*>(out.raw_data());
  const char* xs = static_cast<const char*>(x.raw_data());
  parallel_runs(plan, kElementwiseGrain * 4, [&](const int64_t* off, int64_t n, const int64_t* st) {
    if (from == to && st[0] == 1 && st[1] == 1) {
      std::memcpy(y + off[0] * 4, xs + off[1] * 4, size_t(n) * 4);
    } else {
      copy_run(from, to, xs + off[1] * 4, st[1], y + off[0] * 4, st[0], n);
    }
  });
}

void copy_bytes(void* dst, const void* src, size_t bytes) {
  constexpr int64_t kChunk = 1 << 20;
  const int64_t chunks = int64_t((bytes + kChunk - 1) / kChunk);
  if (chunks <= 2) {
    std::memcpy(dst, src, bytes);
    return;
  }
  parallel_for(0, chunks, 1, [&](int64_t lo, int64_t hi) {
    const size_t begin = size_t(lo) * kChunk, end = std::min(bytes, size_t(hi) * kChunk);
    std::memcpy(static_cast<char*>(dst) + begin, static_cast<const char*>(src) + begin, end - begin);
  });
}

void copy_to_buffer(const Tensor& x, void* dst) {
  if (x.numel() == 0) return;
  const Strides packed = contiguous_strides(x.shape());
  const auto plan = make_plan<2>(x.shape(), {&packed, &x.strides()});
  char* y = static_cast<char*>(dst);
  const char* xs = static_cast<const char*>(x.raw_data());
  parallel_runs(plan, kElementwiseGrain * 4, [&](const int64_t* off, int64_t n, const int64_t* st) {
    copy_run(x.dtype(), x.dtype(), xs + off[1] * 4, st[1], y + off[0] * 4, st[0], n);
  });
}

void fill(const Tensor& out, double value) {
  if (out.numel() == 0) return;
  const uint32_t word = dtype_word(out.dtype(), value);  // the dispatcher checked int32 values
  const auto plan = make_plan<1>(out.shape(), {&out.strides()});
  uint32_t* y = static_cast<uint32_t*>(out.raw_data());
  parallel_runs(plan, kElementwiseGrain * 4, [&](const int64_t* off, int64_t n, const int64_t* st) {
    uint32_t* p = y + off[0];
    if (st[0] == 1) {
      for (int64_t i = 0; i < n; ++i) p[i] = word;
    } else {
      for (int64_t i = 0; i < n; ++i) p[i * st[0]] = word;
    }
  });
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  if (out.numel() == 0) return;
  const auto plan = make_plan<4>(out.shape(), {&out.strides(), &cond.strides(), &a.strides(), &b.strides()});
  const bool float_cond = cond.dtype() == DType::Float32;
  const uint32_t* pc = static_cast<const uint32_t*>(cond.raw_data());
  const uint32_t* pa = static_cast<const uint32_t*>(a.raw_data());
  const uint32_t* pb = static_cast<const uint32_t*>(b.raw_data());
  uint32_t* po = static_cast<uint32_t*>(out.raw_data());
  parallel_runs(plan, kElementwiseGrain, [&](const int64_t* off, int64_t n, const int64_t* st) {
    where_run(pc + off[1], st[1], float_cond, pa + off[2], st[2], pb + off[3], st[3], po + off[0], st[0], n);
  });
}

}  // namespace tl::cpu

#include "pool.h"

#include <algorithm>
#include <cstring>

#include "../core/parallel.h"
#include "simd_clones.h"
#include "vec.h"

namespace tl::cpu {

namespace {

// Window rows/cols of output position o along one axis, clipped to the input.
struct Span {
  int64_t start, end;  // first and one-past-last input index actually inside the image
};

inline Span clip(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t dil, int64_t size) {
  const int64_t s = o * stride - pad;
  return {s, std::min(s + (k - 1) * dil + 1, size)};
}

template <typename Fn>
void over_planes(const Pool2dGeometry& g, int64_t work_per_plane, Fn&& fn) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, work_per_plane));
  parallel_for(0, g.planes, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) fn(p);
  });
}

// Number of window taps averaged for avg pooling (PyTorch's divisor rules).
inline int64_t avg_divisor(const Pool2dGeometry& g, int64_t oh, int64_t ow) {
  const int64_t hs = oh * g.stride_h - g.pad_h, ws = ow * g.stride_w - g.pad_w;
  if (g.count_include_pad) {
    const int64_t he = std::min(hs + g.kh, g.h + g.pad_h), we = std::min(ws + g.kw, g.w + g.pad_w);
    return (he - hs) * (we - ws);
  }
  const int64_t h0 = std::max<int64_t>(hs, 0), w0 = std::max<int64_t>(ws, 0);
  const int64_t h1 = std::min(hs + g.kh, g.h), w1 = std::min(ws + g.kw, g.w);
  return std::max<int64_t>(1, (h1 - h0) * (w1 - w0));
}

}  // namespace

// One output row of max pooling, tap by tap across the whole row so the inner loop runs over
// output columns and vectorizes (a window-at-a-time loop is dominated by bookkeeping).
TL_SIMD_CLONES
void max_pool_row(const Pool2dGeometry& g, const float* plane, int64_t oh, float* best, int32_t* idx) {
  for (int64_t ow = 0; ow < g.w_out; ++ow) {
    best[ow] = -__builtin_inff();
    idx[ow] = -1;
  }
  const int64_t h0 = oh * g.stride_h - g.pad_h;
  for (int64_t r = 0; r < g.kh; ++r) {
    const int64_t ih = h0 + r * g.dil_h;
    if (ih < 0 || ih >= g.h) continue;  // padding rows count as -inf
    const float* row = plane + ih * g.w;
    for (int64_t c = 0; c < g.kw; ++c) {
      // Output columns whose tap c lands inside the image: iw = ow * stride + off in [0, w).
      const int64_t off = c * g.dil_w - g.pad_w;
      const int64_t lo = off >= 0 ? 0 : (-off + g.stride_w - 1) / g.stride_w;
      const int64_t hi = std::min(g.w_out, off >= g.w ? 0 : (g.w - off + g.stride_w - 1) / g.stride_w);
      const int32_t base = int32_t(ih * g.w + off);
      for (int64_t ow = lo; ow < hi; ++ow) {
        const float v = row[ow * g.stride_w + off];
        // Strict >: the first maximum wins; the first NaN beats everything.
        const bool take = (v > best[ow]) | ((v != v) & (best[ow] == best[ow])) | (idx[ow] < 0);
        best[ow] = take ? v : best[ow];
        idx[ow] = take ? base + int32_t(ow * g.stride_w) : idx[ow];
      }
    }
  }
}

// The common unpadded, undilated windows with the kernel and stride known at compile time:
// fully unrolled taps, no bounds arithmetic (2x2/2 and 3x3/2 cover most CNNs).
template <int K, int S>
TL_SIMD_CLONES void max_pool_plane_fixed(const Pool2dGeometry& g, const float* plane, float* o, int32_t* idx) {
  for (int64_t oh = 0; oh < g.h_out; ++oh)
    for (int64_t ow = 0; ow < g.w_out; ++ow) {
      const int64_t at0 = oh * S * g.w + ow * S;
      float best = plane[at0];
      int32_t best_at = int32_t(at0);
      for (int r = 0; r < K; ++r)
        for (int c = 0; c < K; ++c) {
          const int64_t at = at0 + r * g.w + c;
          const float v = plane[at];
          const bool take = (v > best) | ((v != v) & (best == best));
          best = take ? v : best;
          best_at = take ? int32_t(at) : best_at;
        }
      o[oh * g.w_out + ow] = best;
      idx[oh * g.w_out + ow] = best_at;
    }
}

// 2x2 windows with stride 2, 8 outputs at a time: two 16-float loads per input row are split
// into even and odd columns with shuffles, so the four taps are whole-vector maxima. The
// selects keep the first maximum and let the first NaN win, as the scalar loop does.
TL_SIMD_CLONES void max_pool_plane_2x2(const Pool2dGeometry& g, const float* plane, float* o, int32_t* idx) {
  typedef int32_t i8 __attribute__((vector_size(32)));
  const i8 even = {0, 2, 4, 6, 8, 10, 12, 14}, odd = {1, 3, 5, 7, 9, 11, 13, 15};
  const i8 lane = {0, 2, 4, 6, 8, 10, 12, 14};
  for (int64_t oh = 0; oh < g.h_out; ++oh) {
    const float* r0 = plane + 2 * oh * g.w;
    const float* r1 = r0 + g.w;
    float* orow = o + oh * g.w_out;
    int32_t* irow = idx + oh * g.w_out;
    int64_t ow = 0;
    for (; ow + 8 <= g.w_out && 2 * ow + 16 <= g.w; ow += 8) {
      const vec::f8 a0 = vec::load(r0 + 2 * ow), a1 = vec::load(r0 + 2 * ow + 8);
      const vec::f8 b0 = vec::load(r1 + 2 * ow), b1 = vec::load(r1 + 2 * ow + 8);
      const vec::f8 taps[4] = {__builtin_shuffle(a0, a1, even), __builtin_shuffle(a0, a1, odd),
                               __builtin_shuffle(b0, b1, even), __builtin_shuffle(b0, b1, odd)};
      const i8 base = lane + int32_t(2 * oh * g.w + 2 * ow);
      const i8 offs[4] = {base, base + 1, base + int32_t(g.w), base + int32_t(g.w) + 1};
      vec::f8 best = taps[0];
      i8 at = offs[0];
      for (int t = 1; t < 4; ++t) {
        const vec::f8 v = taps[t];
        const i8 take = (v > best) | ((v != v) & (best == best));
        best = take ? v : best;
        at = take ? offs[t] : at;
      }
      std::memcpy(orow + ow, &best, sizeof best);
      std::memcpy(irow + ow, &at, sizeof at);
    }
    for (; ow < g.w_out; ++ow) {  // the tail, one window at a time
      const int64_t a = 2 * oh * g.w + 2 * ow;
      const int64_t cand[4] = {a, a + 1, a + g.w, a + g.w + 1};
      float best = plane[a];
      int64_t best_at = a;
      for (int t = 1; t < 4; ++t) {
        const float v = plane[cand[t]];
        const bool take = (v > best) | ((v != v) & (best == best));
        best = take ? v : best;
        best_at = take ? cand[t] : best_at;
      }
      orow[ow] = best;
      irow[ow] = int32_t(best_at);
    }
  }
}

void max_pool2d(const Pool2dGeometry& g, const Tensor& x, const Tensor& out, const Tensor& indices) {
  const float* xp = x.data<float>();
  float* op = out.data<float>();
  int32_t* ip = indices.data<int32_t>();
  const bool plain = g.pad_h == 0 && g.pad_w == 0 && g.dil_h == 1 && g.dil_w == 1 && g.kh == g.kw &&
                     g.stride_h == g.stride_w && (g.h_out - 1) * g.stride_h + g.kh <= g.h &&
                     (g.w_out - 1) * g.stride_w + g.kw <= g.w;  // no window hangs over the edge (ceil_mode)
  over_planes(g, g.h_out * g.w_out * g.kh * g.kw, [&](int64_t p) {
    const float* plane = xp + p * g.h * g.w;
    float* o = op + p * g.h_out * g.w_out;
    int32_t* idx = ip + p * g.h_out * g.w_out;
    if (plain && g.kh == 2 && g.stride_h == 2) return max_pool_plane_2x2(g, plane, o, idx);
    if (plain && g.kh == 3 && g.stride_h == 2) return max_pool_plane_fixed<3, 2>(g, plane, o, idx);
    for (int64_t oh = 0; oh < g.h_out; ++oh) max_pool_row(g, plane, oh, o + oh * g.w_out, idx + oh * g.w_out);
  });
}

void max_pool2d_backward(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& indices, const Tensor& grad_x) {
  const float* gp = grad_out.data<float>();
  const int32_t* ip = indices.data<int32_t>();
  float* gx = grad_x.data<float>();
  over_planes(g, g.h * g.w, [&](int64_t p) {
    float* plane = gx + p * g.h * g.w;
    std::memset(plane, 0, size_t(g.h * g.w) * sizeof(float));
    const float* go = gp + p * g.h_out * g.w_out;
    const int32_t* idx = ip + p * g.h_out * g.w_out;
    for (int64_t i = 0; i < g.h_out * g.w_out; ++i)
      if (idx[i] >= 0) plane[idx[i]] += go[i];
  });
}

void avg_pool2d(const Pool2dGeometry& g, const Tensor& x, const Tensor& out) {
  const float* xp = x.data<float>();
  float* op = out.data<float>();
  over_planes(g, g.h_out * g.w_out * g.kh * g.kw, [&](int64_t p) {
    const float* plane = xp + p * g.h * g.w;
    float* o = op + p * g.h_out * g.w_out;
    for (int64_t oh = 0; oh < g.h_out; ++oh) {
      const Span rs = clip(oh, g.stride_h, g.pad_h, g.kh, 1, g.h);
      for (int64_t ow = 0; ow < g.w_out; ++ow) {
        const Span cs = clip(ow, g.stride_w, g.pad_w, g.kw, 1, g.w);
        float s = 0.0f;
        for (int64_t ih = std::max<int64_t>(rs.start, 0); ih < rs.end; ++ih)
          for (int64_t iw = std::max<int64_t>(cs.start, 0); iw < cs.end; ++iw) s += plane[ih * g.w + iw];
        o[oh * g.w_out + ow] = s / float(avg_divisor(g, oh, ow));
      }
    }
  });
}

void avg_pool2d_backward(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& grad_x) {
  const float* gp = grad_out.data<float>();
  float* gx = grad_x.data<float>();
  over_planes(g, g.h * g.w + g.h_out * g.w_out * g.kh * g.kw, [&](int64_t p) {
    float* plane = gx + p * g.h * g.w;
    std::memset(plane, 0, size_t(g.h * g.w) * sizeof(float));
    const float* go = gp + p * g.h_out * g.w_out;
    for (int64_t oh = 0; oh < g.h_out; ++oh) {
      const Span rs = clip(oh, g.stride_h, g.pad_h, g.kh, 1, g.h);
      for (int64_t ow = 0; ow < g.w_out; ++ow) {
        const Span cs = clip(ow, g.stride_w, g.pad_w, g.kw, 1, g.w);
        const float share = go[oh * g.w_out + ow] / float(avg_divisor(g, oh, ow));
        for (int64_t ih = std::max<int64_t>(rs.start, 0); ih < rs.end; ++ih)
          for (int64_t iw = std::max<int64_t>(cs.start, 0); iw < cs.end; ++iw) plane[ih * g.w + iw] += share;
      }
    }
  });
}

}  // namespace tl::cpu

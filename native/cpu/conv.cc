// Convolution as GEMM. Per image and group, im2col unfolds the receptive fields into a
// [c_in/g * kh * kw, h_out * w_out] matrix so the convolution is one weight-by-columns
// product; 1x1 stride-1 unpadded convolutions use the input directly. Images are spread over
// the pool (each with its own column buffer); GEMMs inside a pool task run single-threaded.
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "../core/parallel.h"
#include "gemm.h"
#include "simd_clones.h"

namespace tl::cpu {

namespace {

int64_t col_rows(const Conv2dGeometry& g) { return g.c_in / g.groups * g.kh * g.kw; }
int64_t col_cols(const Conv2dGeometry& g) { return g.h_out * g.w_out; }

bool is_pointwise(const Conv2dGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0;
}

// Output columns ow whose input column iw = ow * stride + off falls inside [0, w).
struct ColumnSpan {
  int64_t lo, hi;
};

inline ColumnSpan valid_columns(int64_t off, int64_t stride, int64_t w, int64_t w_out) {
  const int64_t lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  const int64_t hi = off >= w ? 0 : std::min(w_out, (w - off + stride - 1) / stride);
  return {lo, std::max(lo, hi)};
}

// Unfolds channels [c0, c0 + cin_g) of one image (x: [c_in, h, w]) into col. Each output row
// is a zero border plus one contiguous (or strided) run of the input: no per-element checks.
TL_SIMD_CLONES
void im2col(const Conv2dGeometry& g, const float* x, int64_t c0, float* col) {
  const int64_t cin_g = g.c_in / g.groups;
  for (int64_t c = 0; c < cin_g; ++c) {
    const float* plane = x + (c0 + c) * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        float* row = col + ((c * g.kh + ki) * g.kw + kj) * col_cols(g);
        const int64_t off = kj * g.dil_w - g.pad_w;  // iw = ow * stride + off
        const ColumnSpan span = valid_columns(off, g.stride_w, g.w, g.w_out);
        for (int64_t oh = 0; oh < g.h_out; ++oh) {
          float* dst = row + oh * g.w_out;
          const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dil_h;
          if (ih < 0 || ih >= g.h) {
            std::memset(dst, 0, size_t(g.w_out) * sizeof(float));
            continue;
          }
          const float* src = plane + ih * g.w + off;
          for (int64_t ow = 0; ow < span.lo; ++ow) dst[ow] = 0.0f;
          if (g.stride_w == 1) {
            std::memcpy(dst + span.lo, src + span.lo, size_t(span.hi - span.lo) * sizeof(float));
          } else {
            for (int64_t ow = span.lo; ow < span.hi; ++ow) dst[ow] = src[ow * g.stride_w];
          }
          for (int64_t ow = span.hi; ow < g.w_out; ++ow) dst[ow] = 0.0f;
        }
      }
  }
}

// The adjoint of im2col: adds col's entries back into channels [c0, c0 + cin_g) of grad_x.
TL_SIMD_CLONES
void col2im(const Conv2dGeometry& g, const float* col, int64_t c0, float* grad_x) {
  const int64_t cin_g = g.c_in / g.groups;
  for (int64_t c = 0; c < cin_g; ++c) {
    float* plane = grad_x + (c0 + c) * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const float* row = col + ((c * g.kh + ki) * g.kw + kj) * col_cols(g);
        const int64_t off = kj * g.dil_w - g.pad_w;
        const ColumnSpan span = valid_columns(off, g.stride_w, g.w, g.w_out);
        for (int64_t oh = 0; oh < g.h_out; ++oh) {
          const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dil_h;
          if (ih < 0 || ih >= g.h) continue;
          const float* src = row + oh * g.w_out;
          float* dst = plane + ih * g.w + off;
          if (g.stride_w == 1) {
            for (int64_t ow = span.lo; ow < span.hi; ++ow) dst[ow] += src[ow];
          } else {
            for (int64_t ow = span.lo; ow < span.hi; ++ow) dst[ow * g.stride_w] += src[ow];
          }
        }
      }
  }
}

// Runs fn(image, group, col_buffer) for every (image, group), spread over the pool.
template <typename Fn>
void for_each_image_group(const Conv2dGeometry& g, bool need_col, Fn&& fn) {
  const int64_t tasks = g.n * g.groups;
  const size_t col_size = need_col ? size_t(col_rows(g) * col_cols(g)) : 0;
  parallel_for(0, tasks, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> col(col_size);
    for (int64_t t = lo; t < hi; ++t) fn(t / g.groups, t % g.groups, col.data());
  });
}

}  // namespace

void conv2d(const Conv2dGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out) {
  const float* xp = x.data<float>();
  const float* wp = weight.data<float>();
  const float* bp = bias.defined() ? bias.data<float>() : nullptr;
  float* op = out.data<float>();
  const int64_t k = col_rows(g), cols = col_cols(g), cout_g = g.c_out / g.groups, cin_g = g.c_in / g.groups;
  const bool direct = is_pointwise(g);
  for_each_image_group(g, !direct, [&](int64_t img, int64_t grp, float* col) {
    const float* image = xp + img * g.c_in * g.h * g.w;
    const float* b = direct ? image + grp * cin_g * g.h * g.w : col;
    if (!direct) im2col(g, image, grp * cin_g, col);
    float* dst = op + (img * g.c_out + grp * cout_g) * cols;
    if (bp) {
      for (int64_t co = 0; co < cout_g; ++co) std::fill(dst + co * cols, dst + (co + 1) * cols, bp[grp * cout_g + co]);
    }
    sgemm(cout_g, cols, k, 1.0f, wp + grp * cout_g * k, k, 1, b, cols, 1, bp ? 1.0f : 0.0f, dst, cols);
  });
}

void conv2d_backward_input(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& weight, const Tensor& grad_x) {
  const float* gp = grad_out.data<float>();
  const float* wp = weight.data<float>();
  float* gx = grad_x.data<float>();
  const int64_t k = col_rows(g), cols = col_cols(g), cout_g = g.c_out / g.groups, cin_g = g.c_in / g.groups;
  const bool direct = is_pointwise(g);
  for_each_image_group(g, !direct, [&](int64_t img, int64_t grp, float* col) {
    const float* go = gp + (img * g.c_out + grp * cout_g) * cols;
    float* image_grad = gx + img * g.c_in * g.h * g.w;
    // grad_col = W_g^T [k, cout_g] * grad_out_g [cout_g, cols]
    const float* wg = wp + grp * cout_g * k;
    if (direct) {
      sgemm(k, cols, cout_g, 1.0f, wg, 1, k, go, cols, 1, 0.0f, image_grad + grp * cin_g * g.h * g.w, cols);
      return;
    }
    sgemm(k, cols, cout_g, 1.0f, wg, 1, k, go, cols, 1, 0.0f, col, cols);
    std::memset(image_grad + grp * cin_g * g.h * g.w, 0, size_t(cin_g * g.h * g.w) * sizeof(float));
    col2im(g, col, grp * cin_g, image_grad);
  });
}

void conv2d_backward_weight(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& grad_w) {
  const float* gp = grad_out.data<float>();
  const float* xp = x.data<float>();
  float* gw = grad_w.data<float>();
  const int64_t k = col_rows(g), cols = col_cols(g), cout_g = g.c_out / g.groups, cin_g = g.c_in / g.groups;
  const bool direct = is_pointwise(g);
  const size_t wsize = size_t(g.c_out * k);
  // Each pool chunk sums its images into a private gradient; the chunks are added at the end.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(num_threads(), g.n));
  std::vector<std::vector<float>> partial(size_t(chunks), std::vector<float>(wsize, 0.0f));
  const int64_t per = (g.n + chunks - 1) / chunks;
  parallel_tasks(chunks, [&](int64_t c) {
    std::vector<float> col(direct ? 0 : size_t(k * cols));
    float* acc = partial[size_t(c)].data();
    for (int64_t img = c * per; img < std::min(g.n, (c + 1) * per); ++img)
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const float* image = xp + img * g.c_in * g.h * g.w;
        const float* b = direct ? image + grp * cin_g * g.h * g.w : col.data();
        if (!direct) im2col(g, image, grp * cin_g, col.data());
        const float* go = gp + (img * g.c_out + grp * cout_g) * cols;
        // grad_W_g [cout_g, k] += grad_out_g [cout_g, cols] * col^T [cols, k]
        sgemm(cout_g, k, cols, 1.0f, go, cols, 1, b, 1, cols, 1.0f, acc + grp * cout_g * k, k);
      }
  });
  std::fill(gw, gw + wsize, 0.0f);
  for (const auto& p : partial)
    for (size_t i = 0; i < wsize; ++i) gw[i] += p[i];
}

}  // namespace tl::cpu

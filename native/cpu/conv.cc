// Convolution as GEMM. im2col unfolds the receptive fields of a chunk of images into a
// [c_in/g * kh * kw, images * h_out * w_out] matrix, so each group's convolution is one
// weight-by-columns product whose wide N dimension keeps the GEMM efficient even for the
// small images and channel counts of tabular-size CNNs (one GEMM per image was 3-5x slower
// there). Chunks are sized to keep the column buffer in cache and spread over the pool; GEMMs
// inside a pool task run single-threaded, and a single chunk gets all threads. 1x1 stride-1
// unpadded convolutions use the input directly, one image at a time. 3x3 stride-1 ones with
// >= 16 channels take Winograd instead (conv_winograd.cc: 4x fewer multiplies).
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "../core/parallel.h"
#include "conv_winograd.h"
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
  // Clamped to the row: a tap whose left padding spans more than the output row (a dilated
  // kernel over a narrow image) would otherwise zero-fill past it, into the next image's column.
  const int64_t lo = std::min(w_out, off >= 0 ? 0 : (-off + stride - 1) / stride);
  const int64_t hi = off >= w ? 0 : std::min(w_out, (w - off + stride - 1) / stride);
  return {lo, std::max(lo, hi)};
}

// Unfolds channels [c0, c0 + cin_g) of one image (x: [c_in, h, w]) into the columns of col
// (rows ld apart). Each output row is a zero border plus one contiguous (or strided) run of
// the input: no per-element checks.
TL_SIMD_CLONES
void im2col(const Conv2dGeometry& g, const float* x, int64_t c0, float* col, int64_t ld) {
  const int64_t cin_g = g.c_in / g.groups;
  for (int64_t c = 0; c < cin_g; ++c) {
    const float* plane = x + (c0 + c) * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        float* row = col + ((c * g.kh + ki) * g.kw + kj) * ld;
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
void col2im(const Conv2dGeometry& g, const float* col, int64_t ld, int64_t c0, float* grad_x) {
  const int64_t cin_g = g.c_in / g.groups;
  for (int64_t c = 0; c < cin_g; ++c) {
    float* plane = grad_x + (c0 + c) * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const float* row = col + ((c * g.kh + ki) * g.kw + kj) * ld;
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


// Images per chunk: as many as fit a ~256 KB column buffer (it stays in L2 while the GEMM
// reads it; larger chunks measured slower), but enough chunks to feed every
// thread when the batch allows.
int64_t images_per_chunk(const Conv2dGeometry& g) {
  const int64_t col_bytes = col_rows(g) * col_cols(g) * int64_t(sizeof(float));
  int64_t per = std::max<int64_t>(1, (int64_t(256) << 10) / std::max<int64_t>(col_bytes, 1));
  const int64_t threads = num_threads();
  if (g.n >= threads) per = std::min(per, (g.n + threads - 1) / threads);
  return std::min(per, g.n);
}

// Runs fn(first_image, images, scratch) over chunks of the batch, spread over the pool; each
// task gets its own scratch vector.
template <typename Fn>
void for_each_chunk(const Conv2dGeometry& g, Fn&& fn) {
  const int64_t per = images_per_chunk(g), chunks = (g.n + per - 1) / per;
  parallel_for(0, chunks, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> scratch;
    for (int64_t c = lo; c < hi; ++c) fn(c * per, std::min(per, g.n - c * per), scratch);
  });
}

// [cout_g, b * cols] chunk layout <-> rows of [n, c_out, cols] tensors.
void gather_rows(const Conv2dGeometry& g, const float* src, int64_t img0, int64_t b, int64_t co0, float* dst) {
  const int64_t cols = col_cols(g), cout_g = g.c_out / g.groups, ld = b * cols;
  for (int64_t i = 0; i < b; ++i)
    for (int64_t co = 0; co < cout_g; ++co)
      std::memcpy(dst + co * ld + i * cols, src + ((img0 + i) * g.c_out + co0 + co) * cols, size_t(cols) * sizeof(float));
}

void scatter_rows(const Conv2dGeometry& g, const float* src, int64_t img0, int64_t b, int64_t co0, float* dst) {
  const int64_t cols = col_cols(g), cout_g = g.c_out / g.groups, ld = b * cols;
  for (int64_t i = 0; i < b; ++i)
    for (int64_t co = 0; co < cout_g; ++co)
      std::memcpy(dst + ((img0 + i) * g.c_out + co0 + co) * cols, src + co * ld + i * cols, size_t(cols) * sizeof(float));
}

}  // namespace

void conv2d(const Conv2dGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out) {
  const float* xp = x.data<float>();
  const float* wp = weight.data<float>();
  const float* bp = bias.defined() ? bias.data<float>() : nullptr;
  float* op = out.data<float>();
  const int64_t k = col_rows(g), cols = col_cols(g), cout_g = g.c_out / g.groups, cin_g = g.c_in / g.groups;
  const int64_t image = g.c_in * g.h * g.w;
  if (winograd_applies(g)) return winograd_conv2d(g, xp, wp, bp, op);
  if (is_pointwise(g)) {
    parallel_for(0, g.n * g.groups, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t img = t / g.groups, grp = t % g.groups;
        float* dst = op + (img * g.c_out + grp * cout_g) * cols;
        if (bp)
          for (int64_t co = 0; co < cout_g; ++co) std::fill(dst + co * cols, dst + (co + 1) * cols, bp[grp * cout_g + co]);
        sgemm(cout_g, cols, k, 1.0f, wp + grp * cout_g * k, k, 1, xp + img * image + grp * cin_g * g.h * g.w, cols, 1,
              bp ? 1.0f : 0.0f, dst, cols);
      }
    });
    return;
  }
  for_each_chunk(g, [&](int64_t img0, int64_t b, std::vector<float>& scratch) {
    const int64_t ld = b * cols;
    scratch.resize(size_t(k * ld + cout_g * ld));
    float *col = scratch.data(), *tmp = col + k * ld;
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      for (int64_t i = 0; i < b; ++i) im2col(g, xp + (img0 + i) * image, grp * cin_g, col + i * cols, ld);
      if (bp)
        for (int64_t co = 0; co < cout_g; ++co) std::fill(tmp + co * ld, tmp + (co + 1) * ld, bp[grp * cout_g + co]);
      sgemm(cout_g, ld, k, 1.0f, wp + grp * cout_g * k, k, 1, col, ld, 1, bp ? 1.0f : 0.0f, tmp, ld);
      scatter_rows(g, tmp, img0, b, grp * cout_g, op);
    }
  });
}

void conv2d_backward_input(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& weight, const Tensor& grad_x) {
  const float* gp = grad_out.data<float>();
  const float* wp = weight.data<float>();
  float* gx = grad_x.data<float>();
  const int64_t k = col_rows(g), cols = col_cols(g), cout_g = g.c_out / g.groups, cin_g = g.c_in / g.groups;
  const int64_t image = g.c_in * g.h * g.w;
  if (winograd_applies(g)) return winograd_backward_input(g, gp, wp, gx);
  if (is_pointwise(g)) {
    parallel_for(0, g.n * g.groups, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t img = t / g.groups, grp = t % g.groups;
        // grad_x_g [k, cols] = W_g^T [k, cout_g] * grad_out_g [cout_g, cols]
        sgemm(k, cols, cout_g, 1.0f, wp + grp * cout_g * k, 1, k, gp + (img * g.c_out + grp * cout_g) * cols, cols, 1,
              0.0f, gx + img * image + grp * cin_g * g.h * g.w, cols);
      }
    });
    return;
  }
  for_each_chunk(g, [&](int64_t img0, int64_t b, std::vector<float>& scratch) {
    const int64_t ld = b * cols;
    scratch.resize(size_t(k * ld + cout_g * ld));
    float *col = scratch.data(), *gt = col + k * ld;
    for (int64_t i = 0; i < b; ++i) std::memset(gx + (img0 + i) * image, 0, size_t(image) * sizeof(float));
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      gather_rows(g, gp, img0, b, grp * cout_g, gt);
      sgemm(k, ld, cout_g, 1.0f, wp + grp * cout_g * k, 1, k, gt, ld, 1, 0.0f, col, ld);
      for (int64_t i = 0; i < b; ++i) col2im(g, col + i * cols, ld, grp * cin_g, gx + (img0 + i) * image);
    }
  });
}

void conv2d_backward_weight(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& grad_w) {
  const float* gp = grad_out.data<float>();
  const float* xp = x.data<float>();
  float* gw = grad_w.data<float>();
  const int64_t k = col_rows(g), cols = col_cols(g), cout_g = g.c_out / g.groups, cin_g = g.c_in / g.groups;
  const int64_t image = g.c_in * g.h * g.w;
  const size_t wsize = size_t(g.c_out * k);
  if (winograd_applies(g)) return winograd_backward_weight(g, gp, xp, gw);
  // Each chunk of images sums into a private gradient (one per pool task); added at the end.
  const int64_t per = is_pointwise(g) ? 1 : images_per_chunk(g), chunks = (g.n + per - 1) / per;
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(num_threads(), chunks));
  std::vector<std::vector<float>> partial(size_t(tasks), std::vector<float>(wsize, 0.0f));
  const int64_t chunks_per_task = (chunks + tasks - 1) / tasks;
  parallel_tasks(tasks, [&](int64_t t) {
    std::vector<float> scratch;
    float* acc = partial[size_t(t)].data();
    for (int64_t c = t * chunks_per_task; c < std::min(chunks, (t + 1) * chunks_per_task); ++c) {
      const int64_t img0 = c * per, b = std::min(per, g.n - img0), ld = b * cols;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        if (is_pointwise(g)) {
          // grad_W_g [cout_g, k] += grad_out_g [cout_g, cols] * x_g^T [cols, k]
          sgemm(cout_g, k, cols, 1.0f, gp + (img0 * g.c_out + grp * cout_g) * cols, cols, 1,
                xp + img0 * image + grp * cin_g * g.h * g.w, 1, cols, 1.0f, acc + grp * cout_g * k, k);
          continue;
        }
        scratch.resize(size_t(k * ld + cout_g * ld));
        float *col = scratch.data(), *gt = col + k * ld;
        for (int64_t i = 0; i < b; ++i) im2col(g, xp + (img0 + i) * image, grp * cin_g, col + i * cols, ld);
        gather_rows(g, gp, img0, b, grp * cout_g, gt);
        // grad_W_g [cout_g, k] += grad_out_g [cout_g, b*cols] * col^T [b*cols, k]
        sgemm(cout_g, k, ld, 1.0f, gt, ld, 1, col, 1, ld, 1.0f, acc + grp * cout_g * k, k);
      }
    }
  });
  std::fill(gw, gw + wsize, 0.0f);
  for (const auto& p : partial)
    for (size_t i = 0; i < wsize; ++i) gw[i] += p[i];
}

}  // namespace tl::cpu

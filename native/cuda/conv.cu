// 2-D convolution (NCHW, contiguous) as im2col + cuBLAS GEMMs, with both backward kernels
// (native/cpu/conv.cc). Images are processed in chunks whose column buffer stays within
// kColumnBudget; within a chunk the per-(image, group) products are strided-batched GEMMs.
//
// Column layouts (Kt = c_in * kh * kw rows, row r = (c * kh + ki) * kw + kj, cols = h_out * w_out):
//   image-major   [images][Kt][cols]  forward and input gradient: image i's group g is the
//                                     [K_g, cols] block at (i * Kt + g * K_g) * cols, beside the
//                                     [c_out, cols] planes of the output it pairs with;
//   channel-major [Kt][images * cols] weight gradient: the images of a chunk line up along the
//                                     GEMM's reduction dim, so one GEMM per group sums them.
// 1x1 stride-1 unpadded convolutions use the input (or write the input gradient) directly.
#include <algorithm>

#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

using Geometry = cpu::Conv2dGeometry;

constexpr int64_t kColumnBudget = int64_t(128) << 20;  // bytes of column buffer per chunk

bool is_pointwise(const Geometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0;
}

struct Sizes {
  int64_t cin_g, cout_g, k_g, kt, cols;
};
Sizes sizes(const Geometry& g) {
  const int64_t cin_g = g.c_in / g.groups;
  return {cin_g, g.c_out / g.groups, cin_g * g.kh * g.kw, g.c_in * g.kh * g.kw, g.h_out * g.w_out};
}

// Images per chunk for a per-image scratch footprint of `bytes`.
int64_t chunk_images(const Geometry& g, int64_t bytes) {
  return std::clamp<int64_t>(kColumnBudget / std::max<int64_t>(bytes, 1), 1, std::max<int64_t>(g.n, 1));
}

// Unfolds images [img0, img0 + b) of x into col: element (i, r, p) goes to
// col[i * img_stride + r * row_stride + p]; taps outside the image are 0.
__global__ void im2col_kernel(const float* x, float* col, Geometry g, int64_t img0, int64_t b, int64_t img_stride,
                              int64_t row_stride) {
  const int64_t cols = g.h_out * g.w_out, taps = g.kh * g.kw, kt = g.c_in * taps;
  const int64_t total = b * kt * cols;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t q = fast_div(t, cols), p = t - q * cols;
    const int64_t i = fast_div(q, kt), r = q - i * kt;
    const int64_t c = fast_div(r, taps), tap = r - c * taps;
    const int64_t ki = fast_div(tap, g.kw), kj = tap - ki * g.kw;
    const int64_t oh = fast_div(p, g.w_out), ow = p - oh * g.w_out;
    const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dil_h, iw = ow * g.stride_w - g.pad_w + kj * g.dil_w;
    float v = 0.0f;
    if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) v = x[(((img0 + i) * g.c_in + c) * g.h + ih) * g.w + iw];
    col[i * img_stride + r * row_stride + p] = v;
  }
}

// The adjoint of im2col (image-major col of images [img0, img0 + b)), as a gather: each input
// element sums the column entries that read it, in tap order like the CPU. No atomics, and
// grad_x is written, not accumulated.
__global__ void col2im_kernel(const float* col, float* gx, Geometry g, int64_t img0, int64_t b) {
  const int64_t cols = g.h_out * g.w_out, kt = g.c_in * g.kh * g.kw, plane = g.h * g.w;
  const int64_t total = b * g.c_in * plane;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t q = fast_div(t, plane), at = t - q * plane;
    const int64_t i = fast_div(q, g.c_in), c = q - i * g.c_in;
    const int64_t ih = fast_div(at, g.w), iw = at - ih * g.w;
    const float* base = col + (i * kt + c * g.kh * g.kw) * cols;
    float sum = 0.0f;
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const int64_t th = ih + g.pad_h - ki * g.dil_h;  // = oh * stride_h
      if (th < 0) break;
      const int64_t oh = th / g.stride_h;
      if (oh * g.stride_h != th || oh >= g.h_out) continue;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const int64_t tw = iw + g.pad_w - kj * g.dil_w;
        if (tw < 0) break;
        const int64_t ow = tw / g.stride_w;
        if (ow * g.stride_w != tw || ow >= g.w_out) continue;
        sum += base[(ki * g.kw + kj) * cols + oh * g.w_out + ow];
      }
    }
    gx[img0 * g.c_in * plane + t] = sum;
  }
}

// dst [c_out][b * cols] <- grad_out rows of images [img0, img0 + b) ([n][c_out][cols]).
__global__ void gather_rows_kernel(const float* src, float* dst, int64_t img0, int64_t b, int64_t c_out, int64_t cols) {
  const int64_t ld = b * cols, total = c_out * ld;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t co = fast_div(t, ld), rest = t - co * ld;
    const int64_t i = fast_div(rest, cols), p = rest - i * cols;
    dst[t] = src[((img0 + i) * c_out + co) * cols + p];
  }
}

__global__ void add_bias_kernel(float* out, const float* bias, int64_t total, int64_t cols, int64_t c_out) {
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t q = fast_div(t, cols);
    out[t] += bias[q - fast_div(q, c_out) * c_out];
  }
}

// An operand of the per-(image, group) products: matrix (i, g) starts at
// p + i * image_stride + g * group_stride.
struct Grouped {
  const float* p;
  int64_t rs, cs, image_stride, group_stride;
};

// C[i, g] = A[i, g] B[i, g] (+ beta C) for i < images, g < groups, as strided-batched GEMMs
// over the larger of the two counts (one launch per member of the smaller).
void grouped_gemm(int64_t images, int64_t groups, int64_t m, int64_t n, int64_t k, const Grouped& a, const Grouped& b,
                  float beta, float* c, int64_t ldc, int64_t c_image_stride, int64_t c_group_stride, const char* op) {
  if (groups <= images) {
    for (int64_t grp = 0; grp < groups; ++grp)
      gemm(images, m, n, k, 1.0f, GemmOperand{a.p + grp * a.group_stride, a.rs, a.cs, a.image_stride},
           GemmOperand{b.p + grp * b.group_stride, b.rs, b.cs, b.image_stride}, beta, c + grp * c_group_stride, ldc,
           c_image_stride, op);
  } else {
    for (int64_t i = 0; i < images; ++i)
      gemm(groups, m, n, k, 1.0f, GemmOperand{a.p + i * a.image_stride, a.rs, a.cs, a.group_stride},
           GemmOperand{b.p + i * b.image_stride, b.rs, b.cs, b.group_stride}, beta, c + i * c_image_stride, ldc,
           c_group_stride, op);
  }
}

void im2col(const Geometry& g, const float* x, float* col, int64_t img0, int64_t b, int64_t img_stride,
            int64_t row_stride, const char* op) {
  const int64_t total = b * g.c_in * g.kh * g.kw * g.h_out * g.w_out;
  im2col_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(x, col, g, img0, b, img_stride, row_stride);
  check_launch(op);
}

}  // namespace

void conv2d(const Geometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out) {
  const char* op = "conv2d";
  const Sizes s = sizes(g);
  const float *xp = x.data<float>(), *wp = weight.data<float>();
  float* op_out = out.data<float>();
  const bool pointwise = is_pointwise(g);
  const int64_t per = pointwise ? g.n : chunk_images(g, s.kt * s.cols * 4);
  const Tensor col = pointwise ? Tensor() : scratch(per * s.kt * s.cols * 4, op);
  // W_g [cout_g, K_g] shared by every image; columns of image i, group g; output planes.
  const Grouped w{wp, s.k_g, 1, 0, s.cout_g * s.k_g};
  for (int64_t img0 = 0; img0 < g.n; img0 += per) {
    const int64_t b = std::min(per, g.n - img0);
    const float* src = xp + img0 * g.c_in * g.h * g.w;  // pointwise: the input is its own column matrix
    if (!pointwise) {
      im2col(g, xp, col.data<float>(), img0, b, s.kt * s.cols, s.cols, op);
      src = col.data<float>();
    }
    grouped_gemm(b, g.groups, s.cout_g, s.cols, s.k_g, w, Grouped{src, s.cols, 1, s.kt * s.cols, s.k_g * s.cols}, 0.0f,
                 op_out + img0 * g.c_out * s.cols, s.cols, g.c_out * s.cols, s.cout_g * s.cols, op);
  }
  if (bias.defined()) {
    const int64_t total = out.numel();
    add_bias_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(op_out, bias.data<float>(), total, s.cols, g.c_out);
    check_launch(op);
  }
}

void conv2d_backward_input(const Geometry& g, const Tensor& grad_out, const Tensor& weight, const Tensor& grad_x) {
  const char* op = "conv2dBackwardInput";
  const Sizes s = sizes(g);
  const float *gp = grad_out.data<float>(), *wp = weight.data<float>();
  float* gx = grad_x.data<float>();
  // W_g^T [K_g, cout_g] (element (p, co) is w[co * K_g + p]) times grad_out's [cout_g, cols] planes.
  const Grouped wt{wp, 1, s.k_g, 0, s.cout_g * s.k_g};
  const Grouped go{gp, s.cols, 1, g.c_out * s.cols, s.cout_g * s.cols};
  if (is_pointwise(g)) {  // the products are the input gradient's planes themselves
    grouped_gemm(g.n, g.groups, s.k_g, s.cols, s.cout_g, wt, go, 0.0f, gx, s.cols, g.c_in * s.cols, s.k_g * s.cols, op);
    return;
  }
  const int64_t per = chunk_images(g, s.kt * s.cols * 4);
  const Tensor col = scratch(per * s.kt * s.cols * 4, op);
  float* cp = col.data<float>();
  for (int64_t img0 = 0; img0 < g.n; img0 += per) {
    const int64_t b = std::min(per, g.n - img0);
    const Grouped go_chunk{go.p + img0 * g.c_out * s.cols, go.rs, go.cs, go.image_stride, go.group_stride};
    grouped_gemm(b, g.groups, s.k_g, s.cols, s.cout_g, wt, go_chunk, 0.0f, cp, s.cols, s.kt * s.cols, s.k_g * s.cols,
                 op);
    const int64_t total = b * g.c_in * g.h * g.w;
    col2im_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(cp, gx, g, img0, b);
    check_launch(op);
  }
}

void conv2d_backward_weight(const Geometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& grad_w) {
  const char* op = "conv2dBackwardWeight";
  const Sizes s = sizes(g);
  const float *gp = grad_out.data<float>(), *xp = x.data<float>();
  float* gw = grad_w.data<float>();
  const int64_t per = chunk_images(g, (s.kt + g.c_out) * s.cols * 4);
  const Tensor col = scratch(per * s.kt * s.cols * 4, op);
  const Tensor rows = per > 1 ? scratch(per * g.c_out * s.cols * 4, op) : Tensor();
  float* cp = col.data<float>();
  for (int64_t img0 = 0; img0 < g.n; img0 += per) {
    const int64_t b = std::min(per, g.n - img0), ld = b * s.cols;
    im2col(g, xp, cp, img0, b, s.cols, ld, op);  // channel-major
    const float* gt = gp + img0 * g.c_out * s.cols;  // one image: its [c_out, cols] rows as they are
    if (b > 1) {
      gather_rows_kernel<<<blocks_for(g.c_out * ld), kThreads, 0, stream()>>>(gp, rows.data<float>(), img0, b,
                                                                              g.c_out, s.cols);
      check_launch(op);
      gt = rows.data<float>();
    }
    // grad_W_g [cout_g, K_g] (+)= grad_out_g [cout_g, b * cols] col_g^T [b * cols, K_g]; the
    // first chunk overwrites, so grad_w needs no zeroing.
    grouped_gemm(1, g.groups, s.cout_g, s.k_g, ld, Grouped{gt, ld, 1, 0, s.cout_g * ld},
                 Grouped{cp, 1, ld, 0, s.k_g * ld}, img0 == 0 ? 0.0f : 1.0f, gw, s.k_g, 0, s.cout_g * s.k_g, op);
  }
}

}  // namespace tl::cuda

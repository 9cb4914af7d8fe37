// 2-D max and average pooling (NCHW, contiguous) and their backward kernels
// (native/cpu/pool.cc). One thread per output element for the forward passes, taps visited in
// the CPU's order (window rows, then columns) so ties and NaN resolve the same way: the first
// maximum wins, the first NaN beats everything, and indices are positions within the input
// plane. Average pooling's backward is a gather (each input sums the shares of the windows
// that cover it, in output order, as the CPU adds them); max pooling's uses atomics because
// the indices it is given need not come from a forward pass with this geometry.
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

using Geometry = cpu::Pool2dGeometry;

__global__ void max_pool_kernel(const float* x, float* out, int32_t* indices, Geometry g, int64_t total) {
  const int64_t outs = g.h_out * g.w_out;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t p = fast_div(t, outs), rest = t - p * outs;
    const int64_t oh = fast_div(rest, g.w_out), ow = rest - oh * g.w_out;
    const float* plane = x + p * g.h * g.w;
    float best = -INFINITY;
    int64_t at = -1;
    for (int64_t r = 0; r < g.kh; ++r) {
      const int64_t ih = oh * g.stride_h - g.pad_h + r * g.dil_h;
      if (ih < 0 || ih >= g.h) continue;  // padding counts as -inf
      for (int64_t c = 0; c < g.kw; ++c) {
        const int64_t iw = ow * g.stride_w - g.pad_w + c * g.dil_w;
        if (iw < 0 || iw >= g.w) continue;
        const float v = plane[ih * g.w + iw];
        if (v > best || (v != v && best == best) || at < 0) {
          best = v;
          at = ih * g.w + iw;
        }
      }
    }
    out[t] = best;
    indices[t] = int32_t(at);
  }
}

// grad_x (zeroed first) += grad_out at the recorded positions. Overlapping windows can pick
// the same input, so the adds are atomic; their order, and so the last bits of such sums,
// varies from run to run. The positions are checked here (they need not come from a forward
// pass with this geometry): -1 (a window of padding only) sends nothing, and anything else
// outside the plane is reported and skipped.
__global__ void max_pool_backward_kernel(const float* go, const int32_t* indices, float* gx, Geometry g,
                                         int64_t total, CheckSink sink) {
  const int64_t outs = g.h_out * g.w_out, plane = g.h * g.w;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t at = indices[t];
    if (at >= 0 && at < plane) atomicAdd(gx + fast_div(t, outs) * plane + at, go[t]);
    else if (at != -1) report_check(sink, CheckedOp::MaxPool2dBackward, at, plane);
  }
}

// Taps averaged by window (oh, ow): PyTorch's divisor rules, as on the CPU.
__device__ __forceinline__ int64_t avg_divisor(const Geometry& g, int64_t oh, int64_t ow) {
  const int64_t hs = oh * g.stride_h - g.pad_h, ws = ow * g.stride_w - g.pad_w;
  if (g.count_include_pad) {
    const int64_t he = min(hs + g.kh, g.h + g.pad_h), we = min(ws + g.kw, g.w + g.pad_w);
    return (he - hs) * (we - ws);
  }
  const int64_t h0 = max(hs, int64_t(0)), w0 = max(ws, int64_t(0));
  const int64_t h1 = min(hs + g.kh, g.h), w1 = min(ws + g.kw, g.w);
  return max(int64_t(1), (h1 - h0) * (w1 - w0));
}

__global__ void avg_pool_kernel(const float* x, float* out, Geometry g, int64_t total) {
  const int64_t outs = g.h_out * g.w_out;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t p = fast_div(t, outs), rest = t - p * outs;
    const int64_t oh = fast_div(rest, g.w_out), ow = rest - oh * g.w_out;
    const float* plane = x + p * g.h * g.w;
    const int64_t hs = oh * g.stride_h - g.pad_h, ws = ow * g.stride_w - g.pad_w;
    const int64_t he = min(hs + g.kh, g.h), we = min(ws + g.kw, g.w);
    float s = 0.0f;
    for (int64_t ih = max(hs, int64_t(0)); ih < he; ++ih)
      for (int64_t iw = max(ws, int64_t(0)); iw < we; ++iw) s += plane[ih * g.w + iw];
    out[t] = s / float(avg_divisor(g, oh, ow));
  }
}

// First output whose window [o * stride - pad, o * stride - pad + k) covers input index i.
__device__ __forceinline__ int64_t first_window(int64_t i, int64_t stride, int64_t pad, int64_t k) {
  const int64_t num = i + pad - k + 1;
  return num <= 0 ? 0 : (num + stride - 1) / stride;
}

__global__ void avg_pool_backward_kernel(const float* go, float* gx, Geometry g, int64_t total) {
  const int64_t plane = g.h * g.w;
  for (int64_t t = thread_index(); t < total; t += thread_count()) {
    const int64_t p = fast_div(t, plane), at = t - p * plane;
    const int64_t ih = fast_div(at, g.w), iw = at - ih * g.w;
    const float* gp = go + p * g.h_out * g.w_out;
    const int64_t oh0 = first_window(ih, g.stride_h, g.pad_h, g.kh), oh1 = min(g.h_out - 1, (ih + g.pad_h) / g.stride_h);
    const int64_t ow0 = first_window(iw, g.stride_w, g.pad_w, g.kw), ow1 = min(g.w_out - 1, (iw + g.pad_w) / g.stride_w);
    float s = 0.0f;
    for (int64_t oh = oh0; oh <= oh1; ++oh)
      for (int64_t ow = ow0; ow <= ow1; ++ow) s += gp[oh * g.w_out + ow] / float(avg_divisor(g, oh, ow));
    gx[t] = s;
  }
}

}  // namespace

void max_pool2d(const Geometry& g, const Tensor& x, const Tensor& out, const Tensor& indices) {
  const int64_t total = out.numel();
  if (total == 0) return;
  max_pool_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(x.data<float>(), out.data<float>(),
                                                                indices.data<int32_t>(), g, total);
  check_launch("maxPool2d");
}

void max_pool2d_backward(const Geometry& g, const Tensor& grad_out, const Tensor& indices, const Tensor& grad_x) {
  if (grad_x.numel() == 0) return;
  check(cudaMemsetAsync(grad_x.data<float>(), 0, grad_x.nbytes(), stream()), "maxPool2dBackward");
  const int64_t total = grad_out.numel();
  if (total == 0) return;
  max_pool_backward_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(grad_out.data<float>(),
                                                                         indices.data<int32_t>(),
                                                                         grad_x.data<float>(), g, total,
                                                                         check_sink());
  check_launch("maxPool2dBackward");
}

void avg_pool2d(const Geometry& g, const Tensor& x, const Tensor& out) {
  const int64_t total = out.numel();
  if (total == 0) return;
  avg_pool_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(x.data<float>(), out.data<float>(), g, total);
  check_launch("avgPool2d");
}

void avg_pool2d_backward(const Geometry& g, const Tensor& grad_out, const Tensor& grad_x) {
  const int64_t total = grad_x.numel();
  if (total == 0) return;
  avg_pool_backward_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(grad_out.data<float>(), grad_x.data<float>(),
                                                                         g, total);
  check_launch("avgPool2dBackward");
}

}  // namespace tl::cuda

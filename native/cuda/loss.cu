// The fused softmax cross-entropy, forward and backward (native/cpu/loss.cc): one row per
// warp or block (row_reduce), max first (NaN propagates), then the sum of exp(x - max) in
// double. Bad labels are checked on the device and raised at the next synchronization.
#include <cmath>

#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

// Whether label y names a class or is ignore_index; others are reported (raised at the next
// synchronization) and their rows get a NaN loss and no gradient, with no read out of bounds.
__device__ __forceinline__ bool label_ok(int64_t y, int64_t c, int64_t ignore_index, CheckedOp op,
                                         const CheckSink& sink) {
  if (y == ignore_index || (y >= 0 && y < c)) return true;
  report_check(sink, op, y, c, ignore_index);
  return false;
}

// loss = lse - (1 - smoothing) (x_y - max) - smoothing (mean(x) - max), all relative to the
// row maximum; lse = log(sum(exp(x - max))).
__global__ void ce_forward(const float* x, const int32_t* labels, int64_t n, int64_t c, int64_t ignore_index,
                           double smoothing, float* loss, float* lse, CheckSink sink) {
  TL_FOR_ROWS(n) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < n;
    const float* row = x + (valid ? r : 0) * c;
    const int64_t first = valid ? threadIdx.x : c;
    float m = -INFINITY;
    for (int64_t j = first; j < c; j += blockDim.x) m = MaxNanOp()(m, row[j]);
    m = row_reduce(m, MaxNanOp());
    double s = 0, sx = 0;
    for (int64_t j = first; j < c; j += blockDim.x) {
      s += expf(row[j] - m);
      sx += double(row[j]);
    }
    s = row_reduce(s, SumOp());
    sx = row_reduce(sx, SumOp());
    if (valid && threadIdx.x == 0) {
      const double log_s = ::log(s);
      lse[r] = float(log_s);
      const int32_t y = labels[r];
      if (!label_ok(y, c, ignore_index, CheckedOp::CrossEntropy, sink))
        loss[r] = NAN;
      else
        loss[r] = int64_t(y) == ignore_index
                      ? 0.0f
                      : float(log_s - (1.0 - smoothing) * (double(row[y]) - m) - smoothing * (sx / double(c) - m));
    }
  }
}

// grad[i, j] = g_i (softmax[i, j] - uniform) - g_i (1 - smoothing) [j == y_i]; 0 for ignored rows.
__global__ void ce_backward(const float* x, const int32_t* labels, const float* lse, const float* grad, int64_t n,
                            int64_t c, int64_t ignore_index, float uniform, float keep, float* gx, CheckSink sink) {
  TL_FOR_ROWS(n) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < n;
    const float* row = x + (valid ? r : 0) * c;
    const int64_t label = valid ? int64_t(labels[r]) : ignore_index;
    const bool known = label == ignore_index || (label >= 0 && label < c);
    if (valid && !known && threadIdx.x == 0) report_check(sink, CheckedOp::CrossEntropyBackward, label, c, ignore_index);
    const bool ignored = !valid || label == ignore_index || !known;  // a bad label: no gradient
    const int64_t first = ignored ? c : threadIdx.x;
    float m = -INFINITY;  // recomputed: cheaper than saving it
    for (int64_t j = first; j < c; j += blockDim.x) m = MaxNanOp()(m, row[j]);
    m = row_reduce(m, MaxNanOp());
    if (!valid) continue;
    float* out = gx + r * c;
    if (ignored) {
      for (int64_t j = threadIdx.x; j < c; j += blockDim.x) out[j] = 0.0f;
      continue;
    }
    const int32_t y = labels[r];
    const float log_s = lse[r], scale = grad[r];
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) {
      float v = scale * (expf((row[j] - m) - log_s) - uniform);
      // Separate rounding steps, as the CPU subtracts the label term from the stored value.
      if (j == y) v = __fsub_rn(v, __fmul_rn(scale, keep));
      out[j] = v;
    }
  }
}

}  // namespace

void cross_entropy(const Tensor& logits, const Tensor& labels, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse) {
  const int64_t n = logits.size(0), c = logits.size(1);
  if (n == 0) return;
  const RowLaunch l = row_launch(n, c);
  ce_forward<<<l.grid, l.block, 0, stream()>>>(logits.data<float>(), labels.data<int32_t>(), n, c, ignore_index,
                                               smoothing, loss.data<float>(), lse.data<float>(), check_sink());
  check_launch("crossEntropy");
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, const Tensor& grad_loss,
                            int64_t ignore_index, double smoothing, const Tensor& grad_logits) {
  const int64_t n = logits.size(0), c = logits.size(1);
  if (n == 0 || c == 0) return;
  const RowLaunch l = row_launch(n, c);
  ce_backward<<<l.grid, l.block, 0, stream()>>>(logits.data<float>(), labels.data<int32_t>(), lse.data<float>(),
                                                grad_loss.data<float>(), n, c, ignore_index,
                                                float(smoothing / double(c)), float(1.0 - smoothing),
                                                grad_logits.data<float>(), check_sink());
  check_launch("crossEntropyBackward");
}

}  // namespace tl::cuda

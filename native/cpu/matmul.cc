#include "matmul.h"

#include <cstring>
#include <vector>

#include "../core/parallel.h"

#include "elementwise.h"
#include "gemm.h"

namespace tl::cpu {

void bmm(const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  if (out.numel() == 0) return;
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* pc = out.data<float>();
  // A shared right operand and row-stacked left operands are one tall GEMM (Linear on
  // [batch, time, features] inputs): far better blocking than many small ones.
  if (batch == 1 || (b.stride(0) == 0 && a.stride(0) == m * a.stride(1))) {
    sgemm(batch * m, n, k, 1.0f, pa, a.stride(1), a.stride(2), pb, b.stride(1), b.stride(2), 0.0f, pc, n);
    return;
  }
  std::vector<const float*> as(static_cast<size_t>(batch)), bs(static_cast<size_t>(batch));
  std::vector<float*> cs(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) {
    as[size_t(i)] = pa + i * a.stride(0);
    bs[size_t(i)] = pb + i * b.stride(0);
    cs[size_t(i)] = pc + i * m * n;
  }
  sgemm_batched(batch, m, n, k, 1.0f, as.data(), a.stride(1), a.stride(2), bs.data(), b.stride(1), b.stride(2), 0.0f,
                cs.data(), n);
}

void linear(const Tensor& x, const Tensor& w, const Tensor& bias, bool fused, UnaryOp act, const Tensor& out) {
  const int64_t m = x.size(0), k = x.size(1), n = w.size(0);
  if (out.numel() == 0) return;
  float* c = out.data<float>();
  if (bias.defined()) {
    const float* b = bias.data<float>();
    parallel_for(0, m, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) std::memcpy(c + i * n, b, size_t(n) * sizeof(float));
    });
  }
  sgemm(m, n, k, 1.0f, x.data<float>(), x.stride(0), x.stride(1), w.data<float>(), w.stride(1), w.stride(0),
        bias.defined() ? 1.0f : 0.0f, c, n);
  if (fused) unary(act, out, out, 0.0, 0.0);  // in place, while the output is still in cache
}

}  // namespace tl::cpu

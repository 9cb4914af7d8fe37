// Fused softmax + cross-entropy: one pass per row forward and one backward (softmax -
// target), never materializing log-probabilities. `lse` holds each row's log(sum(exp(x - max)))
// (the log-sum-exp relative to the row maximum, which the backward recomputes).
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

// logits [n, c] contiguous float32, labels int32 [n] in [0, c) or == ignore_index.
// loss[i] = lse_i - (1 - smoothing) * x[i, y_i] - smoothing * mean_c x[i, c] (0 when ignored).
void cross_entropy(const Tensor& logits, const Tensor& labels, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse);
// grad_logits[i, c] = grad_loss[i] * (softmax[i, c] - (1 - smoothing) [c == y_i] - smoothing / c).
void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, const Tensor& grad_loss,
                            int64_t ignore_index, double smoothing, const Tensor& grad_logits);

}  // namespace tl::cpu

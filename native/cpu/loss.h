// Fused softmax + cross-entropy: one pass per row forward and one backward (softmax -
// target), never materializing log-probabilities. `lse` holds each row's log(sum(exp(x - max)))
// (the log-sum-exp relative to the row maximum, which the backward recomputes).
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

#include "../core/kernels/loss.inc"

}  // namespace tl::cpu

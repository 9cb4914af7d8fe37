// An inference plan: a fixed chain of row-wise layers (Linear with a fused activation,
// activations, softmax, layer norm, batch norm in eval mode) replayed in one native call.
// Why: a small model at batch 1 spends more time crossing from JS into C++ and allocating
// outputs than computing; a plan crosses once, reads its input in place and keeps its
// intermediate buffers between calls, so one row costs about what the math costs.
#pragma once
#include <cstdint>
#include <vector>

#include "op_kinds.h"
#include "tensor.h"

namespace tl {

struct PlanStep {
  enum class Kind : uint8_t { Linear, Unary, Softmax, LayerNorm, BatchNorm };
  Kind kind = Kind::Linear;
  Tensor weight, bias;                   // Linear [out, in] / [out]; norms [features] (either may be undefined)
  Tensor running_mean, running_var;      // BatchNorm
  bool fused = false;                    // Linear: apply `op` to the output
  UnaryOp op = UnaryOp::Relu;            // Linear (fused) and Unary
  double p0 = 0, p1 = 0;                 // Unary parameters (leakyRelu slope, elu alpha, ...)
  bool log = false;                      // Softmax: log-softmax
  double eps = 1e-5;                     // norms
};

class Plan {
 public:
  // Checks that the steps chain (each step's input width is the previous output width) and
  // that every tensor is a contiguous float32 CPU tensor; throws naming the step otherwise.
  Plan(std::vector<PlanStep> steps, int64_t in_features);

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  // Runs the chain on `batch` rows of `input` (a contiguous float32 CPU tensor [batch,
  // in_features], possibly borrowed memory). The result lives in the plan's own buffer and
  // is valid until the next run.
  const Tensor& run(const Tensor& input);

 private:
  void ensure_buffers(int64_t batch);

  std::vector<PlanStep> steps_;
  std::vector<int64_t> widths_;  // output width of each step
  int64_t in_features_, out_features_;
  int64_t batch_ = -1;
  std::vector<Tensor> outs_;     // per step: [batch, width]; unary steps after a buffer run in place
  Tensor stats_a_, stats_b_;     // mean / rstd scratch for the norms
};

}  // namespace tl

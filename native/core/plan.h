// An inference plan: a small graph of row-wise steps (Linear with a fused activation,
// activations, softmax, layer norm, batch norm in eval mode, a tabular network's embedding
// lookup, sums, affine rescaling) replayed in one native call.
// Why: a small model at batch 1 spends more time crossing from JS into C++ and allocating
// outputs than computing; a plan crosses once, reads its inputs in place and keeps its
// buffers between calls, so a row costs about what its math costs.
//
// Values live in slots, each [batch, width]: slots 0 .. inputs-1 are the caller's inputs
// (float32, or int32 indices for embeddings), then each step writes one new slot.
#pragma once
#include <cstdint>
#include <mutex>
#include <vector>

#include "op_kinds.h"
#include "tensor.h"

namespace tl {

struct PlanInput {
  DType dtype = DType::Float32;
  int64_t width = 0;
};

struct PlanStep {
  enum class Kind : uint8_t { Linear, Unary, Softmax, LayerNorm, BatchNorm, EmbedConcat, Add, Affine };
  Kind kind = Kind::Linear;
  int64_t in = 0;        // the slot read
  int64_t other = -1;    // Add: the second slot; EmbedConcat: the int32 index slot
  Tensor weight, bias;               // Linear [out, in] / [out]; norms [width] (either may be undefined)
  Tensor running_mean, running_var;  // BatchNorm
  std::vector<Tensor> tables;        // EmbedConcat: [rows_j, d_j]
  bool fused = false;                // Linear: apply `op` to the output
  UnaryOp op = UnaryOp::Relu;        // Linear (fused) and Unary
  double p0 = 0, p1 = 0;             // Unary parameters; Affine: scale, shift
  double divisor = 1;                // Affine: y = x * scale / divisor + shift (each skipped when neutral,
                                     // so an ensemble mean rounds exactly as sum.div(k).sub(shift))
  bool log = false;                  // Softmax: log-softmax
  double eps = 1e-5;                 // norms
};

class Plan {
 public:
  // Checks that every step reads existing slots of the right dtype and width and that every
  // tensor is a contiguous float32 CPU tensor of the right shape; throws naming the step.
  // The output is the last step's slot (the only input when there are no steps).
  Plan(std::vector<PlanInput> inputs, std::vector<PlanStep> steps);

  const std::vector<PlanInput>& inputs() const { return inputs_; }
  int64_t out_features() const { return widths_.back(); }
  // Runs on the given inputs ([batch, width] CPU tensors of the declared dtypes, possibly
  // borrowed memory). The result lives in the plan's own buffer until the next run; runs are
  // serialized (the buffers are shared), so callers on other threads copy it out under lock().
  const Tensor& run(const std::vector<Tensor>& inputs);
  std::mutex& mutex() { return mutex_; }

 private:
  void ensure_buffers(int64_t batch);
  Tensor buffer(const Shape& shape) const;
  void run_step(const PlanStep& s, const Tensor& out, int64_t batch);

  std::vector<PlanInput> inputs_;
  std::vector<PlanStep> steps_;
  std::vector<int64_t> widths_;  // per slot
  int64_t batch_ = -1;
  std::vector<Tensor> slots_;    // inputs for the current run, then one buffer per step
  Tensor stats_a_, stats_b_;     // mean / rstd scratch for the norms
  std::mutex mutex_;
  // Taken at construction (on the JS thread): runs on worker threads, which have no
  // environment of their own, allocate from it too.
  std::shared_ptr<Allocator> allocator_;
};

}  // namespace tl

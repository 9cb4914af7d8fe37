#include "plan.h"

#include <algorithm>
#include <string>

#include "../cpu/elementwise.h"
#include "../cpu/matmul.h"
#include "../cpu/norm.h"
#include "../cpu/reduce.h"
#include "error.h"

namespace tl {

namespace {

void check_param(const Tensor& t, const char* what, size_t step, int64_t rows, int64_t cols) {
  if (!t.defined()) return;
  const std::string where = "compile: step " + std::to_string(step) + " " + what;
  if (t.device() != Device::CPU) type_error(where, " is on ", device_name(t.device()), "; plans run on the CPU");
  if (t.dtype() != DType::Float32) type_error(where, " must be float32, got ", dtype_name(t.dtype()));
  if (!t.is_contiguous()) range_error(where, " must be contiguous");
  const Shape want = rows < 0 ? Shape{cols} : Shape{rows, cols};
  if (t.shape() != want) range_error(where, " has shape ", shape_str(t.shape()), ", expected ", shape_str(want));
}

}  // namespace

Plan::Plan(std::vector<PlanStep> steps, int64_t in_features)
    : steps_(std::move(steps)), in_features_(in_features), out_features_(in_features) {
  if (in_features < 1) range_error("compile: the input must have at least one feature, got ", in_features);
  int64_t width = in_features;
  for (size_t i = 0; i < steps_.size(); ++i) {
    PlanStep& s = steps_[i];
    switch (s.kind) {
      case PlanStep::Kind::Linear:
        if (!s.weight.defined() || s.weight.dim() != 2) range_error("compile: step ", i, " (linear) needs a 2-d weight");
        if (s.weight.size(1) != width)
          range_error("compile: step ", i, " (linear) takes ", s.weight.size(1), " features, but receives ", width);
        check_param(s.weight, "(linear) weight", i, s.weight.size(0), width);
        width = s.weight.size(0);
        check_param(s.bias, "(linear) bias", i, -1, width);
        break;
      case PlanStep::Kind::LayerNorm:
      case PlanStep::Kind::BatchNorm:
        check_param(s.weight, "(norm) weight", i, -1, width);
        check_param(s.bias, "(norm) bias", i, -1, width);
        if (s.kind == PlanStep::Kind::BatchNorm) {
          if (!s.running_mean.defined() || !s.running_var.defined())
            range_error("compile: step ", i, " (batch norm) needs running statistics");
          check_param(s.running_mean, "(batch norm) running mean", i, -1, width);
          check_param(s.running_var, "(batch norm) running var", i, -1, width);
        }
        if (!(s.eps > 0)) range_error("compile: step ", i, " (norm) needs eps > 0");
        break;
      case PlanStep::Kind::Unary:
      case PlanStep::Kind::Softmax:
        break;
    }
    widths_.push_back(width);
  }
  out_features_ = width;
}

void Plan::ensure_buffers(int64_t batch) {
  if (batch == batch_) return;
  outs_.assign(steps_.size(), Tensor());
  int64_t widest = 1;
  for (size_t i = 0; i < steps_.size(); ++i) {
    widest = std::max(widest, widths_[i]);
    // Unary steps overwrite the previous step's buffer (not the caller's input).
    const bool in_place = steps_[i].kind == PlanStep::Kind::Unary && i > 0;
    outs_[i] = in_place ? outs_[i - 1] : Tensor::empty({batch, widths_[i]}, DType::Float32, Device::CPU, "compile");
  }
  stats_a_ = Tensor::empty({std::max(batch, widest)}, DType::Float32, Device::CPU, "compile");
  stats_b_ = Tensor::empty({std::max(batch, widest)}, DType::Float32, Device::CPU, "compile");
  batch_ = batch;
}

const Tensor& Plan::run(const Tensor& input) {
  if (input.dim() != 2 || input.size(1) != in_features_)
    range_error("plan: expected input [batch, ", in_features_, "], got ", shape_str(input.shape()));
  if (steps_.empty()) return input;
  const int64_t batch = input.size(0);
  ensure_buffers(batch);
  const Tensor* x = &input;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const PlanStep& s = steps_[i];
    const Tensor& out = outs_[i];
    const int64_t width = widths_[i];
    switch (s.kind) {
      case PlanStep::Kind::Linear: cpu::linear(*x, s.weight, s.bias, s.fused, s.op, out); break;
      case PlanStep::Kind::Unary: cpu::unary(s.op, *x, out, s.p0, s.p1); break;
      case PlanStep::Kind::Softmax: cpu::softmax(*x, 1, s.log, out); break;
      case PlanStep::Kind::LayerNorm: {
        const Tensor mean = stats_a_.as_strided({batch}, {1}, 0), rstd = stats_b_.as_strided({batch}, {1}, 0);
        cpu::layer_norm(*x, batch, width, s.weight, s.bias, s.eps, out, mean, rstd);
        break;
      }
      case PlanStep::Kind::BatchNorm: {
        const Tensor mean = stats_a_.as_strided({width}, {1}, 0), rstd = stats_b_.as_strided({width}, {1}, 0);
        cpu::batch_norm(*x, batch, width, 1, s.weight, s.bias, s.running_mean, s.running_var, false, 0.0, s.eps, out,
                        mean, rstd);
        break;
      }
    }
    x = &out;
  }
  return outs_.back();
}

}  // namespace tl

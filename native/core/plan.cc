#include "plan.h"

#include <algorithm>
#include <string>

#include "../cpu/elementwise.h"
#include "../cpu/embed.h"
#include "../cpu/matmul.h"
#include "../cpu/norm.h"
#include "../cpu/reduce.h"
#include "context.h"
#include "error.h"
#include "ops.h"

namespace tl {

namespace {

std::string where(size_t step, const char* what) { return "compile: step " + std::to_string(step) + " (" + what + ")"; }

void check_param(const Tensor& t, const std::string& at, const char* what, int64_t rows, int64_t cols) {
  if (!t.defined()) return;
  if (t.device() != Device::CPU) type_error(at, " ", what, " is on ", device_name(t.device()), "; plans run on the CPU");
  if (t.dtype() != DType::Float32) type_error(at, " ", what, " must be float32, got ", dtype_name(t.dtype()));
  if (!t.is_contiguous()) range_error(at, " ", what, " must be contiguous");
  const Shape want = rows < 0 ? Shape{cols} : Shape{rows, cols};
  if (t.shape() != want) range_error(at, " ", what, " has shape ", shape_str(t.shape()), ", expected ", shape_str(want));
}

const char* kind_name(PlanStep::Kind k) {
  switch (k) {
    case PlanStep::Kind::Linear: return "linear";
    case PlanStep::Kind::Unary: return "unary";
    case PlanStep::Kind::Softmax: return "softmax";
    case PlanStep::Kind::LayerNorm: return "layer norm";
    case PlanStep::Kind::BatchNorm: return "batch norm";
    case PlanStep::Kind::EmbedConcat: return "embedding concat";
    case PlanStep::Kind::Add: return "add";
    case PlanStep::Kind::Affine: return "affine";
  }
  return "step";
}

}  // namespace

Plan::Plan(std::vector<PlanInput> inputs, std::vector<PlanStep> steps)
    : inputs_(std::move(inputs)), steps_(std::move(steps)), allocator_(current_context().allocator(Device::CPU, "compile")) {
  if (inputs_.empty()) range_error("compile: a plan needs at least one input");
  std::vector<DType> dtypes;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].width < 0) range_error("compile: input ", i, " has a negative width");
    widths_.push_back(inputs_[i].width);
    dtypes.push_back(inputs_[i].dtype);
  }
  for (size_t i = 0; i < steps_.size(); ++i) {
    PlanStep& s = steps_[i];
    const std::string at = where(i, kind_name(s.kind));
    const int64_t slots = int64_t(widths_.size());
    auto slot = [&](int64_t k, DType want, const char* what) {
      if (k < 0 || k >= slots) range_error(at, " reads slot ", k, ", but only slots 0..", slots - 1, " exist before it");
      if (dtypes[size_t(k)] != want) type_error(at, " ", what, " must be ", dtype_name(want), ", slot ", k, " is ", dtype_name(dtypes[size_t(k)]));
      return widths_[size_t(k)];
    };
    const int64_t width = slot(s.in, DType::Float32, "its input");
    int64_t out = width;
    switch (s.kind) {
      case PlanStep::Kind::Linear:
        if (!s.weight.defined() || s.weight.dim() != 2) range_error(at, " needs a 2-d weight");
        if (s.weight.size(1) != width) range_error(at, " takes ", s.weight.size(1), " features, but receives ", width);
        check_param(s.weight, at, "weight", s.weight.size(0), width);
        out = s.weight.size(0);
        check_param(s.bias, at, "bias", -1, out);
        break;
      case PlanStep::Kind::LayerNorm:
      case PlanStep::Kind::BatchNorm:
        check_param(s.weight, at, "weight", -1, width);
        check_param(s.bias, at, "bias", -1, width);
        if (s.kind == PlanStep::Kind::BatchNorm) {
          if (!s.running_mean.defined() || !s.running_var.defined()) range_error(at, " needs running statistics");
          check_param(s.running_mean, at, "running mean", -1, width);
          check_param(s.running_var, at, "running var", -1, width);
        }
        if (!(s.eps > 0)) range_error(at, " needs eps > 0");
        break;
      case PlanStep::Kind::EmbedConcat: {
        const int64_t columns = slot(s.other, DType::Int32, "its index input");
        if (columns != int64_t(s.tables.size()))
          range_error(at, " has ", s.tables.size(), " tables for ", columns, " index columns");
        for (const Tensor& t : s.tables) {
          if (!t.defined() || t.dim() != 2) range_error(at, " needs 2-d tables");
          check_param(t, at, "table", t.size(0), t.size(1));
          out += t.size(1);
        }
        break;
      }
      case PlanStep::Kind::Add:
        if (slot(s.other, DType::Float32, "its second input") != width)
          range_error(at, " adds widths ", width, " and ", widths_[size_t(s.other)]);
        break;
      case PlanStep::Kind::Unary:
      case PlanStep::Kind::Softmax:
      case PlanStep::Kind::Affine:
        break;
    }
    widths_.push_back(out);
    dtypes.push_back(DType::Float32);
  }
}

Tensor Plan::buffer(const Shape& shape) const {
  const int64_t n = checked_numel(shape, "plan.run");
  return Tensor(std::make_shared<Storage>(allocator_, size_t(n) * sizeof(float), "plan.run"), DType::Float32, shape,
                contiguous_strides(shape), 0);
}

void Plan::ensure_buffers(int64_t batch) {
  if (batch == batch_) return;
  const size_t n_in = inputs_.size();
  slots_.assign(widths_.size(), Tensor());
  int64_t widest = 1;
  for (size_t k = n_in; k < widths_.size(); ++k) {
    widest = std::max(widest, widths_[k]);
    slots_[k] = buffer({batch, widths_[k]});
  }
  stats_a_ = buffer({std::max(batch, widest)});
  stats_b_ = buffer({std::max(batch, widest)});
  batch_ = batch;
}

void Plan::run_step(const PlanStep& s, const Tensor& out, int64_t batch) {
  const Tensor& x = slots_[size_t(s.in)];
  const int64_t width = x.size(1);
  switch (s.kind) {
    case PlanStep::Kind::Linear: cpu::linear(x, s.weight, s.bias, s.fused, s.op, out); break;
    case PlanStep::Kind::Unary: cpu::unary(s.op, x, out, s.p0, s.p1); break;
    case PlanStep::Kind::Softmax: cpu::softmax(x, 1, s.log, out); break;
    case PlanStep::Kind::LayerNorm:
      cpu::layer_norm(x, batch, width, s.weight, s.bias, s.eps, out, stats_a_.as_strided({batch}, {1}, 0),
                      stats_b_.as_strided({batch}, {1}, 0));
      break;
    case PlanStep::Kind::BatchNorm:
      cpu::batch_norm(x, batch, width, 1, s.weight, s.bias, s.running_mean, s.running_var, false, 0.0, s.eps, out,
                      stats_a_.as_strided({width}, {1}, 0), stats_b_.as_strided({width}, {1}, 0));
      break;
    case PlanStep::Kind::EmbedConcat: {
      const Tensor& index = slots_[size_t(s.other)];
      ops::check_embed_indices("plan.run", index, s.tables);
      cpu::embed_concat(x, index, s.tables, out);
      break;
    }
    case PlanStep::Kind::Add: cpu::binary(BinaryOp::Add, x, slots_[size_t(s.other)], out); break;
    case PlanStep::Kind::Affine: {
      const float scale = float(s.p0), divisor = float(s.divisor), shift = float(s.p1);
      const float* src = x.data<float>();
      float* dst = out.data<float>();
      const int64_t n = out.numel();
      for (int64_t i = 0; i < n; ++i) {
        float v = src[i];
        if (scale != 1.0f) v *= scale;
        if (divisor != 1.0f) v /= divisor;
        dst[i] = shift != 0.0f ? v + shift : v;
      }
      break;
    }
  }
}

const Tensor& Plan::run(const std::vector<Tensor>& inputs) {
  if (inputs.size() != inputs_.size()) range_error("plan.run: expected ", inputs_.size(), " inputs, got ", inputs.size());
  const int64_t batch = inputs[0].dim() == 2 ? inputs[0].size(0) : -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (t.dtype() != inputs_[i].dtype)
      type_error("plan.run: input ", i, " must be ", dtype_name(inputs_[i].dtype), ", got ", dtype_name(t.dtype()));
    if (t.dim() != 2 || t.size(1) != inputs_[i].width || t.size(0) != batch)
      range_error("plan.run: input ", i, " must be [", batch < 0 ? std::string("batch") : std::to_string(batch), ", ",
                  inputs_[i].width, "], got ", shape_str(t.shape()));
  }
  ensure_buffers(batch);
  for (size_t i = 0; i < inputs.size(); ++i) slots_[i] = inputs[i];
  for (size_t k = 0; k < steps_.size(); ++k) run_step(steps_[k], slots_[inputs_.size() + k], batch);
  // The inputs were borrowed for this call only: forget them (the output is a step's buffer).
  if (steps_.empty()) return inputs[0];
  for (size_t i = 0; i < inputs.size(); ++i) slots_[i] = Tensor();
  return slots_.back();
}

}  // namespace tl

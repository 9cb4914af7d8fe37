// Fused optimizer updates, in place, one thread per element. The per-element arithmetic and
// the host-side scalars (bias corrections, decayed learning rates, in double as PyTorch
// computes them) are core/optim_update.h, shared with the CPU loops, so both devices agree.
// Parameter and state tensors are contiguous float32 of one shape (checked by the dispatcher).
//
// Adam also has a multi-tensor form (PyTorch's foreach / multi_tensor_apply): a model's
// parameters are mostly small, and one launch each costs more than its arithmetic. Up to
// kListTensors tensors and kListBlocks chunks of kChunk elements go in one launch, their
// pointers passed by value in the kernel's parameter block (under its 4 KB limit).
#include "../core/optim_update.h"
#include "common.cuh"
#include "kernels.h"

namespace tl::cuda {

namespace {

float* opt(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

__global__ void sgd_kernel(float* p, const float* g, float* buf, int64_t n, SgdScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) sgd_update(i, p, g, buf, s);
}

__global__ void adam_kernel(float* p, const float* g, float* m1, float* m2, float* m2max, int64_t n, AdamScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) adam_update(i, p, g, m1, m2, m2max, s);
}

__global__ void rmsprop_kernel(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n,
                               RmspropScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) rmsprop_update(i, p, g, sq, gavg, buf, s);
}

__global__ void adagrad_kernel(float* p, const float* g, float* ss, int64_t n, AdagradScalars s) {
  for (int64_t i = thread_index(); i < n; i += thread_count()) adagrad_update(i, p, g, ss, s);
}

constexpr int kListTensors = 32, kListBlocks = 320;
constexpr int64_t kChunk = 65536;

struct AdamList {
  float* p[kListTensors];
  const float* g[kListTensors];
  float* m1[kListTensors];
  float* m2[kListTensors];
  float* m2max[kListTensors];  // null unless amsgrad
  int64_t n[kListTensors];
  uint8_t tensor[kListBlocks];  // block -> tensor of this launch
  int32_t chunk[kListBlocks];   // block -> chunk of that tensor
};
static_assert(sizeof(AdamList) + sizeof(AdamScalars) < 4000, "kernel parameters are limited to 4 KB");

// Block b updates chunk[b] of tensor[b]: the same per-element update as adam_kernel.
__global__ void adam_list_kernel(AdamList l, AdamScalars s) {
  const int t = l.tensor[blockIdx.x];
  const int64_t lo = int64_t(l.chunk[blockIdx.x]) * kChunk, hi = min(l.n[t], lo + kChunk);
  for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) adam_update(i, l.p[t], l.g[t], l.m1[t], l.m2[t], l.m2max[t], s);
}

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(), opt(momentum_buf), n,
                                                       sgd_scalars(o));
  check_launch("sgd");
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  adam_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(),
                                                        exp_avg.data<float>(), exp_avg_sq.data<float>(),
                                                        opt(max_exp_avg_sq), n, adam_scalars(o));
  check_launch(o.decoupled ? "adamw" : "adam");
}

void adam_step_multi(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                     const std::vector<Tensor>& max_exp_avg_sqs, const AdamOptions& o) {
  const char* op = o.decoupled ? "adamw" : "adam";
  const AdamScalars s = adam_scalars(o);
  AdamList l{};
  int tensors = 0, blocks = 0;
  auto launch = [&] {
    if (blocks == 0) return;
    adam_list_kernel<<<blocks, kThreads, 0, stream()>>>(l, s);
    check_launch(op);
    tensors = blocks = 0;
  };
  for (size_t i = 0; i < params.size(); ++i) {
    const int64_t n = params[i].numel();
    if (n == 0) continue;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    for (int64_t c = 0; c < chunks; ++c) {
      // A tensor enters the list at its first chunk of this launch.
      if (c == 0 || blocks == 0) {
        if (tensors == kListTensors) launch();
        l.p[tensors] = params[i].data<float>();
        l.g[tensors] = grads[i].data<float>();
        l.m1[tensors] = exp_avgs[i].data<float>();
        l.m2[tensors] = exp_avg_sqs[i].data<float>();
        l.m2max[tensors] = o.amsgrad ? max_exp_avg_sqs[i].data<float>() : nullptr;
        l.n[tensors] = n;
        ++tensors;
      }
      l.tensor[blocks] = uint8_t(tensors - 1);
      l.chunk[blocks] = int32_t(c);
      if (++blocks == kListBlocks) launch();
    }
  }
  launch();
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  rmsprop_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(),
                                                           square_avg.data<float>(), opt(grad_avg), opt(momentum_buf),
                                                           n, rmsprop_scalars(o));
  check_launch("rmsprop");
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o) {
  const int64_t n = param.numel();
  if (n == 0) return;
  adagrad_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(param.data<float>(), grad.data<float>(),
                                                           state_sum.data<float>(), n, adagrad_scalars(o));
  check_launch("adagrad");
}

}  // namespace tl::cuda

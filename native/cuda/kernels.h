// The CUDA backend as the rest of the native code sees it: runtime services and kernels with
// the same names and signatures as native/cpu (TL_DISPATCH picks cpu::fn or cuda::fn). No
// CUDA types appear here, so g++-compiled files include it; the kernels live in *.cu files.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/op_kinds.h"
#include "../core/optim_options.h"
#include "../core/storage.h"
#include "../core/tensor.h"
#include "../cpu/conv.h"
#include "../cpu/pool.h"

namespace tl::cuda {

// ---- runtime (state.cc)
struct Status {
  bool available = false;
  std::string reason;       // why not, when unavailable
  std::string device;       // name of device 0
  int major = 0, minor = 0; // compute capability
  size_t memory = 0;        // bytes on device 0
  std::string cublas;       // the cuBLAS library that was opened
  std::vector<std::string> cublas_tried;  // every cuBLAS candidate and what became of it
};
// Probes the driver, device 0 and cuBLAS once per process.
const Status& status();
// The device allocator of the current environment (stream-ordered, pooled); TypeError when
// CUDA is unavailable.
std::shared_ptr<Allocator> allocator(const char* op);
int64_t live_bytes();
// 0 = fp32 ('highest'), 1 = TF32 tensor cores ('high'), 2 = bf16 tensor cores ('medium').
void set_matmul_precision(int level);
int matmul_precision();
// Waits for the environment's stream (reading results back, timing), then raises what the
// device-side argument checks found since the last synchronization.
void synchronize(const char* op);
// Waits for the GPU, returns the allocator pool's unused memory to the device and frees the
// cached pinned staging blocks; a no-op where this environment never used the GPU.
void empty_cache();

// ---- transfers (transfer.cc)
Tensor to_device(const Tensor& host);  // contiguous copy on the GPU
Tensor to_host(const Tensor& dev);     // contiguous copy in host memory (waits for the GPU)
// Asynchronous read for `await t.data()`: begin on the JS thread, wait on a worker thread.
struct PendingRead;
PendingRead* begin_read(const Tensor& dev);
void finish_read(PendingRead* r, void* dst);  // blocks until the copy is done, then copies out
void release_read(PendingRead* r);

// ---- kernels (*.cu), mirroring native/cpu
void unary(UnaryOp op, const Tensor& x, const Tensor& out, double p0, double p1);
void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
// a op s (or s op a when scalar_first) with the scalar as a kernel argument, not a tensor;
// `s` is already in the compute dtype (a's), out is a's shape.
void binary_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first, const Tensor& out);
void activation_grad(ActivationGrad op, const Tensor& grad, const Tensor& saved, const Tensor& out, double p0,
                     double p1);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void copy(const Tensor& x, const Tensor& out);
void fill(const Tensor& out, double value);

void reduce(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, const Tensor& out);
void arg_reduce(bool is_max, const Tensor& x, int64_t dim, const Tensor& out);
void softmax(const Tensor& x, int64_t dim, bool log, const Tensor& out);
void softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log, const Tensor& grad_x);

void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out);
void index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out);
void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);
void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);

uint64_t uniform(const Tensor& out, float lo, float hi, uint64_t seed, uint64_t offset);
uint64_t normal(const Tensor& out, float mean, float std, uint64_t seed, uint64_t offset);
uint64_t randint(const Tensor& out, int64_t lo, int64_t hi, uint64_t seed, uint64_t offset);
uint64_t dropout(const Tensor& x, const Tensor& out, float p, uint64_t seed, uint64_t offset);

void bmm(const Tensor& a, const Tensor& b, const Tensor& out);
// a [m, k] @ b [k, n] with bf16 operands and output (fp32 accumulation), as PyTorch multiplies
// bf16 tensors; `reps` back-to-back products for timing. The float32 tensors are converted to
// bf16 once, and the bf16 product converted back to float32 into out [m, n].
void matmul_bf16(const Tensor& a, const Tensor& b, int64_t reps, const Tensor& out);
void linear(const Tensor& x, const Tensor& w, const Tensor& bias, bool fused, UnaryOp act, const Tensor& out);

void conv2d(const cpu::Conv2dGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out);
void conv2d_backward_input(const cpu::Conv2dGeometry& g, const Tensor& grad_out, const Tensor& weight,
                           const Tensor& grad_x);
void conv2d_backward_weight(const cpu::Conv2dGeometry& g, const Tensor& grad_out, const Tensor& x,
                            const Tensor& grad_w);
void max_pool2d(const cpu::Pool2dGeometry& g, const Tensor& x, const Tensor& out, const Tensor& indices);
void max_pool2d_backward(const cpu::Pool2dGeometry& g, const Tensor& grad_out, const Tensor& indices,
                         const Tensor& grad_x);
void avg_pool2d(const cpu::Pool2dGeometry& g, const Tensor& x, const Tensor& out);
void avg_pool2d_backward(const cpu::Pool2dGeometry& g, const Tensor& grad_out, const Tensor& grad_x);

void batch_norm(const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, bool training, double momentum, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd);
void batch_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, bool training, const Tensor& grad_x,
                         const Tensor& grad_weight, const Tensor& grad_bias);
void layer_norm(const Tensor& x, int64_t rows, int64_t d, const Tensor& weight, const Tensor& bias, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd);
void layer_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t rows, int64_t d, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, const Tensor& grad_x, const Tensor& grad_weight,
                         const Tensor& grad_bias);

void cross_entropy(const Tensor& logits, const Tensor& labels, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse);
void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, const Tensor& grad_loss,
                            int64_t ignore_index, double smoothing, const Tensor& grad_logits);

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o);
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o);
// One launch per group of up to kMultiTensorMax parameters (states may be empty vectors when
// unused; max_exp_avg_sq only with amsgrad).
void adam_step_multi(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                     const std::vector<Tensor>& max_exp_avg_sqs, const AdamOptions& o);
void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o);
void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o);

}  // namespace tl::cuda

// The op dispatcher: every op checks its arguments once here (shapes, dtypes, devices),
// allocates its output on the input's device and calls the device kernel. Kernels trust
// what they get. Errors name the op and the shapes/dtypes it received.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "optim_options.h"
#include "op_kinds.h"
#include "tensor.h"

namespace tl::ops {

// ---- creation (ops_create.cc)
Tensor from_data(const void* data, size_t bytes, DType dtype, const Shape& shape, Device device);
Tensor full(const Shape& shape, double value, DType dtype, Device device);
Tensor arange(double start, double end, double step, DType dtype, Device device);
Tensor eye(int64_t n, int64_t m, DType dtype, Device device);
Tensor rand(const Shape& shape, double lo, double hi, Device device);
Tensor randn(const Shape& shape, double mean, double std, Device device);
Tensor randint(const Shape& shape, int64_t lo, int64_t hi, Device device);
void manual_seed(uint64_t seed);
// Copies a tensor's elements into host memory (contiguous, row-major) at dst.
void read_into(const Tensor& x, void* dst);

// ---- views and layout (views.cc): these share storage with the input where possible
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step);
Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape);  // a view when strides allow
Tensor expand(const Tensor& x, const Shape& shape);
Tensor squeeze(const Tensor& x, const std::optional<std::vector<int64_t>>& dims);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor flatten(const Tensor& x, int64_t start, int64_t end);
Tensor contiguous(const Tensor& x);
Tensor clone(const Tensor& x);
Tensor cast(const Tensor& x, DType dtype);
Tensor to_device(const Tensor& x, Device device);

// ---- elementwise (ops_elementwise.cc)
Tensor unary(UnaryOp op, const Tensor& x, double p0 = 0, double p1 = 0);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor binary_scalar(BinaryOp op, const Tensor& a, double b, bool scalar_first);
Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// ---- reductions (ops_reduce.cc); an empty dims list reduces everything
Tensor reduce(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims, bool keep_dim);
Tensor arg_reduce(bool is_max, const Tensor& x, std::optional<int64_t> dim, bool keep_dim);
Tensor softmax(const Tensor& x, int64_t dim, bool log);

// ---- joining and indexing (ops_index.cc)
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);

// ---- linear algebra (ops_matmul.cc)
Tensor matmul(const Tensor& a, const Tensor& b);
// act(x [..., in] @ weight [out, in]^T + bias [out]): the Linear layer, bias fused into the
// GEMM and the activation (relu, sigmoid or tanh) applied before the output leaves cache.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, std::optional<UnaryOp> act = std::nullopt);

// ---- in place (ops_inplace.cc): these write into `dst`, which must not overlap itself
void assign(const Tensor& dst, const Tensor& src);          // dst[...] = src (broadcast)
void binary_inplace(BinaryOp op, const Tensor& dst, const Tensor& src);  // dst = dst op src
void fill_inplace(const Tensor& dst, double value);

// ---- neural-network ops and their backward kernels (ops_nn.cc, ops_conv.cc)
Tensor activation_grad(ActivationGrad op, const Tensor& grad, const Tensor& saved, double p0, double p1);
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log);
Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
// [numeric [n, w], tables[j][categorical[:, j]] ...] -> [n, w + sum d_j] (ops_embed.cc)
Tensor embed_concat(const Tensor& numeric, const Tensor& categorical, const std::vector<Tensor>& tables);
// RangeError naming op, row and column unless every categorical[i, j] indexes tables[j] (CPU).
void check_embed_indices(const char* op, const Tensor& categorical, const std::vector<Tensor>& tables);
struct DropoutResult {
  Tensor out;
  uint64_t seed, offset;  // the mask's Philox stream, for the backward pass
};
DropoutResult dropout(const Tensor& x, double p);
Tensor dropout_backward(const Tensor& grad, double p, uint64_t seed, uint64_t offset);
struct CrossEntropyResult {
  Tensor loss, lse;
};
CrossEntropyResult cross_entropy(const Tensor& logits, const Tensor& labels, int64_t ignore_index, double smoothing);
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, const Tensor& grad_loss,
                              int64_t ignore_index, double smoothing);

struct Conv2dParams {
  int64_t stride[2], padding[2], dilation[2], groups;
};
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& x_shape, const Conv2dParams& p);
Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& w_shape, const Conv2dParams& p);

struct Pool2dParams {
  int64_t kernel[2], stride[2], padding[2], dilation[2];
  bool ceil_mode, count_include_pad;
};
struct MaxPoolResult {
  Tensor out, indices;
};
MaxPoolResult max_pool2d(const Tensor& x, const Pool2dParams& p);
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& x_shape, const Pool2dParams& p);
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& x_shape, const Pool2dParams& p);

struct NormResult {
  Tensor out, mean, rstd;
};
// x [n, c, ...]; running stats updated in place when training and defined.
NormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                      const Tensor& running_var, bool training, double momentum, double eps);
struct NormGrads {
  Tensor grad_x, grad_weight, grad_bias;
};
NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Tensor& mean,
                              const Tensor& rstd, bool training);
// Normalizes over the last `normalized_dims` dims.
NormResult layer_norm(const Tensor& x, int64_t normalized_dims, const Tensor& weight, const Tensor& bias, double eps);
NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t normalized_dims, const Tensor& weight,
                              const Tensor& mean, const Tensor& rstd);

// ---- optimizers (ops_optim.cc): update param and state in place
void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const SgdOptions& o);
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamOptions& o);
// Adam / AdamW over many parameters with one options set (and step): one launch on the GPU.
// max_exp_avg_sqs is empty unless amsgrad.
void adam_step_multi(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                     const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                     const std::vector<Tensor>& max_exp_avg_sqs, const AdamOptions& o);
void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg, const Tensor& grad_avg,
                  const Tensor& momentum_buf, const RmspropOptions& o);
void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& state_sum, const AdagradOptions& o);

// ---- shared argument checks
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_dtype(const char* op, const char* arg, const Tensor& t, DType expected);
// int32 with lowest <= i < size, checked at once (it reads the index, so on the GPU it would
// wait for it).
void check_index_range(const char* op, const Tensor& index, int64_t size, int64_t lowest = 0);
// check_index_range for CPU tensors; GPU kernels check their indices themselves and the error
// surfaces at the next synchronization (reading min/max here would wait for the GPU).
void check_indices(const char* op, const Tensor& index, int64_t size, int64_t lowest = 0);
void check_shape(const char* op, const char* arg, const Tensor& t, const Shape& expected);
// A tensor written in place must not be a broadcast view (two elements sharing memory).
void check_writable(const char* op, const char* arg, const Tensor& t);

}  // namespace tl::ops

// The op dispatcher: every op checks its arguments once here (shapes, dtypes, devices),
// allocates its output on the input's device and calls the device kernel. Kernels trust
// what they get. Errors name the op and the shapes/dtypes it received.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

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

// ---- shared argument checks
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_dtype(const char* op, const char* arg, const Tensor& t, DType expected);

}  // namespace tl::ops

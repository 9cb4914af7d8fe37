// Fused batch normalization and layer normalization, forward and backward.
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

// x viewed as [n, c, s] (s = product of the spatial dims). Training mode computes per-channel
// batch statistics into mean/rstd ([c]) and updates running_mean/running_var in place
// (momentum, unbiased variance) when they are defined; eval mode normalizes with the running
// statistics (and still writes the mean/rstd it used). weight/bias ([c]) may be undefined.
void batch_norm(const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, bool training, double momentum, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd);
// grad_x, and grad_weight/grad_bias when defined, from the saved mean/rstd. In eval mode the
// statistics are constants, so grad_x = grad_out * weight * rstd.
void batch_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t n, int64_t c, int64_t s, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, bool training, const Tensor& grad_x,
                         const Tensor& grad_weight, const Tensor& grad_bias);

// x viewed as [rows, d]; normalizes each row; mean/rstd are [rows]; weight/bias [d] or undefined.
void layer_norm(const Tensor& x, int64_t rows, int64_t d, const Tensor& weight, const Tensor& bias, double eps,
                const Tensor& out, const Tensor& mean, const Tensor& rstd);
void layer_norm_backward(const Tensor& grad_out, const Tensor& x, int64_t rows, int64_t d, const Tensor& weight,
                         const Tensor& mean, const Tensor& rstd, const Tensor& grad_x, const Tensor& grad_weight,
                         const Tensor& grad_bias);

}  // namespace tl::cpu

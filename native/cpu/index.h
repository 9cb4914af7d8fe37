// Indexing kernels. Indices are int32 and already range-checked by the dispatcher.
#pragma once
#include "../core/tensor.h"

namespace tl::cpu {

// out[p] = x[p with coordinate `dim` replaced by index[p]]; out and index share a shape.
void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out);
// Contiguous x seen as [outer, n, inner]; out [outer, m, inner] takes slices index[0..m).
void index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out);

// out[p with coordinate dim replaced by index[p]] += src[p]  (gather's adjoint; index and
// src share a shape). Repeated indices accumulate.
void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);
// Contiguous out seen as [outer, n, inner]: out[o, index[j], :] += src[o, j, :] (indexSelect's adjoint).
void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);

}  // namespace tl::cpu

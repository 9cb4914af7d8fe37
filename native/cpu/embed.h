// The feature row of a tabular network in one pass: numeric values, then one embedding row
// per categorical column (indices already range-checked by the dispatcher).
#pragma once
#include <vector>

#include "../core/tensor.h"

namespace tl::cpu {

// out [n, w + sum d_j] = [numeric [n, w], tables[0][categorical[:, 0]], ...]; numeric and
// categorical may be strided, tables are contiguous [rows_j, d_j], out is contiguous.
void embed_concat(const Tensor& numeric, const Tensor& categorical, const std::vector<Tensor>& tables, const Tensor& out);

}  // namespace tl::cpu

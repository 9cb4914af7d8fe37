#include "embed.h"

#include <algorithm>
#include <cstring>

#include "../core/parallel.h"

namespace tl::cpu {

void embed_concat(const Tensor& numeric, const Tensor& categorical, const std::vector<Tensor>& tables, const Tensor& out) {
  const int64_t n = out.size(0), width = out.size(1), w = numeric.size(1), c = int64_t(tables.size());
  if (n == 0 || width == 0) return;
  const float* num = numeric.data<float>();
  const int64_t ns0 = numeric.stride(0), ns1 = numeric.stride(1);
  const int32_t* cat = categorical.data<int32_t>();
  const int64_t cs0 = categorical.stride(0), cs1 = categorical.stride(1);
  std::vector<const float*> rows(static_cast<size_t>(c));
  std::vector<int64_t> dims(static_cast<size_t>(c));
  for (int64_t j = 0; j < c; ++j) {
    rows[size_t(j)] = tables[size_t(j)].data<float>();
    dims[size_t(j)] = tables[size_t(j)].size(1);
  }
  float* dst = out.data<float>();
  parallel_for(0, n, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, width)), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float* o = dst + i * width;
      if (ns1 == 1) std::memcpy(o, num + i * ns0, size_t(w) * sizeof(float));
      else for (int64_t k = 0; k < w; ++k) o[k] = num[i * ns0 + k * ns1];
      o += w;
      for (int64_t j = 0; j < c; ++j) {
        const int64_t d = dims[size_t(j)];
        std::memcpy(o, rows[size_t(j)] + int64_t(cat[i * cs0 + j * cs1]) * d, size_t(d) * sizeof(float));
        o += d;
      }
    }
  });
}

}  // namespace tl::cpu

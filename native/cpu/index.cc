#include "index.h"

#include <cstring>

#include "strided.h"

namespace tl::cpu {

void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  if (out.numel() == 0) return;
  // Walk out and index together; x follows on every dim but `dim`, where the index decides.
  Strides xs = x.strides();
  const int64_t step = xs[size_t(dim)];
  xs[size_t(dim)] = 0;
  const auto plan = make_plan<3>(out.shape(), {&out.strides(), &index.strides(), &xs});
  const uint32_t* xp = static_cast<const uint32_t*>(x.raw_data());
  const int32_t* ip = index.data<int32_t>();
  uint32_t* op = static_cast<uint32_t*>(out.raw_data());
  parallel_runs(plan, kElementwiseGrain / 4, [&](const int64_t* off, int64_t n, const int64_t* st) {
    for (int64_t i = 0; i < n; ++i)
      op[off[0] + i * st[0]] = xp[off[2] + i * st[2] + int64_t(ip[off[1] + i * st[1]]) * step];
  });
}

void index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  if (out.numel() == 0) return;
  const DimSplit split = split_at(x.shape(), dim);
  const int64_t outer = split.outer, n = split.len, inner = split.inner;
  const int64_t m = index.numel();
  const char* xp = static_cast<const char*>(x.raw_data());
  char* op = static_cast<char*>(out.raw_data());
  const int32_t* ip = index.data<int32_t>();
  const size_t row_bytes = size_t(inner) * 4;
  parallel_for(0, outer * m, std::max<int64_t>(1, 16384 / inner), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t o = t / m, j = t % m;
      std::memcpy(op + size_t(t) * row_bytes, xp + size_t(o * n + ip[j]) * row_bytes, row_bytes);
    }
  });
}

void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  if (src.numel() == 0) return;
  Strides os = out.strides();
  const int64_t step = os[size_t(dim)];
  os[size_t(dim)] = 0;
  const auto plan = make_plan<3>(src.shape(), {&os, &index.strides(), &src.strides()});
  float* op = out.data<float>();
  const int32_t* ip = index.data<int32_t>();
  const float* sp = src.data<float>();
  // Serial: two positions may hit the same output element.
  for_each_run<3>(plan, 0, plan.rows(), [&](const int64_t* off, int64_t n, const int64_t* st) {
    for (int64_t i = 0; i < n; ++i)
      op[off[0] + i * st[0] + int64_t(ip[off[1] + i * st[1]]) * step] += sp[off[2] + i * st[2]];
  });
}

void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const DimSplit split = split_at(out.shape(), dim);
  const int64_t outer = split.outer, n = split.len, inner = split.inner;
  const int64_t m = index.numel();
  float* op = out.data<float>();
  const float* sp = src.data<float>();
  const int32_t* ip = index.data<int32_t>();
  // Split the columns (outer x inner), never the index list, so no two threads add into the
  // same element even when indices repeat.
  parallel_for(0, outer * inner, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, m)), [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo / inner; o <= (hi - 1) / inner; ++o) {
      const int64_t c0 = o == lo / inner ? lo % inner : 0;
      const int64_t c1 = o == (hi - 1) / inner ? (hi - 1) % inner + 1 : inner;
      for (int64_t j = 0; j < m; ++j) {
        float* dst = op + (o * n + ip[j]) * inner;
        const float* s = sp + (o * m + j) * inner;
        for (int64_t c = c0; c < c1; ++c) dst[c] += s[c];
      }
    }
  });
}

}  // namespace tl::cpu

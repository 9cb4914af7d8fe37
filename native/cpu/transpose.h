// Out-of-place 2-D float transposes, for layout changes inside kernels (NCHW rows <->
// channel-innermost tiles in conv_winograd.cc).
#pragma once
#include <cstdint>

namespace tl::cpu {

// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols. src and dst must not overlap.
void transpose(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols);

}  // namespace tl::cpu

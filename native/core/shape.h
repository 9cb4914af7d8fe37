// Shape arithmetic shared by every op: element counts, strides, broadcasting, dim checks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "small_vec.h"

namespace tl {

using Shape = SmallVec<int64_t, 6>;
using Strides = SmallVec<int64_t, 6>;

// Hard limits that keep hostile shapes from overflowing index arithmetic.
constexpr int kMaxDims = 32;
constexpr int64_t kMaxElements = int64_t(1) << 46;

std::string shape_str(const Shape& s);

// Product of the sizes, validated: no negative size, at most kMaxDims dims, no overflow.
int64_t checked_numel(const Shape& s, const char* op);
inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Strides contiguous_strides(const Shape& s);

// NumPy broadcasting of two shapes; throws RangeError naming op and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Maps a possibly negative dim into [0, ndim); throws RangeError when out of range.
int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op);

// A shape seen from one dim (a normalized dim): [outer, len, inner], the products of the
// sizes before it, its own size and the product after it; ops along a dim index
// (o * len + j) * inner + i in a contiguous tensor.
struct DimSplit {
  int64_t outer = 1, len = 1, inner = 1;
};
DimSplit split_at(const Shape& s, int64_t dim);

// Marks the reduced dims; an empty list means all dims. Throws on repeats or out of range.
std::vector<bool> reduction_mask(const std::vector<int64_t>& dims, int64_t ndim, const char* op);

}  // namespace tl

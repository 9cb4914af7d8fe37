#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace tl {

enum class DType : uint8_t { Float32 = 0, Int32 = 1 };

inline size_t dtype_size(DType) { return 4; }

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Int32: return "int32";
  }
  return "unknown";
}

// Result dtype of a binary op: int32 op int32 stays int32, anything with float32 is float32
// (PyTorch's promotion restricted to the two dtypes we have).
inline DType promote(DType a, DType b) {
  return (a == DType::Float32 || b == DType::Float32) ? DType::Float32 : DType::Int32;
}

// The 4-byte pattern of `value` stored as `d` (fill writes words, whatever the dtype). Int32
// values must already be checked to be in range.
inline uint32_t dtype_word(DType d, double value) {
  uint32_t word;
  if (d == DType::Float32) {
    const float f = float(value);
    std::memcpy(&word, &f, 4);
  } else {
    const int32_t i = int32_t(value);
    std::memcpy(&word, &i, 4);
  }
  return word;
}

}  // namespace tl

#pragma once
#include <cstddef>
#include <cstdint>
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

}  // namespace tl

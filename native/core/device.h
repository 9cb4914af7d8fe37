#pragma once
#include <cstdint>

namespace tl {

enum class Device : uint8_t { CPU = 0, CUDA = 1 };

inline const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

}  // namespace tl

// Picks the kernel for a device: cpu::fn or cuda::fn, with the same arguments. Kernel
// families have the same names on both sides, so adding the CUDA path touches no caller.
#pragma once
#include "../cpu/conv.h"
#include "../cpu/elementwise.h"
#include "../cpu/index.h"
#include "../cpu/loss.h"
#include "../cpu/matmul.h"
#include "../cpu/norm.h"
#include "../cpu/optim.h"
#include "../cpu/pool.h"
#include "../cpu/random.h"
#include "../cpu/reduce.h"

#ifdef TL_WITH_CUDA
#include "../cuda/kernels.h"
#define TL_DISPATCH(device, fn, ...) \
  ((device) == ::tl::Device::CPU ? ::tl::cpu::fn(__VA_ARGS__) : ::tl::cuda::fn(__VA_ARGS__))
#else
#define TL_DISPATCH(device, fn, ...) ::tl::cpu::fn(__VA_ARGS__)
#endif

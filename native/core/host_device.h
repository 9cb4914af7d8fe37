// Functions marked TL_HOST_DEVICE compile for the CPU and, under nvcc, for the GPU too: the
// CPU and CUDA kernels then share one definition of the arithmetic that must agree.
#pragma once

#if defined(__CUDACC__)
#define TL_HOST_DEVICE __host__ __device__
#else
#define TL_HOST_DEVICE
#endif

// Host-side helpers declared in common.cuh.
#include <mutex>

#include "common.cuh"

namespace tl::cuda {

int sm_count() {
  // Device 0 is the only device the backend uses (state.cc); queried once per process.
  static std::once_flag once;
  static int count = 1;
  std::call_once(once, [] {
    int n = 0;
    check(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, 0), "cuda");
    if (n > 0) count = n;
  });
  return count;
}

Tensor scratch(int64_t bytes, const char* op) {
  return Tensor::empty({(bytes + 3) / 4}, DType::Float32, Device::CUDA, op);
}

}  // namespace tl::cuda

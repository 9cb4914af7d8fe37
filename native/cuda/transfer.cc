// Host <-> device copies. Reads back to the host for `await t.data()` go through pinned
// memory and an event, so the JS thread only queues the copy and a worker thread waits.
#include <cstring>

#include "../core/error.h"
#include "../core/ops.h"
#include "kernels.h"
#include "state.h"

namespace tl::cuda {

Tensor to_device(const Tensor& host) {
  const Tensor src = ops::contiguous(host);
  Tensor out = Tensor::empty(src.shape(), src.dtype(), Device::CUDA, "to");
  if (src.nbytes()) check(cudaMemcpyAsync(out.raw_data(), src.raw_data(), src.nbytes(), cudaMemcpyHostToDevice, state().stream()), "to");
  // Pageable source: the call returns once the bytes are staged, so `src` may be freed.
  return out;
}

Tensor to_host(const Tensor& dev) {
  const Tensor src = ops::contiguous(dev);
  Tensor out = Tensor::empty(src.shape(), src.dtype(), Device::CPU, "to");
  if (src.nbytes()) {
    check(cudaMemcpyAsync(out.raw_data(), src.raw_data(), src.nbytes(), cudaMemcpyDeviceToHost, state().stream()), "to");
    check(cudaStreamSynchronize(state().stream()), "to");
  }
  return out;
}

struct PendingRead {
  Tensor src;  // keeps the device memory alive until the copy is done
  void* pinned = nullptr;
  cudaEvent_t done = nullptr;
  size_t bytes = 0;
};

PendingRead* begin_read(const Tensor& dev) {
  auto* r = new PendingRead();
  try {
    r->src = ops::contiguous(dev);
    r->bytes = r->src.nbytes();
    cudaStream_t s = state("data").stream();
    check(cudaMallocHost(&r->pinned, r->bytes ? r->bytes : 1), "data");
    check(cudaEventCreateWithFlags(&r->done, cudaEventDisableTiming | cudaEventBlockingSync), "data");
    if (r->bytes) check(cudaMemcpyAsync(r->pinned, r->src.raw_data(), r->bytes, cudaMemcpyDeviceToHost, s), "data");
    check(cudaEventRecord(r->done, s), "data");
  } catch (...) {
    release_read(r);
    throw;
  }
  return r;
}

void finish_read(PendingRead* r, void* dst) {
  check(cudaEventSynchronize(r->done), "data");
  if (r->bytes) std::memcpy(dst, r->pinned, r->bytes);
}

void release_read(PendingRead* r) {
  if (r->done) cudaEventDestroy(r->done);
  if (r->pinned) cudaFreeHost(r->pinned);
  delete r;
}

}  // namespace tl::cuda

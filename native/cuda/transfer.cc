// Host <-> device copies. Reads back to the host for `await t.data()` go through the pinned
// staging pool and an event, so the JS thread only queues work and a worker thread waits:
//   - a cached staging block fits: the device-to-host copy is queued at once into it;
//   - none fits: a device-side snapshot is queued instead (stream-ordered, so writes queued
//     later cannot change what the read returns), and the worker thread allocates the pinned
//     block and copies the snapshot out; the block then joins the pool for the next reads.
// Either way no cudaMallocHost runs on the JS thread, and none runs per read once warm.
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
  State& st = state("to");
  if (src.nbytes()) {
    check(cudaMemcpyAsync(out.raw_data(), src.raw_data(), src.nbytes(), cudaMemcpyDeviceToHost, st.stream()), "to");
    check(cudaStreamSynchronize(st.stream()), "to");
  }
  st.raise_checks();  // a synchronization: the checks queued before it have run
  return out;
}

struct PendingRead {
  Tensor src;       // keeps the device memory alive until the copy is done
  Tensor snapshot;  // the device copy a staging miss reads from (else undefined)
  std::shared_ptr<PinnedPool> pool;
  std::shared_ptr<DeviceChecks> checks;
  cudaStream_t stream = nullptr;
  void* pinned = nullptr;
  size_t pinned_size = 0;
  cudaEvent_t done = nullptr;
  size_t bytes = 0;
};

PendingRead* begin_read(const Tensor& dev) {
  auto* r = new PendingRead();
  try {
    State& st = state("data");
    r->src = ops::contiguous(dev);
    r->bytes = r->src.nbytes();
    r->pool = st.pinned();
    r->checks = st.checks();
    r->stream = st.stream();
    check(cudaEventCreateWithFlags(&r->done, cudaEventDisableTiming | cudaEventBlockingSync), "data");
    if (r->bytes) {
      r->pinned = r->pool->try_acquire(r->bytes, &r->pinned_size);
      if (r->pinned) {
        check(cudaMemcpyAsync(r->pinned, r->src.raw_data(), r->bytes, cudaMemcpyDeviceToHost, r->stream), "data");
      } else if (r->src.storage() != dev.storage()) {
        r->snapshot = r->src;  // contiguous() already made a private copy
      } else {
        try {
          r->snapshot = Tensor::empty(r->src.shape(), r->src.dtype(), Device::CUDA, "data");
          check(cudaMemcpyAsync(r->snapshot.raw_data(), r->src.raw_data(), r->bytes, cudaMemcpyDeviceToDevice, r->stream),
                "data");
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::Range) throw;
          // No device memory for a snapshot: stage through a new pinned block right away.
          r->snapshot = Tensor();
          r->pinned = r->pool->allocate(r->bytes, &r->pinned_size);
          check(cudaMemcpyAsync(r->pinned, r->src.raw_data(), r->bytes, cudaMemcpyDeviceToHost, r->stream), "data");
        }
      }
    }
    check(cudaEventRecord(r->done, r->stream), "data");
  } catch (...) {
    release_read(r);
    throw;
  }
  return r;
}

void finish_read(PendingRead* r, void* dst) {
  // On a worker thread: no current environment here, only what the read holds.
  check(cudaEventSynchronize(r->done), "data");
  r->checks->raise_if_failed(r->stream);
  if (!r->bytes) return;
  if (!r->pinned) {
    r->pinned = r->pool->allocate(r->bytes, &r->pinned_size);
    // This thread's own stream: the snapshot is complete (the event), nothing else to wait for.
    check(cudaMemcpyAsync(r->pinned, r->snapshot.raw_data(), r->bytes, cudaMemcpyDeviceToHost, cudaStreamPerThread),
          "data");
    check(cudaStreamSynchronize(cudaStreamPerThread), "data");
  }
  std::memcpy(dst, r->pinned, r->bytes);
  r->pool->release(r->pinned, r->pinned_size);  // off the JS thread, where a free may synchronize
  r->pinned = nullptr;
}

void release_read(PendingRead* r) {
  if (r->pinned) {
    // Ended without finish_read (an error): a copy into the block may still be in flight, and
    // a block the GPU may still write must not be handed out again.
    if (!r->done || cudaEventSynchronize(r->done) == cudaSuccess) r->pool->release(r->pinned, r->pinned_size);
  }
  if (r->done) cudaEventDestroy(r->done);
  delete r;  // the snapshot goes back to the device pool, stream-ordered
}

}  // namespace tl::cuda

// The pinned staging pool and the device-check record (staging.h).
#include "staging.h"

#include <cuda_runtime_api.h>

#include "../core/error.h"
#include "state.h"

namespace tl::cuda {

PinnedPool::~PinnedPool() { trim(); }

size_t PinnedPool::block_size(size_t bytes) {
  size_t size = kMinBlock;
  while (size < bytes) size <<= 1;
  return size;
}

void* PinnedPool::try_acquire(size_t bytes, size_t* size) {
  const size_t want = block_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  // The smallest cached block that fits, up to 4x the size class (no huge block for a tiny read).
  auto it = free_.lower_bound(want);
  if (it == free_.end() || it->first > 4 * want) return nullptr;
  void* p = it->second;
  *size = it->first;
  cached_ -= it->first;
  free_.erase(it);
  return p;
}

void* PinnedPool::allocate(size_t bytes, size_t* size) {
  void* p = nullptr;
  *size = block_size(bytes);
  cudaError_t e = cudaMallocHost(&p, *size);
  if (e == cudaErrorMemoryAllocation) {
    // Page-locked memory is scarcer than RAM: give back the cached blocks and try once more.
    cudaGetLastError();
    trim();
    e = cudaMallocHost(&p, *size);
  }
  check(e, "data");
  return p;
}

void PinnedPool::release(void* p, size_t size) {
  if (!p) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + size <= kCacheLimit) {
      free_.emplace(size, p);
      cached_ += size;
      return;
    }
  }
  cudaFreeHost(p);
}

void PinnedPool::trim() {
  std::multimap<size_t, void*> blocks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks.swap(free_);
    cached_ = 0;
  }
  for (auto& [size, p] : blocks) cudaFreeHost(p);
}

size_t PinnedPool::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_;
}

DeviceChecks::DeviceChecks() {
  check(cudaMalloc(reinterpret_cast<void**>(&claim_), sizeof(int32_t)), "cuda");
  try {
    check(cudaMemset(claim_, 0, sizeof(int32_t)), "cuda");
    check(cudaHostAlloc(reinterpret_cast<void**>(&host_record_), sizeof(CheckRecord), cudaHostAllocMapped), "cuda");
    *host_record_ = CheckRecord{};
    check(cudaHostGetDevicePointer(reinterpret_cast<void**>(&device_record_), host_record_, 0), "cuda");
  } catch (...) {
    cudaFree(claim_);
    if (host_record_) cudaFreeHost(host_record_);
    throw;
  }
}

DeviceChecks::~DeviceChecks() {
  cudaFree(claim_);
  cudaFreeHost(host_record_);
}

namespace {

const char* checked_op_name(int32_t op) {
  switch (CheckedOp(op)) {
    case CheckedOp::Gather: return "gather";
    case CheckedOp::IndexSelect: return "indexSelect";
    case CheckedOp::ScatterAdd: return "scatterAdd";
    case CheckedOp::IndexAdd: return "indexAdd";
    case CheckedOp::CrossEntropy: return "crossEntropy";
    case CheckedOp::CrossEntropyBackward: return "crossEntropyBackward";
    case CheckedOp::MaxPool2dBackward: return "maxPool2dBackward";
    default: return "cuda";
  }
}

}  // namespace

void DeviceChecks::raise_if_failed(void* stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  volatile CheckRecord* r = host_record_;
  if (r->state == 0) return;
  const CheckRecord rec{r->state, r->op, r->value, r->limit, r->extra};
  // Re-arm: clear the record, then the claim word behind any work already queued.
  r->state = 0;
  cudaMemsetAsync(claim_, 0, sizeof(int32_t), static_cast<cudaStream_t>(stream));
  const char* op = checked_op_name(rec.op);
  const char* where = " (checked on the GPU; reported at the next synchronization)";
  if (CheckedOp(rec.op) == CheckedOp::CrossEntropy || CheckedOp(rec.op) == CheckedOp::CrossEntropyBackward)
    range_error(op, ": label ", rec.value, " is out of range for ", rec.limit, " classes (expected 0..", rec.limit - 1,
                " or ignoreIndex ", rec.extra, ")", where);
  const int64_t lowest = CheckedOp(rec.op) == CheckedOp::MaxPool2dBackward ? -1 : 0;  // -1: a window of padding only
  range_error(op, ": index ", rec.value, " is out of range for a dim of size ", rec.limit, " (expected ", lowest, "..",
              rec.limit - 1, ")", where);
}

}  // namespace tl::cuda

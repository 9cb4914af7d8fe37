// Per-environment CUDA state (stream, cuBLAS handle and workspace, allocator, pinned staging
// pool, device-check record), created the first time an environment uses the GPU. Only
// CUDA-aware files include this.
#pragma once
#include <cuda_runtime_api.h>

#include <memory>

#include "../core/storage.h"
#include "cublas_api.h"
#include "staging.h"

namespace tl::cuda {

class CudaAllocator;

// The environment's stream, shared by the state and the allocator: device memory freed after
// the state is gone (a tensor outliving its environment) still has a stream to be freed on.
struct Stream {
  cudaStream_t handle = nullptr;
  ~Stream();
};

class State {
 public:
  State();
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  cudaStream_t stream() const { return stream_->handle; }
  cublasHandle_t blas() const { return blas_; }
  const CublasApi& api() const { return *api_; }
  const std::shared_ptr<CudaAllocator>& allocator() const { return allocator_; }
  const std::shared_ptr<PinnedPool>& pinned() const { return pinned_; }
  const std::shared_ptr<DeviceChecks>& checks() const { return checks_; }
  // After a synchronization of the stream: raises what the device-side checks found.
  void raise_checks() { checks_->raise_if_failed(stream_->handle); }
  int precision = 0;  // see set_matmul_precision

 private:
  std::shared_ptr<Stream> stream_;
  cublasHandle_t blas_ = nullptr;
  void* workspace_ = nullptr;
  const CublasApi* api_ = nullptr;
  std::shared_ptr<CudaAllocator> allocator_;
  std::shared_ptr<PinnedPool> pinned_;
  std::shared_ptr<DeviceChecks> checks_;
};

// The current environment's state (created on first use; TypeError when CUDA is unavailable).
State& state(const char* op = "cuda");
// The current environment's state if it has used the GPU, else null (never creates one).
State* state_if_any();

// Throws a tl::Error naming `op` when `e` is not cudaSuccess (out of memory is a RangeError).
void check(cudaError_t e, const char* op);
void check_blas(cublasStatus_t s, const char* op);

class CudaAllocator final : public Allocator {
 public:
  explicit CudaAllocator(std::shared_ptr<Stream> stream) : stream_(std::move(stream)) {}
  Device device() const override { return Device::CUDA; }
  void* allocate(size_t bytes, const char* op) override;
  void deallocate(void* p, size_t bytes) override;

 private:
  std::shared_ptr<Stream> stream_;
};

}  // namespace tl::cuda

// CUDA runtime services: the one-time availability probe, per-environment state, the
// stream-ordered allocator, precision settings.
#include "state.h"

#include <mutex>

#include "../core/context.h"
#include "../core/error.h"
#include "kernels.h"

namespace tl::cuda {

namespace {
constexpr size_t kWorkspaceBytes = size_t(32) << 20;  // cuBLAS workspace (Hopper wants >= 32 MB)
}

void check(cudaError_t e, const char* op) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear the sticky non-fatal error so the process keeps working
  if (e == cudaErrorMemoryAllocation) range_error(op, ": out of GPU memory");
  state_error(op, ": CUDA error: ", cudaGetErrorString(e));
}

const Status& status() {
  static std::once_flag once;
  static Status s;
  std::call_once(once, [] {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      s.reason = std::string("no usable CUDA driver or device (") + cudaGetErrorString(e) + ")";
      cudaGetLastError();
      return;
    }
    if (count == 0) {
      s.reason = "no CUDA device found";
      return;
    }
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
      s.reason = "could not query CUDA device 0";
      cudaGetLastError();
      return;
    }
    s.device = prop.name;
    s.major = prop.major;
    s.minor = prop.minor;
    s.memory = prop.totalGlobalMem;
    std::string why;
    if (!load_cublas(&why, &s.cublas)) {
      s.reason = why;
      return;
    }
    s.available = true;
  });
  return s;
}

void check_blas(cublasStatus_t st, const char* op) {
  if (st == 0) return;
  const CublasApi* api = load_cublas(nullptr, nullptr);
  state_error(op, ": cuBLAS error ", st, api ? std::string(" (") + api->status_string(st) + ")" : std::string());
}

State::State() {
  const Status& s = status();
  if (!s.available) type_error("cuda: CUDA is not available: ", s.reason);
  check(cudaSetDevice(0), "cuda");
  stream_ = std::make_shared<Stream>();
  check(cudaStreamCreateWithFlags(&stream_->handle, cudaStreamNonBlocking), "cuda");
  // Freed blocks stay in the default pool for reuse (stream-ordered caching; no cudaMalloc per op).
  cudaMemPool_t pool;
  check(cudaDeviceGetDefaultMemPool(&pool, 0), "cuda");
  uint64_t keep = UINT64_MAX;
  check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep), "cuda");
  api_ = load_cublas(nullptr, nullptr);
  check_blas(api_->create(&blas_), "cuda");
  check_blas(api_->set_stream(blas_, stream_->handle), "cuda");
  check(cudaMalloc(&workspace_, kWorkspaceBytes), "cuda");
  check_blas(api_->set_workspace(blas_, workspace_, kWorkspaceBytes), "cuda");
  allocator_ = std::make_shared<CudaAllocator>(stream_);
}

Stream::~Stream() {
  if (handle) {
    cudaStreamSynchronize(handle);
    cudaStreamDestroy(handle);
  }
}

State::~State() {
  if (stream_) cudaStreamSynchronize(stream_->handle);
  if (blas_) api_->destroy(blas_);
  if (workspace_) cudaFree(workspace_);
}

State& state(const char* op) {
  std::shared_ptr<void>& slot = current_context().cuda_slot();
  if (!slot) {
    if (!status().available) type_error(op, ": device 'cuda' is not available: ", status().reason);
    slot = std::make_shared<State>();
  }
  return *static_cast<State*>(slot.get());
}

void* CudaAllocator::allocate(size_t bytes, const char* op) {
  void* p = nullptr;
  check(cudaMallocAsync(&p, bytes == 0 ? 256 : bytes, stream_->handle), op);
  live_bytes_.fetch_add(int64_t(bytes), std::memory_order_relaxed);
  return p;
}

void CudaAllocator::deallocate(void* p, size_t bytes) {
  // Stream-ordered: work already queued that reads p finishes before the pool reuses it.
  cudaFreeAsync(p, stream_->handle);
  live_bytes_.fetch_sub(int64_t(bytes), std::memory_order_relaxed);
}

std::shared_ptr<Allocator> allocator(const char* op) { return state(op).allocator(); }

int64_t live_bytes() {
  Context* ctx = current_context_if_any();
  if (!ctx || !ctx->cuda_slot()) return 0;
  return static_cast<State*>(ctx->cuda_slot().get())->allocator()->live_bytes();
}

void set_matmul_precision(int level) {
  if (level < 0 || level > 2) range_error("setMatmulPrecision: unknown level ", level);
  state("setMatmulPrecision").precision = level;
}

int matmul_precision() {
  Context* ctx = current_context_if_any();
  return ctx && ctx->cuda_slot() ? static_cast<State*>(ctx->cuda_slot().get())->precision : 0;
}

void synchronize(const char* op) { check(cudaStreamSynchronize(state(op).stream()), op); }

}  // namespace tl::cuda

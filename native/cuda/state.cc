// CUDA runtime services: the one-time availability probe, per-environment state, the
// stream-ordered allocator (with one retry after trimming the pool), emptyCache, precision
// settings and synchronization (where device-side check failures surface).
#include "state.h"

#include <mutex>

#include "../core/context.h"
#include "../core/error.h"
#include "kernels.h"

namespace tl::cuda {

namespace {
constexpr size_t kWorkspaceBytes = size_t(32) << 20;  // cuBLAS workspace (Hopper wants >= 32 MB)

cudaMemPool_t default_pool() {
  cudaMemPool_t pool = nullptr;
  check(cudaDeviceGetDefaultMemPool(&pool, 0), "cuda");
  return pool;
}
}  // namespace

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
    const bool ok = load_cublas(&why, &s.cublas) != nullptr;
    s.cublas_tried = cublas_attempts();
    if (!ok) {
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
  uint64_t keep = UINT64_MAX;
  check(cudaMemPoolSetAttribute(default_pool(), cudaMemPoolAttrReleaseThreshold, &keep), "cuda");
  api_ = load_cublas(nullptr, nullptr);
  check_blas(api_->create(&blas_), "cuda");
  // A constructor that throws runs no destructor: release what was made so far here (a failed
  // workspace allocation must not leak the handle; the next use of the GPU retries cleanly).
  try {
    check_blas(api_->set_stream(blas_, stream_->handle), "cuda");
    check(cudaMalloc(&workspace_, kWorkspaceBytes), "cuda");
    check_blas(api_->set_workspace(blas_, workspace_, kWorkspaceBytes), "cuda");
    checks_ = std::make_shared<DeviceChecks>();
  } catch (...) {
    api_->destroy(blas_);
    blas_ = nullptr;
    if (workspace_) cudaFree(workspace_);
    workspace_ = nullptr;
    throw;
  }
  pinned_ = std::make_shared<PinnedPool>();
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

State* state_if_any() {
  Context* ctx = current_context_if_any();
  return ctx && ctx->cuda_slot() ? static_cast<State*>(ctx->cuda_slot().get()) : nullptr;
}

void* CudaAllocator::allocate(size_t bytes, const char* op) {
  void* p = nullptr;
  const size_t n = bytes == 0 ? 256 : bytes;
  cudaError_t e = cudaMallocAsync(&p, n, stream_->handle);
  if (e == cudaErrorMemoryAllocation) {
    // The pool may hold enough memory that is not usable yet (freed behind queued work, or
    // cached for other environments' streams) or not in one piece: wait for this stream, hand
    // the pool's unused memory back to the device and try once more before giving up.
    cudaGetLastError();
    cudaStreamSynchronize(stream_->handle);
    cudaMemPoolTrimTo(default_pool(), 0);
    e = cudaMallocAsync(&p, n, stream_->handle);
  }
  check(e, op);
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
  State* st = state_if_any();
  return st ? st->allocator()->live_bytes() : 0;
}

void empty_cache() {
  // No state, nothing cached: a no-op without a GPU or before the first use (as in PyTorch).
  State* st = state_if_any();
  if (!st) return;
  check(cudaStreamSynchronize(st->stream()), "emptyCache");
  check(cudaMemPoolTrimTo(default_pool(), 0), "emptyCache");
  st->pinned()->trim();
  st->raise_checks();
}

void set_matmul_precision(int level) {
  if (level < 0 || level > 2) range_error("setMatmulPrecision: unknown level ", level);
  state("setMatmulPrecision").precision = level;
}

int matmul_precision() {
  State* st = state_if_any();
  return st ? st->precision : 0;
}

void synchronize(const char* op) {
  State& st = state(op);
  check(cudaStreamSynchronize(st.stream()), op);
  st.raise_checks();
}

}  // namespace tl::cuda

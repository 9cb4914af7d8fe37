// Per-environment state of the addon: its thread pool, allocators and random generator.
// Each Node environment (the main thread, every worker_thread) owns one Context through
// N-API instance data; the thread running that environment's JS sees it as current.
#pragma once
#include <cstdint>
#include <memory>

#include "device.h"
#include "storage.h"
#include "thread_pool.h"

namespace tl {

// Counter-based generator state (Philox4x32-10): a key and a running offset, so results
// depend only on the seed and the order of calls, never on thread count or machine.
struct RngState {
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;  // PyTorch's default, for familiarity
  uint64_t seed = kDefaultSeed;
  uint64_t offset = 0;  // in 128-bit Philox blocks already consumed
};

class Context {
 public:
  Context();
  ~Context();

  ThreadPool& pool() { return pool_; }
  RngState& rng() { return rng_; }
  // Throws TypeError when the device is not usable from this build or machine.
  std::shared_ptr<Allocator> allocator(Device device, const char* op);
  int64_t cpu_bytes() const { return cpu_allocator_->live_bytes(); }
  CpuAllocator& cpu_allocator() { return *cpu_allocator_; }
  // Opaque per-environment CUDA state (native/cuda/state.h), created on first GPU use.
  std::shared_ptr<void>& cuda_slot() { return cuda_; }

 private:
  ThreadPool pool_;
  std::shared_ptr<CpuAllocator> cpu_allocator_;
  RngState rng_;
  std::shared_ptr<void> cuda_;
};

// The Context of the environment whose JS runs on this thread (set by the binding).
Context& current_context();
// Null on threads without an environment (libuv workers running async reads).
Context* current_context_if_any();
void set_current_context(Context* ctx);

}  // namespace tl

// Host-side pieces of the CUDA state that kernels and reads share with the host: the pinned
// staging pool behind `await t.data()`, and the record that device-side argument checks write.
// Both are owned by the environment's State and shared (shared_ptr) with reads in flight, which
// may finish after the State is gone.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace tl::cuda {

// Page-locked host blocks for device-to-host copies, kept for reuse by power-of-two size
// class. cudaMallocHost costs a page-locking system call (and cudaFreeHost synchronizes the
// device), far more than the copy of a typical read, so a read takes a cached block when one
// fits and never allocates on the JS thread (reads that miss allocate on their worker thread,
// see transfer.cc). At most kCacheLimit bytes stay cached; larger leftovers are freed.
class PinnedPool {
 public:
  static constexpr size_t kMinBlock = size_t(64) << 10;
  static constexpr size_t kCacheLimit = size_t(1) << 30;
  PinnedPool() = default;
  PinnedPool(const PinnedPool&) = delete;
  PinnedPool& operator=(const PinnedPool&) = delete;
  ~PinnedPool();

  static size_t block_size(size_t bytes);     // the size class that serves `bytes`
  void* try_acquire(size_t bytes, size_t* size);  // a cached block, or null; never allocates
  void* allocate(size_t bytes, size_t* size);     // cudaMallocHost (off the JS thread); throws
  void release(void* p, size_t size);             // back to the cache, or freed beyond the limit
  void trim();                                    // frees every cached block (emptyCache)
  size_t cached_bytes() const;

 private:
  mutable std::mutex mutex_;
  std::multimap<size_t, void*> free_;  // size -> block
  size_t cached_ = 0;
};

// Which op a failed device-side check belongs to (its error message).
enum class CheckedOp : int32_t {
  None = 0, Gather, IndexSelect, ScatterAdd, IndexAdd, CrossEntropy, CrossEntropyBackward, MaxPool2dBackward,
};

// What the first failing thread writes: the op, the offending value, the bound it broke and,
// for cross-entropy, the ignore index. `state` is set last (after a system fence).
struct CheckRecord {
  int32_t state;  // 0 = clear, 1 = a failure is recorded
  int32_t op;
  int64_t value, limit, extra;
};

// Passed by value to checking kernels: a device word that picks the first failure (atomics in
// device memory, supported everywhere) and the mapped host record the winner fills with plain
// stores (zero-copy writes, so the host reads it after any synchronization without a copy).
struct CheckSink {
  int32_t* claim;
  CheckRecord* record;
};

// Range checks of indices and labels run inside the kernels that use them, so argument
// checking never waits for the GPU; a failure is raised at the next natural synchronization
// (a read, synchronize()). Kernels skip the bad element instead of touching memory out of
// bounds, so the context stays healthy and the process keeps working.
class DeviceChecks {
 public:
  DeviceChecks();
  ~DeviceChecks();
  DeviceChecks(const DeviceChecks&) = delete;
  DeviceChecks& operator=(const DeviceChecks&) = delete;

  CheckSink sink() const { return {claim_, device_record_}; }
  // After a synchronization that covers the checking kernels: throws a RangeError naming the
  // op when one failed, and re-arms the check on `stream` (cudaStream_t, kept opaque here).
  void raise_if_failed(void* stream);

 private:
  std::mutex mutex_;
  int32_t* claim_ = nullptr;
  CheckRecord* host_record_ = nullptr;
  CheckRecord* device_record_ = nullptr;
};

}  // namespace tl::cuda

// Storage: one allocation on one device, shared by every tensor view of it.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "device.h"

namespace tl {

// Allocators count their live bytes so tl.memory() and V8's external-memory accounting
// can report real usage without walking tensors.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual Device device() const = 0;
  // Throws RangeError (naming `op`) when the request cannot be met; never returns null.
  virtual void* allocate(size_t bytes, const char* op) = 0;
  virtual void deallocate(void* p, size_t bytes) = 0;
  int64_t live_bytes() const { return live_bytes_.load(std::memory_order_relaxed); }

 protected:
  std::atomic<int64_t> live_bytes_{0};
};

// 64-byte aligned host memory (one cache line, one AVX-512 vector). Freed blocks of 1 KB and
// more are kept for reuse by size: large allocations otherwise go back to the kernel
// (mmap/munmap) and every reuse page-faults its memory in again, which cost more than the
// ops themselves in training loops. The cache is bounded (256 MB at most) and, when full,
// gives back its least recently freed blocks first: a loop's working set stays cached while
// the odd sizes of a finished phase (a matrix inversion's recursion) do not sit in RSS.
class CpuAllocator final : public Allocator {
 public:
  ~CpuAllocator() override;
  Device device() const override { return Device::CPU; }
  void* allocate(size_t bytes, const char* op) override;
  void deallocate(void* p, size_t bytes) override;
  // Frees every cached block (the emptyCache binding, memory pressure).
  void release_cache();
  int64_t cached_bytes() const;

 private:
  struct Cached {
    size_t size;
    void* p;
  };
  using Order = std::list<Cached>;  // oldest freed first
  // Frees the oldest cached blocks until `room` more bytes fit (caller holds mutex_).
  void evict_until_fits(size_t room);
  mutable std::mutex mutex_;
  Order order_;
  std::unordered_map<size_t, std::vector<Order::iterator>> free_blocks_;  // rounded size -> blocks
  size_t cached_ = 0;
};

// A copy out of a Storage that `await t.data()` requested; copy() runs exactly once, on
// whichever thread reaches it first (see Storage::wait_for_readers).
class PendingRead {
 public:
  virtual ~PendingRead() = default;
  virtual void copy() = 0;
};

// Borrowed host memory: nothing is allocated, freeing does nothing, nothing is counted.
class BorrowedHostMemory final : public Allocator {
 public:
  Device device() const override { return Device::CPU; }
  void* allocate(size_t, const char* op) override;  // throws: borrowed memory is never allocated
  void deallocate(void*, size_t) override {}
  static const std::shared_ptr<Allocator>& instance();
};

class Storage {
 public:
  Storage(std::shared_ptr<Allocator> alloc, size_t bytes, const char* op);
  // Memory the caller already holds (a JS typed array read in place for one synchronous
  // call); `alloc`'s deallocate decides what freeing it means.
  Storage(std::shared_ptr<Allocator> alloc, void* data, size_t bytes) : alloc_(std::move(alloc)), data_(data), bytes_(bytes) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return alloc_->device(); }

  // Asynchronous reads (await t.data()) not yet copied out. A read is registered on the JS
  // thread and copied by a worker thread; an in-place writer (on the JS thread) calls
  // wait_for_readers() first, which copies every read the workers have not reached itself
  // and waits only for copies already running. So a pending read always sees the values of
  // the moment it was requested, and a writer never waits on the event loop it blocks.
  void add_pending_read(const std::shared_ptr<PendingRead>& read);
  // Copies `read` unless a writer already did, then forgets it (a worker thread's Execute).
  void run_pending_read(PendingRead* read);
  void wait_for_readers();

 private:
  std::shared_ptr<Allocator> alloc_;
  void* data_;
  size_t bytes_;
  std::atomic<int> pending_count_{0};
  std::mutex reads_mutex_;
  std::vector<std::shared_ptr<PendingRead>> pending_;
};

}  // namespace tl

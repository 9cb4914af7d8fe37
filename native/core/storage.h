// Storage: one allocation on one device, shared by every tensor view of it.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
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

// 64-byte aligned host memory (one cache line, one AVX-512 vector). Freed blocks of 32 KB and
// more are kept for reuse by size: large allocations otherwise go back to the kernel
// (mmap/munmap) and every reuse page-faults its memory in again, which cost more than the
// ops themselves in training loops. The cache is bounded and released with the allocator.
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
  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_blocks_;  // rounded size -> blocks
  size_t cached_ = 0;
};

class Storage {
 public:
  Storage(std::shared_ptr<Allocator> alloc, size_t bytes, const char* op);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return alloc_->device(); }

  // Asynchronous reads (await t.data()) in flight. In-place writers call wait_for_readers()
  // first so a pending read always sees the values from the moment it was requested.
  void begin_read() { readers_.fetch_add(1, std::memory_order_acq_rel); }
  void end_read() { readers_.fetch_sub(1, std::memory_order_acq_rel); }
  void wait_for_readers() const;

 private:
  std::shared_ptr<Allocator> alloc_;
  void* data_;
  size_t bytes_;
  std::atomic<int> readers_{0};
};

}  // namespace tl

#include "storage.h"

#include <cstdlib>
#include <thread>

#include "error.h"
#include "system_info.h"

namespace tl {

void* CpuAllocator::allocate(size_t bytes, const char* op) {
  // Refuse what the machine cannot hold: with overcommit, malloc would succeed and the
  // process would be killed later while touching the pages.
  if (bytes > physical_memory_bytes())
    range_error(op, ": cannot allocate ", bytes, " bytes, more than this machine's ", physical_memory_bytes(),
                " bytes of memory");
  const size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (!p) range_error(op, ": out of memory allocating ", bytes, " bytes");
  live_bytes_.fetch_add(int64_t(bytes), std::memory_order_relaxed);
  return p;
}

void CpuAllocator::deallocate(void* p, size_t bytes) {
  std::free(p);
  live_bytes_.fetch_sub(int64_t(bytes), std::memory_order_relaxed);
}

Storage::Storage(std::shared_ptr<Allocator> alloc, size_t bytes, const char* op)
    : alloc_(std::move(alloc)), data_(alloc_->allocate(bytes, op)), bytes_(bytes) {}

Storage::~Storage() { alloc_->deallocate(data_, bytes_); }

void Storage::wait_for_readers() const {
  while (readers_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

}  // namespace tl

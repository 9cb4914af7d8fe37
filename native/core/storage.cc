#include "storage.h"

#include <algorithm>
#include <cstdlib>

#include "error.h"
#include "system_info.h"

namespace tl {

namespace {
// Blocks from 1 KB up are kept for reuse. Below 32 KB this matters as much as above: glibc
// returns the top of its heap to the OS once a tidy() scope frees a few hundred KB, and
// every new tensor then page-faults its memory back in (64x64 float tensors created in a
// scope measured ~80 us each in this VM, 20 us with reuse).
constexpr size_t kCacheFrom = 1024;

// Cached blocks are grouped by size rounded up: to 1 KB below 32 KB, to 4 KB pages above.
size_t rounded_size(size_t bytes) {
  if (bytes < kCacheFrom) return bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  if (bytes < 32 * 1024) return (bytes + 1023) / 1024 * 1024;
  return (bytes + 4095) / 4096 * 4096;
}

size_t cache_limit() {
  static const size_t limit = std::min<size_t>(size_t(256) << 20, physical_memory_bytes() / 16);
  return limit;
}
}  // namespace

CpuAllocator::~CpuAllocator() { release_cache(); }

void* CpuAllocator::allocate(size_t bytes, const char* op) {
  // Refuse what the machine cannot hold: with overcommit, malloc would succeed and the
  // process would be killed later while touching the pages.
  if (bytes > physical_memory_bytes())
    range_error(op, ": cannot allocate ", bytes, " bytes, more than this machine's ", physical_memory_bytes(),
                " bytes of memory");
  const size_t size = rounded_size(bytes);
  void* p = nullptr;
  if (size >= kCacheFrom) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_blocks_.find(size);
    if (it != free_blocks_.end() && !it->second.empty()) {
      const Order::iterator block = it->second.back();
      it->second.pop_back();
      p = block->p;
      order_.erase(block);
      cached_ -= size;
    }
  }
  if (!p) p = std::aligned_alloc(64, size);
  if (!p) {
    release_cache();  // memory pressure: give the cache back and try once more
    p = std::aligned_alloc(64, size);
  }
  if (!p) range_error(op, ": out of memory allocating ", bytes, " bytes");
  live_bytes_.fetch_add(int64_t(bytes), std::memory_order_relaxed);
  return p;
}

void CpuAllocator::deallocate(void* p, size_t bytes) {
  live_bytes_.fetch_sub(int64_t(bytes), std::memory_order_relaxed);
  const size_t size = rounded_size(bytes);
  if (size >= kCacheFrom) {
    std::lock_guard<std::mutex> lock(mutex_);
    // A block bigger than a quarter of the cache would flush everything else out of it.
    if (size <= cache_limit() / 4) {
      evict_until_fits(size);
      free_blocks_[size].push_back(order_.insert(order_.end(), Cached{size, p}));
      cached_ += size;
      return;
    }
  }
  std::free(p);
}

void CpuAllocator::evict_until_fits(size_t room) {
  while (!order_.empty() && cached_ + room > cache_limit()) {
    const Cached oldest = order_.front();
    // The oldest block of a size is the first of its bucket: buckets fill in freeing order.
    std::vector<Order::iterator>& bucket = free_blocks_[oldest.size];
    bucket.erase(bucket.begin());
    if (bucket.empty()) free_blocks_.erase(oldest.size);
    order_.pop_front();
    cached_ -= oldest.size;
    std::free(oldest.p);
  }
}

void CpuAllocator::release_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Cached& block : order_) std::free(block.p);
  order_.clear();
  free_blocks_.clear();
  cached_ = 0;
}

int64_t CpuAllocator::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return int64_t(cached_);
}

void* BorrowedHostMemory::allocate(size_t, const char* op) {
  state_error(op, ": internal error: borrowed memory cannot allocate");
}

const std::shared_ptr<Allocator>& BorrowedHostMemory::instance() {
  static const std::shared_ptr<Allocator> borrowed = std::make_shared<BorrowedHostMemory>();
  return borrowed;
}

Storage::Storage(std::shared_ptr<Allocator> alloc, size_t bytes, const char* op)
    : alloc_(std::move(alloc)), data_(alloc_->allocate(bytes, op)), bytes_(bytes) {}

Storage::~Storage() { alloc_->deallocate(data_, bytes_); }

void Storage::add_pending_read(const std::shared_ptr<PendingRead>& read) {
  std::lock_guard<std::mutex> lock(reads_mutex_);
  pending_.push_back(read);
  pending_count_.fetch_add(1, std::memory_order_release);
}

void Storage::run_pending_read(PendingRead* read) {
  // The copy runs under the lock: a writer that arrives meanwhile waits for it to finish.
  std::lock_guard<std::mutex> lock(reads_mutex_);
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].get() != read) continue;
    read->copy();
    pending_.erase(pending_.begin() + std::ptrdiff_t(i));
    pending_count_.fetch_sub(1, std::memory_order_release);
    return;
  }
}

void Storage::wait_for_readers() {
  if (pending_count_.load(std::memory_order_acquire) == 0) return;
  std::vector<std::shared_ptr<PendingRead>> reads;
  {
    std::lock_guard<std::mutex> lock(reads_mutex_);
    for (auto& r : pending_) r->copy();
    reads.swap(pending_);
    pending_count_.store(0, std::memory_order_release);
  }
  // `reads` is released here, outside the lock: a read's last reference may be the one that
  // keeps this storage alive.
}

}  // namespace tl

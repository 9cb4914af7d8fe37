// Data-parallel loops over the current environment's thread pool.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>

#include "context.h"

namespace tl {

// Runs fn(lo, hi) over [begin, end) split into at most one chunk per thread, each at least
// `grain` long. Small ranges (or a pool of one) run inline without touching the pool.
template <typename Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, Fn&& fn) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  if (ThreadPool::inside()) {  // nested: pool workers have no Context of their own
    fn(begin, end);
    return;
  }
  ThreadPool& pool = current_context().pool();
  const int64_t max_chunks = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  const int64_t chunks = std::min<int64_t>(pool.num_threads(), max_chunks);
  if (chunks <= 1) {
    fn(begin, end);
    return;
  }
  const int64_t step = (n + chunks - 1) / chunks;
  pool.run(chunks, [&](int64_t c) {
    const int64_t lo = begin + c * step;
    const int64_t hi = std::min(end, lo + step);
    if (lo < hi) fn(lo, hi);
  });
}

// Runs fn(i) for i in [0, n) as separate pool tasks (dynamic load balancing, for work items
// of uneven or large cost such as GEMM blocks).
template <typename Fn>
void parallel_tasks(int64_t n, Fn&& fn) {
  if (ThreadPool::inside()) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  current_context().pool().run(n, std::function<void(int64_t)>(std::forward<Fn>(fn)));
}

// Threads available to a new parallel section here (1 inside one already).
inline int num_threads() { return ThreadPool::inside() ? 1 : current_context().pool().num_threads(); }

}  // namespace tl

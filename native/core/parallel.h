// Data-parallel loops over the current environment's thread pool.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>

#include "context.h"

namespace tl {

// Runs fn(lo, hi) over [begin, end) split into chunks of at least `grain`, claimed
// dynamically by the pool's threads. A few chunks per thread (not one) keep a descheduled
// worker from stalling the caller on a busy machine: the others take its share. Small
// ranges (or a pool of one) run inline without touching the pool.
template <typename Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, Fn&& fn) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  Context* ctx = ThreadPool::inside() ? nullptr : current_context_if_any();
  if (!ctx) {  // nested in a pool task, or on a thread without an environment: run inline
    fn(begin, end);
    return;
  }
  ThreadPool& pool = ctx->pool();
  const int64_t max_chunks = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  const int64_t chunks = std::min<int64_t>(int64_t(pool.num_threads()) * 4, max_chunks);
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
  Context* ctx = ThreadPool::inside() ? nullptr : current_context_if_any();
  if (!ctx) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  ctx->pool().run(n, std::function<void(int64_t)>(std::forward<Fn>(fn)));
}

// Threads available to a new parallel section here (1 inside one already).
inline int num_threads() {
  Context* ctx = ThreadPool::inside() ? nullptr : current_context_if_any();
  return ctx ? ctx->pool().num_threads() : 1;
}

}  // namespace tl

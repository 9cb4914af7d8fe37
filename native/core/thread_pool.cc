#include "thread_pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define TL_CPU_RELAX() _mm_pause()
#else
#define TL_CPU_RELAX() std::this_thread::yield()
#endif

namespace tl {

namespace {
// True on pool threads and inside run(): nested parallel sections run inline.
thread_local bool tls_in_pool = false;
constexpr auto kSpinTime = std::chrono::microseconds(200);
}  // namespace

bool ThreadPool::inside() { return tls_in_pool; }

ThreadPool::ThreadPool(int num_threads) { start(num_threads > 1 ? num_threads - 1 : 0); }

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::start(int num_workers) {
  stopping_ = false;
  // The generation is read here, not in the new thread: a worker that starts late must still
  // see a stop() or a job issued before it ran.
  const uint64_t gen = generation_.load();
  for (int i = 0; i < num_workers; ++i) workers_.emplace_back([this, gen] { worker_loop(gen); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::resize(int num_threads) {
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  stop();
  start(num_threads > 1 ? num_threads - 1 : 0);
}

void ThreadPool::work_on(Job& job) {
  for (;;) {
    const int64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.num_tasks) return;
    try {
      (*job.task)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
    }
    job.done.fetch_add(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::worker_loop(uint64_t seen) {
  tls_in_pool = true;
  for (;;) {
    // Spin for a short while: during training the next op arrives within microseconds.
    const auto spin_until = std::chrono::steady_clock::now() + kSpinTime;
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      TL_CPU_RELAX();
      if (++spins % 64 == 0 && std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
      }
    }
    Job* job;
    {
      // Registering under the mutex guarantees run() cannot finish and free the job
      // between our reading job_ and our announcing that we are inside it.
      std::lock_guard<std::mutex> lock(mutex_);
      seen = generation_.load();
      if (stopping_) return;
      job = job_;
      if (job) job->helpers.fetch_add(1, std::memory_order_acq_rel);
    }
    if (job) {
      work_on(*job);
      job->helpers.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

void ThreadPool::run(int64_t num_tasks, const std::function<void(int64_t)>& task) {
  if (num_tasks <= 0) return;
  if (num_tasks == 1 || workers_.empty() || tls_in_pool) {
    for (int64_t i = 0; i < num_tasks; ++i) task(i);
    return;
  }
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  Job job;
  job.task = &task;
  job.num_tasks = num_tasks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &job;
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  wake_.notify_all();
  tls_in_pool = true;
  work_on(job);
  tls_in_pool = false;
  // A worker still inside a task may have been preempted: spin briefly, then yield the core.
  for (int spins = 0; job.done.load(std::memory_order_acquire) < num_tasks; ++spins) {
    if (spins < 2048) TL_CPU_RELAX();
    else std::this_thread::yield();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = nullptr;
  }
  while (job.helpers.load(std::memory_order_acquire) != 0) TL_CPU_RELAX();
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace tl

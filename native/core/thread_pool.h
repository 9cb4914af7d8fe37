// A persistent pool of worker threads. The calling thread takes part in every job, so a
// pool of n threads starts n - 1 workers. Workers spin briefly after a job (ops come in quick
// succession during training) and then sleep on a condition variable.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tl {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return int(workers_.size()) + 1; }
  // True on pool workers and on a thread inside run(): parallel sections there run inline.
  static bool inside();
  void resize(int num_threads);

  // Calls task(i) for every i in [0, num_tasks), spread over the pool; returns when all are
  // done. The first exception thrown by a task is rethrown here. Calls from inside a task
  // run inline on the calling thread.
  void run(int64_t num_tasks, const std::function<void(int64_t)>& task);

 private:
  struct Job {
    const std::function<void(int64_t)>* task;
    int64_t num_tasks;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    std::atomic<int> helpers{0};  // workers currently inside this job
    std::mutex error_mutex;
    std::exception_ptr error;
  };

  void start(int num_workers);
  void stop();
  void worker_loop(uint64_t seen);
  static void work_on(Job& job);

  std::vector<std::thread> workers_;
  std::mutex mutex_;  // guards job_ and stopping_, pairs with wake_
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  Job* job_ = nullptr;
  bool stopping_ = false;
  std::mutex run_mutex_;  // one job at a time
};

}  // namespace tl

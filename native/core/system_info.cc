#include "system_info.h"

#include <fstream>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif
#include <unistd.h>

namespace tl {

namespace {
size_t cgroup_memory_limit() {
  std::ifstream f("/sys/fs/cgroup/memory.max");
  unsigned long long v = 0;
  if (f >> v) return size_t(v);
  return 0;
}
}  // namespace

size_t physical_memory_bytes() {
  static const size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t total = (pages > 0 && page > 0) ? size_t(pages) * size_t(page) : size_t(1) << 40;
    const size_t cg = cgroup_memory_limit();
    return (cg > 0 && cg < total) ? cg : total;
  }();
  return bytes;
}

int available_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? int(n) : 1;
}

}  // namespace tl

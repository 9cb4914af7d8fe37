#include "system_info.h"

#include <cstdlib>
#include <fstream>
#include <string>
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

namespace {
// CPUs allowed by a cgroup v2 quota ("200000 100000" -> 2), 0 when unlimited or unknown.
int cgroup_cpu_quota() {
  std::ifstream f("/sys/fs/cgroup/cpu.max");
  std::string quota;
  long long period = 0;
  if (!(f >> quota >> period) || quota == "max" || period <= 0) return 0;
  const long long q = std::atoll(quota.c_str());
  return q > 0 ? int((q + period - 1) / period) : 0;
}
}  // namespace

int available_cpus() {
  int n = 0;
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
#endif
  if (n <= 0) n = int(std::thread::hardware_concurrency());
  const int quota = cgroup_cpu_quota();
  if (quota > 0 && quota < n) n = quota;  // containers: threads beyond the quota only contend
  return n > 0 ? n : 1;
}

}  // namespace tl

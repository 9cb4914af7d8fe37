#pragma once
#include <cstddef>

namespace tl {

// Physical memory of the machine (or the cgroup limit, when lower).
size_t physical_memory_bytes();
// CPUs this process may run on (affinity mask), at least 1.
int available_cpus();

}  // namespace tl

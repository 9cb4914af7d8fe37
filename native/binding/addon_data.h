// Per-environment state: the core Context plus what the binding needs to make handles.
#pragma once
#include <napi.h>

#include <memory>

#include "../core/context.h"

namespace tl::binding {

// Shared with every handle, so a handle finalized during environment teardown never
// touches freed instance data.
struct HandleStats {
  int64_t live_handles = 0;       // tensors neither disposed nor collected (tl.memory().tensors)
  int64_t reported_external = 0;  // bytes last reported to V8 as external memory
  std::shared_ptr<Allocator> cpu_allocator;
  // Blocks that hold values read back into JS (see tensor_read.cc); not tensor memory, so
  // not in tl.memory(), but reported to V8 with it.
  std::shared_ptr<CpuAllocator> host_buffers = std::make_shared<CpuAllocator>();
};

struct AddonData {
  Context ctx;
  napi_ref tensor_ctor = nullptr;  // the NativeTensor class
  std::shared_ptr<HandleStats> stats;
};

AddonData& addon_data(Napi::Env env);

// Tells V8 how much native memory our tensors hold, so its GC heuristics see it. Reports
// only changes above a threshold: the call is cheap but not free.
// Safe to call from finalizers and during teardown: a failing N-API call is ignored.
void sync_external_memory(napi_env env, HandleStats& stats);

}  // namespace tl::binding

#include "context.h"

#include "error.h"
#include "system_info.h"

#ifdef TL_WITH_CUDA
#include "../cuda/kernels.h"
#endif

namespace tl {

namespace {
thread_local Context* tls_context = nullptr;
}

Context::Context() : pool_(available_cpus()), cpu_allocator_(std::make_shared<CpuAllocator>()) {}

Context::~Context() = default;

std::shared_ptr<Allocator> Context::allocator(Device device, const char* op) {
  if (device == Device::CPU) return cpu_allocator_;
#ifdef TL_WITH_CUDA
  return cuda::allocator(op);
#else
  type_error(op, ": device 'cuda' is not available: this build of tensorlift has no CUDA backend (built without nvcc, or with TENSORLIFT_CUDA=0)");
#endif
}

Context& current_context() {
  if (!tls_context) state_error("tensorlift: native call from a thread without a tensorlift environment");
  return *tls_context;
}

Context* current_context_if_any() { return tls_context; }

void set_current_context(Context* ctx) { tls_context = ctx; }

}  // namespace tl

// Module entry: one AddonData per Node environment (main thread or worker), then the
// export tables of each binding file.
#include <napi.h>

#include "../core/context.h"
#include "addon_data.h"
#include "bindings.h"
#include "tensor_handle.h"

namespace tl::binding {

namespace {
constexpr int64_t kExternalReportStep = 1 << 20;
}

AddonData& addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

void sync_external_memory(napi_env env, HandleStats& stats) {
  const int64_t now = stats.cpu_allocator->live_bytes() + stats.host_buffers->live_bytes();
  const int64_t delta = now - stats.reported_external;
  if (delta > kExternalReportStep || delta < -kExternalReportStep || (now == 0 && delta != 0)) {
    int64_t adjusted = 0;
    if (napi_adjust_external_memory(env, delta, &adjusted) == napi_ok) stats.reported_external = now;
  }
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->stats = std::make_shared<HandleStats>();
  data->stats->cpu_allocator = data->ctx.allocator(Device::CPU, "init");
  env.SetInstanceData<AddonData>(data);  // deleted by N-API when the environment ends
  set_current_context(&data->ctx);

  Napi::Function ctor = define_tensor_class(env);
  if (napi_create_reference(env, ctor, 1, &data->tensor_ctor) != napi_ok)
    throw Napi::Error::New(env, "tensorlift: could not keep the NativeTensor class");
  exports.Set("NativeTensor", ctor);
  register_create(env, exports);
  register_views(env, exports);
  register_math(env, exports);
  register_index(env, exports);
  register_runtime(env, exports);
  register_nn(env, exports);
  register_conv(env, exports);
  register_inplace(env, exports);
  register_plan(env, exports);
  register_embed(env, exports);
  return exports;
}

}  // namespace tl::binding

static Napi::Object init_addon(Napi::Env env, Napi::Object exports) { return tl::binding::init(env, exports); }

NODE_API_MODULE(tensorlift, init_addon)

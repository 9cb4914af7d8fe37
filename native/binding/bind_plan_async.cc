// planRunAsync(plan, inputs) -> Promise<Float32Array>: a plan run on a libuv worker thread, so
// a server parses and answers requests while a batch's forward pass runs. The inputs are
// copied on the JS thread (the caller may reuse its arrays at once); runs of one plan are
// serialized by its mutex (a synchronous run waits for an asynchronous one to finish). On the
// worker thread the kernels run single-threaded: the compute pool belongs to the JS thread.
// Written against raw napi async work, like the reads: nothing throws across N-API when a
// worker is terminated mid-run.
#include <cstring>
#include <string>

#include "../core/error.h"
#include "bindings.h"
#include "guard.h"
#include "plan_handle.h"

namespace tl::binding {

namespace {

struct PlanJob {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  std::shared_ptr<Plan> plan;
  std::vector<Tensor> inputs;
  std::vector<float> result;
  std::string error;
};

void execute(napi_env, void* data) {
  auto* job = static_cast<PlanJob*>(data);
  try {
    std::lock_guard<std::mutex> lock(job->plan->mutex());
    const Tensor& out = job->plan->run(job->inputs);
    job->result.resize(size_t(out.numel()));
    if (out.numel()) std::memcpy(job->result.data(), out.raw_data(), out.nbytes());
  } catch (const std::exception& e) {
    job->error = e.what();
  } catch (...) {
    job->error = "plan.runAsync: unknown internal error";
  }
  job->inputs.clear();  // free the copies on the worker, not on the event loop
}

// On the JS thread, also during environment teardown: every status is checked, nothing throws.
void complete(napi_env env, napi_status status, void* data) {
  std::unique_ptr<PlanJob> job(static_cast<PlanJob*>(data));
  napi_handle_scope scope = nullptr;
  const bool scoped = napi_open_handle_scope(env, &scope) == napi_ok;
  if (status == napi_ok) {
    napi_value value = nullptr;
    if (job->error.empty()) {
      void* bytes = nullptr;
      napi_value buffer = nullptr;
      if (napi_create_arraybuffer(env, job->result.size() * sizeof(float), &bytes, &buffer) == napi_ok) {
        if (!job->result.empty()) std::memcpy(bytes, job->result.data(), job->result.size() * sizeof(float));
        napi_create_typedarray(env, napi_float32_array, job->result.size(), buffer, 0, &value);
      }
      if (value) napi_resolve_deferred(env, job->deferred, value);
    } else {
      napi_value msg = nullptr, err = nullptr;
      const bool range = job->error.find("out of range") != std::string::npos || job->error.find("must be [") != std::string::npos;
      if (napi_create_string_utf8(env, job->error.c_str(), job->error.size(), &msg) == napi_ok &&
          (range ? napi_create_range_error(env, nullptr, msg, &err) : napi_create_error(env, nullptr, msg, &err)) == napi_ok)
        napi_reject_deferred(env, job->deferred, err);
    }
  }
  napi_delete_async_work(env, job->work);
  if (scoped) napi_close_handle_scope(env, scope);
}

Napi::Value plan_run_async(const Napi::CallbackInfo& info) {
  auto job = std::make_unique<PlanJob>();
  job->plan = plan_of(info[0], "plan.runAsync");
  job->inputs = plan_inputs(info[1], *job->plan, true);
  napi_value promise = nullptr, name = Napi::String::New(info.Env(), "tensorlift.plan");
  if (napi_create_promise(info.Env(), &job->deferred, &promise) != napi_ok ||
      napi_create_async_work(info.Env(), nullptr, name, execute, complete, job.get(), &job->work) != napi_ok ||
      napi_queue_async_work(info.Env(), job->work) != napi_ok)
    throw Napi::Error::New(info.Env());
  job.release();
  return Napi::Value(info.Env(), promise);
}

}  // namespace

void register_plan_async(Napi::Env env, Napi::Object exports) { export_fn<plan_run_async>(env, exports, "planRunAsync"); }

}  // namespace tl::binding

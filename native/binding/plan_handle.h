// Shared by the plan bindings (bind_plan.cc, bind_plan_async.cc).
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "../core/plan.h"

namespace tl::binding {

// The plan behind a handle made by planCreate, or a TypeError / Error (disposed) naming op.
std::shared_ptr<Plan> plan_of(const Napi::Value& v, const char* op);
// One tensor per declared input from a JS array of typed arrays or tensors: borrowed views of
// the caller's memory, or (copy) tensors of their own for a run on another thread.
std::vector<Tensor> plan_inputs(const Napi::Value& list, const Plan& plan, bool copy);

void register_plan_async(Napi::Env env, Napi::Object exports);  // bind_plan_async.cc

}  // namespace tl::binding

// Each binding file adds its functions to the addon's exports (see binding.d.ts).
#pragma once
#include <napi.h>

namespace tl::binding {

void register_create(Napi::Env env, Napi::Object exports);   // bind_create.cc
void register_views(Napi::Env env, Napi::Object exports);    // bind_views.cc
void register_math(Napi::Env env, Napi::Object exports);     // bind_math.cc
void register_index(Napi::Env env, Napi::Object exports);    // bind_index.cc
void register_runtime(Napi::Env env, Napi::Object exports);  // bind_runtime.cc
void register_nn(Napi::Env env, Napi::Object exports);       // bind_nn.cc
void register_conv(Napi::Env env, Napi::Object exports);     // bind_conv.cc
void register_inplace(Napi::Env env, Napi::Object exports);  // bind_inplace.cc
void register_plan(Napi::Env env, Napi::Object exports);     // bind_plan.cc
void register_embed(Napi::Env env, Napi::Object exports);    // bind_embed.cc

}  // namespace tl::binding

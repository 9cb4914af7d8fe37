// Every exported function runs inside guard(): core errors become the matching JS error
// class, allocation failures a RangeError, anything else an Error. No C++ exception ever
// reaches N-API, so no input from JS can abort the process.
#pragma once
#include <napi.h>

#include <new>

#include "../core/error.h"

namespace tl::binding {

inline Napi::Error to_js_error(Napi::Env env, const tl::Error& e) {
  switch (e.kind()) {
    case ErrorKind::Type: return Napi::TypeError::New(env, e.what());
    case ErrorKind::Range: return Napi::RangeError::New(env, e.what());
    default: return Napi::Error::New(env, e.what());
  }
}

template <typename Fn>
auto guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const tl::Error& e) {
    throw to_js_error(env, e);
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "tensorlift: out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("tensorlift: internal error: ") + e.what());
  } catch (...) {
    throw Napi::Error::New(env, "tensorlift: unknown internal error");
  }
}

using Entry = Napi::Value (*)(const Napi::CallbackInfo&);

template <Entry F>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] { return F(info); });
}

// exports[name] = guarded F
template <Entry F>
void export_fn(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, guarded<F>, name));
}

}  // namespace tl::binding

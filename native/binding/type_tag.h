// N-API type tags: how the binding proves an object is one of its own handles before it
// trusts the pointer attached to it (a forged object with the right prototype has no tag).
#pragma once
#include <napi.h>

namespace tl::binding {

inline bool has_type_tag(napi_env env, napi_value v, const napi_type_tag& tag) {
  bool tagged = false;
  return napi_check_object_type_tag(env, v, &tag, &tagged) == napi_ok && tagged;
}

}  // namespace tl::binding

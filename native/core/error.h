// Errors raised by the native core. The binding turns each kind into the matching JS error
// class, so the core can validate arguments without knowing anything about N-API.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tl {

enum class ErrorKind { Type, Range, State };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg) : std::runtime_error(msg), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

namespace detail {
template <typename... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << std::forward<Parts>(parts));
  return os.str();
}
}  // namespace detail

// Wrong kind of argument (dtype, device, a non-tensor where a tensor belongs): JS TypeError.
template <typename... Parts>
[[noreturn]] void type_error(Parts&&... parts) {
  throw Error(ErrorKind::Type, detail::concat(std::forward<Parts>(parts)...));
}

// Right kind, wrong value (shape mismatch, dim out of range, negative size): JS RangeError.
template <typename... Parts>
[[noreturn]] void range_error(Parts&&... parts) {
  throw Error(ErrorKind::Range, detail::concat(std::forward<Parts>(parts)...));
}

// An object used in a state that forbids it (a disposed tensor): plain JS Error.
template <typename... Parts>
[[noreturn]] void state_error(Parts&&... parts) {
  throw Error(ErrorKind::State, detail::concat(std::forward<Parts>(parts)...));
}

}  // namespace tl

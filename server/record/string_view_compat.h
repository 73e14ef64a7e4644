// Debian's Abseil (20220623) is built with its own absl::string_view, distinct from
// std::string_view: absl::StrCat and friends do not take a std::string_view. Av converts one.
//
//   absl::StrCat("unknown model '", Av(name), "'");
//
// Thread safety: a pure function.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace nashnet::server {

[[nodiscard]] inline absl::string_view Av(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// And back: std::string_view of an absl::string_view (e.g. absl::Status::message()).
[[nodiscard]] inline std::string_view Sv(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace nashnet::server

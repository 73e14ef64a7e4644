// ConstantTimeEquals: compares a presented secret (admin token, join token) with the expected one
// in time that depends only on the longer of the two lengths, never on where they first differ,
// so that timing a server's answers reveals nothing of the secret byte by byte.
//
//   if (!ConstantTimeEquals(presented, admin_token_)) return Unauthenticated(...);
//
// Thread safety: a pure function.
#pragma once

#include <string_view>

namespace nashnet {

// True when `a` and `b` are the same bytes. Every byte of the longer one is read.
[[nodiscard]] bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace nashnet

// absl::Status ⇄ grpc::Status at the service's edge (the two share their code numbers).
//
//   reactor->Finish(ToGrpcStatus(absl::NotFoundError("game g7: no such game")));
//
// Thread safety: free functions, no shared state.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace nashnet::server {

[[nodiscard]] inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// Client input quoted in an error message: at most its first 64 bytes, C-escaped, in quotes, and
// "... (N bytes)" when longer — so a huge id cannot blow the status past gRPC's metadata limit.
//   QuoteInput("g1") == "'g1'";  QuoteInput(std::string(1000, 'x')) == "'xx...x'... (1000 bytes)"
[[nodiscard]] inline std::string QuoteInput(absl::string_view input) {
  constexpr size_t kMaxQuoted = 64;
  if (input.size() <= kMaxQuoted) return absl::StrCat("'", absl::CHexEscape(input), "'");
  return absl::StrCat("'", absl::CHexEscape(input.substr(0, kMaxQuoted)), "'... (", input.size(),
                      " bytes)");
}

}  // namespace nashnet::server

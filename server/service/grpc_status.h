// absl::Status ⇄ grpc::Status at the service's edge (the two share their code numbers).
//
//   reactor->Finish(ToGrpcStatus(absl::NotFoundError("game g7: no such game")));
//
// Thread safety: free functions, no shared state.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace nashnet::server {

[[nodiscard]] inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace nashnet::server

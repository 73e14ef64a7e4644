// ConfigureReflection: gRPC server reflection (grpc.reflection.v1alpha.ServerReflection, what
// grpcurl and grpc_cli use to list services and fetch descriptors) on one ServerBuilder, on or
// off.
//
//   grpc::ServerBuilder builder;
//   ConfigureReflection(&builder, options.reflection);
//
// Off unless asked (--reflection): it publishes the whole API to anyone who can connect. Linking
// grpc++_reflection registers its plugin for every ServerBuilder of the process (a static
// initializer), so "off" has to remove it, and "on" adds it if it is missing.
// Thread safety: call before BuildAndStart, from the thread building the server.
#pragma once

#include <grpcpp/server_builder.h>

namespace nashnet::server {

void ConfigureReflection(grpc::ServerBuilder* builder, bool enabled);

}  // namespace nashnet::server

// ServerTlsOptions → grpc::ServerCredentials: the coordinator's --tls-cert / --tls-key (TLS on the
// gRPC port) and --tls-client-ca (mutual TLS: every client must present a certificate signed by
// that CA, checked during the handshake, before any RPC).
//
//   ServerTlsOptions tls{.cert_file = "certs/server.pem", .key_file = "certs/server.key"};
//   NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
//                            MakeServerCredentials(tls));
//   builder.AddListeningPort(address, credentials, &port);
//
// The files are read once, here (pem_files.h's checks); a renewed certificate needs a restart.
// Thread safety: free functions.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet::tls {

struct ServerTlsOptions {
  std::string cert_file;       // --tls-cert: certificate chain, PEM (empty: plaintext, no TLS)
  std::string key_file;        // --tls-key: its private key, PEM, unencrypted
  std::string client_ca_file;  // --tls-client-ca: require client certificates from this CA

  [[nodiscard]] bool enabled() const { return !cert_file.empty(); }
  // InvalidArgument naming the flag: a certificate without a key or the other way round, a
  // client CA without a certificate.
  [[nodiscard]] absl::Status Validate() const;
};

// Insecure credentials without --tls-cert, else TLS ones; InvalidArgument naming the flag and the
// file for a missing, unreadable or non-PEM file or a key that is not the certificate's.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsOptions& options);

}  // namespace nashnet::tls

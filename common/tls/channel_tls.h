// ChannelSecurity: how a client (nashnet-agent, the `nashnet` admin verbs, tests) reaches a
// coordinator — plaintext, or TLS verified against --tls-ca, with an optional client certificate
// (--tls-cert / --tls-key) for a coordinator that requires mutual TLS, and --tls-server-name to
// check a name other than the one dialled (connecting by IP to a certificate issued for a name).
//
//   ClientTlsOptions tls{.ca_file = "certs/ca.pem"};
//   NASHNET_ASSIGN_OR_RETURN(ChannelSecurity security, ChannelSecurity::Load(tls));
//   std::shared_ptr<grpc::Channel> channel = security.CreateChannel("127.0.0.1:50051");
//
// A TLS failure surfaces from gRPC as UNAVAILABLE like a refused connection. IsTlsFailure tells
// the client-side ones apart (a server certificate the CA did not sign, a name it lacks, a
// plaintext server), so a client stops at once instead of retrying; DescribeConnectFailure writes
// the one line a user reads. A mutual-TLS server refusing the client's certificate (or its
// absence) cannot be told from a dropped connection under TLS 1.3: the client sees the connection
// closed just after its handshake ("Socket closed"), and the line says what to check.
//
// Thread safety: a loaded ChannelSecurity is immutable and may be shared and copied freely.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet::tls {

struct ClientTlsOptions {
  std::string ca_file;      // --tls-ca: verify the server against this CA (empty: plaintext)
  std::string cert_file;    // --tls-cert: a client certificate (mutual TLS)
  std::string key_file;     // --tls-key: its private key
  std::string server_name;  // --tls-server-name: the name the server certificate must carry

  [[nodiscard]] bool enabled() const { return !ca_file.empty(); }
  // InvalidArgument naming the flag: a client certificate without its key (or the other way
  // round), or any of the others without --tls-ca.
  [[nodiscard]] absl::Status Validate() const;
};

class ChannelSecurity {
 public:
  // Plaintext (no TLS), as without --tls-ca.
  ChannelSecurity();

  // Reads and checks the files once (pem_files.h); InvalidArgument naming the flag and file.
  [[nodiscard]] static absl::StatusOr<ChannelSecurity> Load(const ClientTlsOptions& options);

  // A channel to `address` (HOST:PORT) with these credentials and `args` (plus the server-name
  // override, if any).
  [[nodiscard]] std::shared_ptr<grpc::Channel> CreateChannel(
      const std::string& address, grpc::ChannelArguments args = {}) const;

  [[nodiscard]] bool tls() const { return tls_; }

 private:
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string server_name_;
  bool tls_ = false;
};

// Whether a failed call's status is a TLS handshake failure seen by the client (certificate not
// trusted, name mismatch, protocol mismatch) rather than an unreachable or restarting server.
// Retrying does not fix these.
[[nodiscard]] bool IsTlsFailure(const absl::Status& status);

// The text after "cannot reach coordinator at ADDR: " for a call that failed before the
// coordinator answered: "TLS handshake failed: <gRPC's words>" for a TLS failure, else
// "CODE: <gRPC's words>", plus a hint when the server closed the connection at once (a plaintext
// client: "pass --tls-ca"; a TLS client: the client certificate). One line.
[[nodiscard]] std::string DescribeConnectFailure(const absl::Status& status, bool tls);

// gRPC logs each failed TLS handshake at ERROR on stderr (from its ssl_transport_security and
// handshaker code): a second, rawer copy of what the failed call's status says. A client that
// reports failures itself in one line calls this once at start: those lines are dropped, every
// other gRPC log line is still printed (as "grpc E file:line] message"). Process-wide.
void DropTlsHandshakeLogs();

}  // namespace nashnet::tls

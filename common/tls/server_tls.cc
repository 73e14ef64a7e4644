#include "common/tls/server_tls.h"

#include "common/status_macros.h"
#include "common/tls/pem_files.h"

namespace nashnet::tls {

absl::Status ServerTlsOptions::Validate() const {
  if (cert_file.empty() && !key_file.empty()) {
    return absl::InvalidArgumentError("--tls-key: needs --tls-cert (the key's certificate)");
  }
  if (!cert_file.empty() && key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert: needs --tls-key (the certificate's key)");
  }
  if (cert_file.empty() && !client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-ca: needs --tls-cert and --tls-key (mutual TLS is TLS first)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  if (!options.enabled()) return grpc::InsecureServerCredentials();
  NASHNET_ASSIGN_OR_RETURN(
      CertificateAndKey pair,
      ReadCertificateAndKey({"--tls-cert", options.cert_file}, {"--tls-key", options.key_file}));
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  ssl.pem_key_cert_pairs.push_back({.private_key = std::move(pair.private_key),
                                    .cert_chain = std::move(pair.certificate_chain)});
  if (!options.client_ca_file.empty()) {
    NASHNET_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                             ReadCertificates({"--tls-client-ca", options.client_ca_file}));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace nashnet::tls

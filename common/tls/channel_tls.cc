#include "common/tls/channel_tls.h"

#include <grpc/support/log.h>

#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "common/tls/pem_files.h"

namespace nashnet::tls {

absl::Status ClientTlsOptions::Validate() const {
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError(cert_file.empty()
                                          ? "--tls-key: needs --tls-cert (the key's certificate)"
                                          : "--tls-cert: needs --tls-key (the certificate's key)");
  }
  if (ca_file.empty()) {
    if (!cert_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls-cert: needs --tls-ca (the CA that signed the coordinator's certificate)");
    }
    if (!server_name.empty()) {
      return absl::InvalidArgumentError(
          "--tls-server-name: needs --tls-ca (the CA that signed the coordinator's certificate)");
    }
  }
  return absl::OkStatus();
}

ChannelSecurity::ChannelSecurity() : credentials_(grpc::InsecureChannelCredentials()) {}

absl::StatusOr<ChannelSecurity> ChannelSecurity::Load(const ClientTlsOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  ChannelSecurity security;
  if (!options.enabled()) return security;
  grpc::SslCredentialsOptions ssl;
  NASHNET_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadCertificates({"--tls-ca", options.ca_file}));
  if (!options.cert_file.empty()) {
    NASHNET_ASSIGN_OR_RETURN(
        CertificateAndKey pair,
        ReadCertificateAndKey({"--tls-cert", options.cert_file}, {"--tls-key", options.key_file}));
    ssl.pem_cert_chain = std::move(pair.certificate_chain);
    ssl.pem_private_key = std::move(pair.private_key);
  }
  security.credentials_ = grpc::SslCredentials(ssl);
  security.server_name_ = options.server_name;
  security.tls_ = true;
  return security;
}

std::shared_ptr<grpc::Channel> ChannelSecurity::CreateChannel(const std::string& address,
                                                              grpc::ChannelArguments args) const {
  if (!server_name_.empty()) args.SetSslTargetNameOverride(server_name_);
  return grpc::CreateCustomChannel(address, credentials_, args);
}

bool IsTlsFailure(const absl::Status& status) {
  // gRPC reports a failed connection attempt as UNAVAILABLE (UNKNOWN for the subchannel's own
  // error); a coordinator's answers use other codes or other words.
  if (!absl::IsUnavailable(status) && !absl::IsUnknown(status)) return false;
  const std::string text = absl::AsciiStrToLower(status.message());
  return absl::StrContains(text, "handshake failed") || absl::StrContains(text, "ssl_error") ||
         absl::StrContains(text, "not in peer certificate");  // --tls-server-name mismatch
}

std::string DescribeConnectFailure(const absl::Status& status, bool tls) {
  const std::string text =
      absl::StrReplaceAll(std::string(status.message()), {{"\r\n", "; "}, {"\n", "; "}});
  if (IsTlsFailure(status)) return absl::StrCat("TLS handshake failed: ", text);
  std::string line = absl::StrCat(absl::StatusCodeToString(status.code()), ": ", text);
  // The server closed the connection at once: what a TLS server does to a plaintext client, and
  // (with TLS 1.3, after the client's side of the handshake) a mutual-TLS server to a client
  // without an acceptable certificate.
  if (absl::IsUnavailable(status) && absl::StrContains(text, "Socket closed")) {
    absl::StrAppend(&line, tls ? " (if the coordinator requires client certificates, pass "
                                 "--tls-cert/--tls-key from its client CA)"
                               : " (if the coordinator serves TLS, pass --tls-ca)");
  }
  return line;
}

void DropTlsHandshakeLogs() {
  gpr_set_log_function([](gpr_log_func_args* args) {
    const char* file = args->file != nullptr ? args->file : "";
    if (std::strstr(file, "ssl_transport_security") != nullptr ||
        std::strstr(file, "handshaker") != nullptr) {
      return;
    }
    const char* slash = std::strrchr(file, '/');
    const char severity = args->severity == GPR_LOG_SEVERITY_ERROR  ? 'E'
                          : args->severity == GPR_LOG_SEVERITY_INFO ? 'I'
                                                                    : 'D';
    std::fprintf(stderr, "grpc %c %s:%d] %s\n", severity, slash != nullptr ? slash + 1 : file,
                 args->line, args->message);
  });
}

}  // namespace nashnet::tls

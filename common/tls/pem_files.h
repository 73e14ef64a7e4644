// PEM files for TLS (certificates, private keys, CA bundles), read and checked before they reach
// gRPC or Asio, so that a wrong file is one line naming the flag and the file rather than a
// handshake that fails later with OpenSSL's words.
//
//   NASHNET_ASSIGN_OR_RETURN(CertificateAndKey pair,
//                            ReadCertificateAndKey({"--tls-cert", cert_file}, {"--tls-key",
//                            key_file}));
//   NASHNET_ASSIGN_OR_RETURN(std::string roots, ReadCertificates({"--tls-ca", ca_file}));
//
// Checks: the file exists and can be read (at most 1 MiB); a certificate file holds at least one
// PEM certificate that OpenSSL parses; a key file holds an unencrypted PEM private key; the key
// belongs to the first certificate (the leaf). Errors are InvalidArgument
// "--tls-key: keys/a.key does not match the certificate in --tls-cert certs/b.pem".
//
// Thread safety: free functions.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace nashnet::tls {

// A file given by a flag (both named in errors).
struct PemFile {
  std::string flag;  // "--tls-cert"
  std::string path;
};

struct CertificateAndKey {
  std::string certificate_chain;  // PEM: the leaf first, then any intermediates
  std::string private_key;        // PEM
};

// The PEM text of `file`, which holds one or more certificates.
[[nodiscard]] absl::StatusOr<std::string> ReadCertificates(const PemFile& file);

// The PEM text of `file`, which holds one unencrypted private key.
[[nodiscard]] absl::StatusOr<std::string> ReadPrivateKey(const PemFile& file);

// Both files, and the check that the key is the first certificate's.
[[nodiscard]] absl::StatusOr<CertificateAndKey> ReadCertificateAndKey(const PemFile& certificate,
                                                                      const PemFile& key);

}  // namespace nashnet::tls

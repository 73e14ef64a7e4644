#include "common/tls/pem_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nashnet::tls {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

absl::Status Invalid(const PemFile& file, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(file.flag, ": ", file.path, " ", what));
}

absl::StatusOr<std::string> ReadText(const PemFile& file) {
  if (file.path.empty()) return absl::InvalidArgumentError(absl::StrCat(file.flag, ": no file"));
  std::error_code ec;
  if (std::filesystem::is_directory(file.path, ec)) return Invalid(file, "is a folder, not a file");
  std::ifstream in(file.path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.flag, ": cannot read ", file.path, ": ", std::strerror(errno)));
  }
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxPemBytes) return Invalid(file, "is over 1 MiB (not a PEM file)");
  }
  if (in.bad())
    return absl::InvalidArgumentError(absl::StrCat(file.flag, ": cannot read ", file.path));
  if (text.empty()) return Invalid(file, "is empty");
  return text;
}

Bio MemoryBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Refuses to prompt for a passphrase (OpenSSL's default callback reads the terminal).
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

// The certificates of `text`, in order (empty when it holds none).
std::vector<Certificate> ParseCertificates(const std::string& text) {
  std::vector<Certificate> certificates;
  Bio bio = MemoryBio(text);
  while (true) {
    Certificate certificate(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (certificate == nullptr) break;
    certificates.push_back(std::move(certificate));
  }
  ERR_clear_error();  // the end of the file is reported as an error on the queue
  return certificates;
}

}  // namespace

absl::StatusOr<std::string> ReadCertificates(const PemFile& file) {
  absl::StatusOr<std::string> text = ReadText(file);
  if (!text.ok()) return text.status();
  if (!absl::StrContains(*text, "-----BEGIN CERTIFICATE-----")) {
    if (absl::StrContains(*text, "PRIVATE KEY-----")) {
      return Invalid(file, "holds a private key, not a certificate (swapped with the key?)");
    }
    return Invalid(file, "is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)");
  }
  if (ParseCertificates(*text).empty()) {
    return Invalid(file, "holds no certificate OpenSSL can read (a damaged PEM block?)");
  }
  return text;
}

absl::StatusOr<std::string> ReadPrivateKey(const PemFile& file) {
  absl::StatusOr<std::string> text = ReadText(file);
  if (!text.ok()) return text.status();
  if (absl::StrContains(*text, "ENCRYPTED")) {
    return Invalid(file, "is an encrypted key; nashnet needs it unencrypted (openssl pkey -in F)");
  }
  if (!absl::StrContains(*text, "PRIVATE KEY-----")) {
    if (absl::StrContains(*text, "-----BEGIN CERTIFICATE-----")) {
      return Invalid(file, "holds a certificate, not a private key (swapped with the cert?)");
    }
    return Invalid(file, "is not a PEM private key (no -----BEGIN ... PRIVATE KEY----- line)");
  }
  Bio bio = MemoryBio(*text);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (key == nullptr) return Invalid(file, "holds no private key OpenSSL can read");
  return text;
}

absl::StatusOr<CertificateAndKey> ReadCertificateAndKey(const PemFile& certificate,
                                                        const PemFile& key) {
  CertificateAndKey pair;
  absl::StatusOr<std::string> chain = ReadCertificates(certificate);
  if (!chain.ok()) return chain.status();
  absl::StatusOr<std::string> key_text = ReadPrivateKey(key);
  if (!key_text.ok()) return key_text.status();
  std::vector<Certificate> certificates = ParseCertificates(*chain);
  Bio bio = MemoryBio(*key_text);
  Key parsed(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (certificates.empty() || parsed == nullptr ||
      X509_check_private_key(certificates.front().get(), parsed.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(key.flag, ": ", key.path,
                                                   " does not match the certificate in ",
                                                   certificate.flag, " ", certificate.path));
  }
  pair.certificate_chain = *std::move(chain);
  pair.private_key = *std::move(key_text);
  return pair;
}

}  // namespace nashnet::tls

// TLS credentials from files: the certificates of scripts/make-test-certs.sh load; every wrong
// file is refused before any handshake, naming the flag and the file.
#include <string>

#include "common/tls/channel_tls.h"
#include "common/tls/pem_files.h"
#include "common/tls/server_tls.h"
#include "gtest/gtest.h"
#include "tests/test_certs.h"
#include "tests/test_files.h"

namespace nashnet::tls {
namespace {

using test::TempDir;
using test::TestCerts;
using test::WriteFile;

// The message of a failed StatusOr ("" if it succeeded).
template <typename T>
std::string Error(const absl::StatusOr<T>& result) {
  return result.ok() ? "" : std::string(result.status().message());
}

TEST(PemFiles, TheTestCertificatesLoad) {
  TempDir tmp;
  TestCerts certs(tmp / "certs");
  ASSERT_TRUE(certs.status.ok()) << certs.status;
  absl::StatusOr<CertificateAndKey> server =
      ReadCertificateAndKey({"--tls-cert", certs.server_cert()}, {"--tls-key", certs.server_key()});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(server->certificate_chain.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_EQ(server->private_key.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_TRUE(
      ReadCertificateAndKey({"--tls-cert", certs.client_cert()}, {"--tls-key", certs.client_key()})
          .ok());
  EXPECT_TRUE(ReadCertificates({"--tls-ca", certs.ca()}).ok());

  // Running the script again changes nothing (idempotent).
  TestCerts again(certs.dir);
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_EQ(test::ReadFile(certs.server_cert()), server->certificate_chain);
}

TEST(PemFiles, WrongFilesAreRefusedNamingFlagAndFile) {
  TempDir tmp;
  TestCerts certs(tmp / "certs");
  ASSERT_TRUE(certs.status.ok()) << certs.status;
  const std::string missing = tmp / "missing.pem";
  const std::string empty = tmp / "empty.pem";
  const std::string text = tmp / "text.pem";
  const std::string damaged = tmp / "damaged.pem";
  const std::string encrypted = tmp / "encrypted.key";
  WriteFile(empty, "");
  WriteFile(text, "hello\n");
  WriteFile(damaged, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  ASSERT_EQ(std::system(("openssl pkey -in '" + certs.server_key() + "' -aes256 -passout pass:x " +
                         "-out '" + encrypted + "' 2>/dev/null")
                            .c_str()),
            0);
  const std::string cert = certs.server_cert();
  const std::string key = certs.server_key();
  const struct {
    const char* name;
    std::string cert, key, error;
  } cases[] = {
      {"missing cert", missing, key,
       "--tls-cert: cannot read " + missing + ": No such file or directory"},
      {"missing key", cert, missing,
       "--tls-key: cannot read " + missing + ": No such file or directory"},
      {"empty cert", empty, key, "--tls-cert: " + empty + " is empty"},
      {"not PEM", text, key,
       "--tls-cert: " + text + " is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)"},
      {"damaged PEM", damaged, key,
       "--tls-cert: " + damaged + " holds no certificate OpenSSL can read"},
      {"key as cert", key, key,
       "--tls-cert: " + key + " holds a private key, not a certificate (swapped with the key?)"},
      {"cert as key", cert, cert,
       "--tls-key: " + cert + " holds a certificate, not a private key (swapped with the cert?)"},
      {"key not PEM", cert, text, "--tls-key: " + text + " is not a PEM private key"},
      {"encrypted key", cert, encrypted, "--tls-key: " + encrypted + " is an encrypted key"},
      {"another's key", cert, certs.client_key(),
       "--tls-key: " + certs.client_key() + " does not match the certificate in --tls-cert " +
           cert},
      {"a folder", tmp.path().string(), key,
       "--tls-cert: " + tmp.path().string() + " is a folder, not a file"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string error =
        Error(ReadCertificateAndKey({"--tls-cert", c.cert}, {"--tls-key", c.key}));
    EXPECT_EQ(error.substr(0, c.error.size()), c.error) << error;
    // The server's credentials say the same.
    const std::string server_error =
        Error(MakeServerCredentials({.cert_file = c.cert, .key_file = c.key}));
    EXPECT_EQ(server_error, error);
  }
  EXPECT_EQ(
      Error(MakeServerCredentials({.cert_file = cert, .key_file = key, .client_ca_file = text})),
      "--tls-client-ca: " + text +
          " is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)");
  EXPECT_EQ(Error(ChannelSecurity::Load({.ca_file = missing})),
            "--tls-ca: cannot read " + missing + ": No such file or directory");
  EXPECT_EQ(
      Error(ChannelSecurity::Load(
          {.ca_file = certs.ca(), .cert_file = cert, .key_file = certs.client_key()})),
      "--tls-key: " + certs.client_key() + " does not match the certificate in --tls-cert " + cert);
}

TEST(TlsOptions, IncompleteFlagsAreRefused) {
  EXPECT_EQ((ServerTlsOptions{.key_file = "k"}).Validate().message(),
            "--tls-key: needs --tls-cert (the key's certificate)");
  EXPECT_EQ((ServerTlsOptions{.cert_file = "c"}).Validate().message(),
            "--tls-cert: needs --tls-key (the certificate's key)");
  EXPECT_EQ((ServerTlsOptions{.client_ca_file = "ca"}).Validate().message(),
            "--tls-client-ca: needs --tls-cert and --tls-key (mutual TLS is TLS first)");
  EXPECT_TRUE(ServerTlsOptions{}.Validate().ok());
  EXPECT_FALSE(ServerTlsOptions{}.enabled());

  EXPECT_EQ((ClientTlsOptions{.ca_file = "ca", .cert_file = "c"}).Validate().message(),
            "--tls-cert: needs --tls-key (the certificate's key)");
  EXPECT_EQ((ClientTlsOptions{.ca_file = "ca", .key_file = "k"}).Validate().message(),
            "--tls-key: needs --tls-cert (the key's certificate)");
  EXPECT_EQ((ClientTlsOptions{.cert_file = "c", .key_file = "k"}).Validate().message(),
            "--tls-cert: needs --tls-ca (the CA that signed the coordinator's certificate)");
  EXPECT_EQ((ClientTlsOptions{.server_name = "n"}).Validate().message(),
            "--tls-server-name: needs --tls-ca (the CA that signed the coordinator's certificate)");
  absl::StatusOr<ChannelSecurity> plaintext = ChannelSecurity::Load({});
  ASSERT_TRUE(plaintext.ok());
  EXPECT_FALSE(plaintext->tls());
}

}  // namespace
}  // namespace nashnet::tls

namespace nashnet::tls {
namespace {

// gRPC's words for each failure, as seen in tests/service/tls_test.cc's runs.
TEST(TlsFailures, AreToldApartFromUnreachableServersAndAnswers) {
  const std::string prefix =
      "failed to connect to all addresses; last error: UNKNOWN: ipv4:1.2.3.4:5: ";
  const struct {
    absl::Status status;
    bool tls;
  } cases[] = {
      {absl::UnavailableError(prefix + "Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL "
                                       "routines::certificate verify failed"),
       true},
      {absl::UnavailableError(prefix + "Ssl handshake failed: SSL_ERROR_SSL: error:0A00010B:SSL "
                                       "routines::wrong version number"),
       true},
      {absl::UnavailableError(prefix + "Peer name x.example is not in peer certificate"), true},
      {absl::UnavailableError(prefix + "Socket closed"), false},
      {absl::UnavailableError("failed to connect to all addresses; last error: UNKNOWN: "
                              "ipv4:127.0.0.1:1: Failed to connect to remote host: Connection "
                              "refused"),
       false},
      {absl::UnavailableError("the coordinator is shutting down (no new games)"), false},
      // The coordinator's own answers never count, whatever their words.
      {absl::NotFoundError("game_id: no game 'ssl handshake failed'"), false},
      {absl::UnauthenticatedError("x-nashnet-admin-token: wrong admin token"), false},
      {absl::OkStatus(), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    EXPECT_EQ(IsTlsFailure(c.status), c.tls);
    const std::string line = DescribeConnectFailure(c.status, /*tls=*/true);
    EXPECT_EQ(line.rfind("TLS handshake failed: ", 0) == 0, c.tls) << line;
  }
  const absl::Status closed = absl::UnavailableError(prefix + "Socket closed");
  EXPECT_EQ(
      DescribeConnectFailure(closed, /*tls=*/false),
      "UNAVAILABLE: " + prefix + "Socket closed (if the coordinator serves TLS, pass --tls-ca)");
  EXPECT_EQ(DescribeConnectFailure(closed, /*tls=*/true),
            "UNAVAILABLE: " + prefix +
                "Socket closed (if the coordinator requires client certificates, pass "
                "--tls-cert/--tls-key from its client CA)");
  EXPECT_EQ(DescribeConnectFailure(absl::UnavailableError("a\nb"), false), "UNAVAILABLE: a; b");
}

}  // namespace
}  // namespace nashnet::tls

// Test certificates: runs scripts/make-test-certs.sh into a folder at test time (keys are never
// committed) and names its files.
//
//   TestCerts certs(dir / "certs");
//   ASSERT_TRUE(certs.status.ok()) << certs.status;
//   args = {"--tls-cert", certs.server_cert(), "--tls-key", certs.server_key()};
//
// Thread safety: one test thread.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nashnet::test {

struct TestCerts {
  explicit TestCerts(std::filesystem::path folder) : dir(std::move(folder)) {
    const std::string script = std::string(NASHNET_SOURCE_DIR) + "/scripts/make-test-certs.sh";
    const std::string command =
        absl::StrCat("'", script, "' '", dir.string(), "' >'", dir.string(), ".log' 2>&1");
    const int rc = std::system(command.c_str());
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
      status = absl::InternalError(
          absl::StrCat(script, " failed (", rc, "); see ", dir.string(), ".log"));
    }
  }

  std::string file(const char* name) const { return (dir / name).string(); }
  std::string ca() const { return file("ca.pem"); }
  std::string server_cert() const { return file("server.pem"); }
  std::string server_key() const { return file("server.key"); }
  std::string client_cert() const { return file("client.pem"); }
  std::string client_key() const { return file("client.key"); }
  std::string other_ca() const { return file("other-ca.pem"); }
  std::string other_client_cert() const { return file("other-client.pem"); }
  std::string other_client_key() const { return file("other-client.key"); }

  std::filesystem::path dir;
  absl::Status status;
};

}  // namespace nashnet::test

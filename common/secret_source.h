// Secrets (admin and join tokens) from a file or the environment rather than the command line,
// where every user of the machine can read them in `ps`.
//
//   absl::StatusOr<std::string> token = ResolveSecret({.flag = "--admin-token", .value =
//   flag_value,
//       .file_flag = "--admin-token-file", .file = file_flag_value, .env = "NASHNET_ADMIN_TOKEN"});
//
// A secret file holds the token on one line: its contents minus one trailing newline ("\n" or
// "\r\n"). An empty file, a second line, a file over 64 KiB or one that cannot be read is an
// InvalidArgument naming the flag and the file (never the secret).
//
// Thread safety: free functions (ResolveSecret reads the environment).
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace nashnet {

// The secret in `path`, read for flag `flag` (named in errors).
[[nodiscard]] absl::StatusOr<std::string> ReadSecretFile(const std::string& flag,
                                                         const std::filesystem::path& path);

// Where one secret may come from, in order: the flag's value or the file flag's file (not both),
// then the environment variable (unset or empty: none). No source at all gives "".
struct SecretSource {
  std::string flag;           // e.g. "--admin-token" (named in errors)
  std::string value;          // its value ("" = not given)
  std::string file_flag;      // e.g. "--admin-token-file"
  std::string file;           // its value ("" = not given)
  const char* env = nullptr;  // e.g. "NASHNET_ADMIN_TOKEN" (null = no variable)
};

// The secret, or InvalidArgument when both flags are given or the file is bad.
[[nodiscard]] absl::StatusOr<std::string> ResolveSecret(const SecretSource& source);

}  // namespace nashnet

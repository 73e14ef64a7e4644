#include "common/secret_source.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace nashnet {
namespace {

constexpr size_t kMaxSecretBytes = 64 << 10;

}  // namespace

absl::StatusOr<std::string> ReadSecretFile(const std::string& flag,
                                           const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path.string(), " is a folder, not a file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path.string(), ": ", std::strerror(errno)));
  }
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxSecretBytes) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path.string(), " is over ",
                                                     kMaxSecretBytes >> 10, " KiB (not a token)"));
    }
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path.string()));
  }
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  } else if (text.ends_with("\n")) {
    text.pop_back();
  }
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path.string(), " is empty"));
  }
  if (text.find_first_of("\r\n") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": ", path.string(), " has more than one line (a token file holds one line)"));
  }
  return text;
}

absl::StatusOr<std::string> ResolveSecret(const SecretSource& source) {
  if (!source.value.empty() && !source.file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.flag, " and ", source.file_flag, ": give one, not both"));
  }
  if (!source.value.empty()) return source.value;
  if (!source.file.empty()) return ReadSecretFile(source.file_flag, source.file);
  if (source.env != nullptr) {
    if (const char* value = std::getenv(source.env); value != nullptr) return std::string(value);
  }
  return std::string();
}

}  // namespace nashnet

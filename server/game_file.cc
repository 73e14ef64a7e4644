#include "server/game_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace nashnet::server {

bool IsGameFilePath(std::string_view name) {
  const absl::string_view view(name.data(), name.size());
  return absl::StrContains(view, '/') || absl::EndsWithIgnoreCase(view, ".nfg");
}

absl::Status CheckNfgSize(int64_t size, std::string_view what) {
  if (size <= kMaxNfgBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(absl::string_view(what.data(), what.size()), ": ",
                                                 size, " bytes, more than the limit of ",
                                                 kMaxNfgBytes, " (16 MiB)"));
}

absl::StatusOr<std::string> ReadGameFileText(const std::filesystem::path& path) {
  const std::string shown = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(shown, ": is a folder, not a .nfg file"));
  }
  // Only regular files: a FIFO or a link to /dev/zero must not hang the reader.
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(shown, ": not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(shown, ": cannot open the .nfg file: ", std::strerror(errno)));
  }
  // Read one byte past the limit, so that a file growing meanwhile is caught too.
  std::string text;
  char buffer[1 << 16];
  while (in && static_cast<int64_t>(text.size()) <= kMaxNfgBytes) {
    in.read(buffer, sizeof(buffer));
    text.append(buffer, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(shown, ": read error"));
  if (static_cast<int64_t>(text.size()) > kMaxNfgBytes) {
    const auto size = std::filesystem::file_size(path, ec);
    return CheckNfgSize(ec ? static_cast<int64_t>(text.size()) : static_cast<int64_t>(size), shown);
  }
  return text;
}

absl::Status EmbedGameFile(const std::filesystem::path& base_dir, v1::GameSpec* game) {
  if (!game->nfg().empty() || !IsGameFilePath(game->name())) return absl::OkStatus();
  std::filesystem::path path(game->name());
  if (path.is_relative()) path = base_dir / path;
  absl::StatusOr<std::string> text = ReadGameFileText(path.lexically_normal());
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("game.name: ", text.status().message()));
  }
  if (text->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("game.name: ", path.lexically_normal().string(), ": empty .nfg file"));
  }
  game->set_nfg(*std::move(text));
  game->set_name(path.filename().string());
  return absl::OkStatus();
}

}  // namespace nashnet::server

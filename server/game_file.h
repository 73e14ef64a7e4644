// Game files travel with the spec: whoever reads a Gambit .nfg file puts its text in the spec.
//
// A run spec names its game by catalogue name (`braess`) or carries it: `game.nfg` holds the .nfg
// text, and `game.name` is then only a label (the file's base name, "pd.nfg"). A client that is
// given a path — a run file's `game: games/pd.nfg` (relative to the run file's folder), the
// CLI's `--game ~/pd.nfg` (relative to the working folder) — reads the file here, so that a
// coordinator never opens a client's path and a run record (spec.yaml) alone reproduces the run.
//
//   v1::GameSpec game;
//   game.set_name("games/pd.nfg");
//   NASHNET_RETURN_IF_ERROR(EmbedGameFile(run_file_dir, &game));   // name "pd.nfg", nfg = text
//
// Thread safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nashnet/v1/spec.pb.h"

namespace nashnet::server {

// The largest .nfg text a spec may carry (a file read, an inline `nfg:`, a CreateGame request).
inline constexpr int64_t kMaxNfgBytes = int64_t{16} << 20;  // 16 MiB

// True if a game name is a file path rather than a catalogue name: it contains '/' or ends with
// ".nfg" (any case).
[[nodiscard]] bool IsGameFilePath(std::string_view name);

// "game.nfg: 17000000 bytes, more than the limit of 16777216 (16 MiB)" when `size` exceeds
// kMaxNfgBytes, else OK. `what` names the field or file ("game.nfg").
[[nodiscard]] absl::Status CheckNfgSize(int64_t size, std::string_view what);

// Reads a .nfg file's text (at most kMaxNfgBytes; regular files only). NotFound if it cannot be
// opened, InvalidArgument if it is a folder, a device, or too large; messages name the path.
[[nodiscard]] absl::StatusOr<std::string> ReadGameFileText(const std::filesystem::path& path);

// If `game` names a file (IsGameFilePath) and carries no text, reads it (a relative path against
// `base_dir`) into game->nfg and sets game->name to the file's base name; else changes nothing.
// Errors are ReadGameFileText's, prefixed "game.name: ".
[[nodiscard]] absl::Status EmbedGameFile(const std::filesystem::path& base_dir, v1::GameSpec* game);

}  // namespace nashnet::server

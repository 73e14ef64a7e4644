// ListGames paging: a page of the directory's games in id order — live games' GameInfo filled on
// their strands, ended games' from the GameInfo the directory kept, retired games' read from their
// record folders (spec.yaml, summary.json) on the disk thread — bounded in games (page_size: 0 =
// kDefaultPageSize, at most kMaxPageSize) and in bytes (kMaxPageBytes, so that a page always fits
// a client's default 4 MiB message limit; a game whose GameInfo alone passes kMaxListedGameBytes
// is listed without its per-seat and per-player rows — GetGame has them).
//
// Page tokens are opaque to clients: "after this id", base64url-encoded; the order is the ids'
// byte order, stable while games are created and retired.
//
//   NASHNET_ASSIGN_OR_RETURN(GamePage page, ParseGamePage(request));   // INVALID_ARGUMENT
//   ListGamesPage(directory, &disk, page, response, [reactor] { reactor->Finish(OK); });
//
// Thread safety: free functions; `done` runs once, on a game's strand or the disk thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nashnet/v1/coordinator.pb.h"
#include "server/service/game_directory.h"
#include "server/service/record_writer.h"

namespace nashnet::server {

inline constexpr int32_t kDefaultPageSize = 100;
inline constexpr int32_t kMaxPageSize = 1000;
inline constexpr size_t kMaxPageBytes = size_t{2} << 20;
inline constexpr size_t kMaxListedGameBytes = size_t{256} << 10;

struct GamePage {
  size_t size = kDefaultPageSize;
  std::string after;  // list ids after this one (empty: from the first)
};

// The page a request asks for: page_size < 0 and tokens this coordinator did not issue are
// INVALID_ARGUMENT naming the field; a page_size above kMaxPageSize is coerced to it.
[[nodiscard]] absl::StatusOr<GamePage> ParseGamePage(const v1::ListGamesRequest& request);

// The token of the page after the game `last_id`.
[[nodiscard]] std::string GamePageToken(absl::string_view last_id);

// Fills `response` with the page and sets next_page_token when games follow, then calls `done`.
void ListGamesPage(const GameDirectory& directory, RecordWriter* disk, const GamePage& page,
                   v1::ListGamesResponse* response, std::function<void()> done);

// A retired game's GameInfo from its record folder: the spec (spec.yaml), and from summary.json
// its status and summary. Never fails: what cannot be read is said in `message`.
[[nodiscard]] v1::GameInfo RetiredGameInfo(const std::string& id,
                                           const std::filesystem::path& record_dir);

}  // namespace nashnet::server

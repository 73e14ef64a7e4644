// Request bounds: the most every string and repeated field of a coordinator request may hold, in
// one place. A request past a bound is refused with INVALID_ARGUMENT naming the field and the
// bound ("spec.name: 1048576 bytes, at most 256") before anything else looks at it, so that no
// field can grow the coordinator's memory, its records or its answers (ListGames, GetGame)
// beyond what these bounds allow.
//
//   NASHNET_RETURN_IF_ERROR(CheckCreateGameBounds(request));   // CreateGame
//   NASHNET_RETURN_IF_ERROR(CheckJoinBounds(join));            // Play's Join
//   NASHNET_RETURN_IF_ERROR(CheckGameIdBound(request.game_id(), "game_id"));   // Get/Stop/Watch
//
// Thread safety: free functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nashnet/v1/coordinator.pb.h"

namespace nashnet::server {

inline constexpr size_t kMaxGameIdBytes = 64;          // game_id (every RPC), join.game_id
inline constexpr size_t kMaxRecordDirBytes = 1024;     // CreateGameRequest.record_dir
inline constexpr size_t kMaxRecordDirPartBytes = 255;  // one folder name of it (NAME_MAX)
inline constexpr int kMaxRecordDirDepth = 8;           // its folders (recovery looks that deep)
inline constexpr size_t kMaxSpecNameBytes = 256;       // spec.name (a free label)
inline constexpr size_t kMaxGameNameBytes = 1024;      // spec.game.name (a catalogue name or path)
inline constexpr size_t kMaxGameParams = 64;           // spec.game.params entries
inline constexpr size_t kMaxParamKeyBytes = 64;        // a parameter's name (games and learners)
inline constexpr size_t kMaxGameParamValueBytes = 1 << 20;  // parallel_links' per-link latencies
inline constexpr size_t kMaxNfgBytes = size_t{64} << 20;    // spec.game.nfg (also: message size)
inline constexpr size_t kMaxAlgorithmBytes = 64;            // learner.algorithm, join.algorithm
inline constexpr size_t kMaxLearnerParams = 64;             // a learner's params entries
inline constexpr size_t kMaxPlayerLearners = 1'000'000;     // spec.players (one per player at most)
inline constexpr size_t kMaxLocalSeats = 1'000'000;         // spec.service.local_seats
inline constexpr size_t kMaxJoinTokenBytes = 256;           // spec.service.join_token, join tokens
inline constexpr size_t kMaxAgentNameBytes = 256;           // join.agent_name
inline constexpr size_t kMaxPageTokenBytes = 512;           // ListGamesRequest.page_token

// InvalidArgument naming `field` if `value` is longer than `max` bytes.
[[nodiscard]] absl::Status CheckLength(absl::string_view field, absl::string_view value,
                                       size_t max);

// Every string and repeated field of a CreateGameRequest (spec included).
[[nodiscard]] absl::Status CheckCreateGameBounds(const v1::CreateGameRequest& request);
// Every string and repeated field of a Join ("join.agent_name", "join.learner.params", ...).
[[nodiscard]] absl::Status CheckJoinBounds(const v1::Join& join);
// A game id given to GetGame, StopGame, WatchGame: at most kMaxGameIdBytes.
[[nodiscard]] absl::Status CheckGameIdBound(absl::string_view id, absl::string_view field);

}  // namespace nashnet::server

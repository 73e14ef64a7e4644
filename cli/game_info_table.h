// Plain-text views of a coordinator's games for the admin verbs (`nashnet list`, `show`, `watch`):
// tables in the style of the summary table (cli_util.h's Table), numbers as %.4g, "-" for NaN.
//
//   std::fputs(RenderGameList(client.ListGames()->games()).c_str(), stdout);
//   std::fputs(RenderGameInfo(info).c_str(), stdout);
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "google/protobuf/repeated_ptr_field.h"
#include "nashnet/v1/coordinator.pb.h"

namespace nashnet::cli {

// "WAITING", "RUNNING", "COMPLETED", "STOPPED", "FAILED" ("UNSPECIFIED" otherwise).
[[nodiscard]] std::string_view GameStatusName(v1::GameStatus status);

// Whether a game in this status is over (COMPLETED, STOPPED, FAILED).
[[nodiscard]] bool IsOver(v1::GameStatus status);

// One row per game: id, status, round/horizon, agents connected/remote seats, game, Nash gap.
[[nodiscard]] std::string RenderGameList(
    const google::protobuf::RepeatedPtrField<v1::GameInfo>& games);

// Everything GetGame says: heading, spec, seats, the latest round's metrics and, once the game is
// over, the summary table (rendered from a local plan of the spec when it can be built, else from
// the spec alone).
[[nodiscard]] std::string RenderGameInfo(const v1::GameInfo& info);

// One line of `watch`: "g1 RUNNING round 120/1000  nash gap 0.031  empirical 0.02  regret 1.2 3.4".
[[nodiscard]] std::string RenderUpdateLine(const v1::GameUpdate& update);

// The summary table of a finished game (as `simulate` prints it) from its spec and GameSummary.
[[nodiscard]] std::string RenderGameSummary(const v1::RunSpec& spec, const v1::RoundMetrics& latest,
                                            const v1::GameSummary& summary);

}  // namespace nashnet::cli

// What `nashnet conformance` compares an agent's game against: `nashnet simulate`'s record of
// the same spec (the seat played by the learner the agent declared), and the replay contract
// (coordinator.proto) checked round by round over the game's journal.
//
//   NASHNET_ASSIGN_OR_RETURN(std::optional<std::string> expected,
//                            SimulatedRounds(spec, seat, info.seats(seat).learner(), dir));
//   if (expected && ReadRounds(record_dir) != *expected) ... the record is not simulate's
//   NASHNET_ASSIGN_OR_RETURN(ReplayCheck check, CheckReplayContract(record_dir, seat, learner));
//   if (!check.failure.empty()) ... the first round where the agent broke the contract
//
// Thread safety: free functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "nashnet/v1/coordinator.pb.h"
#include "nashnet/v1/spec.pb.h"

namespace nashnet::cli {

// rounds.csv of `nashnet simulate` for `spec` with seat `seat` played by `learner` (empty
// algorithm: the spec's), written under `dir`. nullopt when the learner is not one of nashnet's
// (an agent's own learner: nothing to simulate). An error if the spec cannot be simulated.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> SimulatedRounds(
    const v1::RunSpec& spec, int seat, const v1::LearnerSpec& learner,
    const std::filesystem::path& dir);

// A file's bytes ("" if it cannot be read).
[[nodiscard]] std::string ReadRounds(const std::filesystem::path& record_dir);

// "rows 1-40 equal; row 41 (round 41) differs" for two rounds.csv texts ("" if equal).
[[nodiscard]] std::string FirstDifference(const std::string& actual, const std::string& expected);

struct ReplayCheck {
  bool checked = false;     // false: the seat's learner is not one of nashnet's (not checked)
  int64_t rounds = 0;       // journal rounds checked
  int64_t substituted = 0;  // of which the straggler policy played
  std::string failure;      // the first round that breaks the contract ("" if none)
};

// Replays the seat's learner (nashnet's, built from the journal's spec and the seat's view) over
// the game's journal by the replay contract — one draw per round; an update with the round's
// feedback unless substituted — and compares every round the agent played itself (action and
// strategy, bit for bit) with the learner's draw.
[[nodiscard]] absl::StatusOr<ReplayCheck> CheckReplayContract(
    const std::filesystem::path& record_dir, int seat, const v1::LearnerSpec& learner);

}  // namespace nashnet::cli

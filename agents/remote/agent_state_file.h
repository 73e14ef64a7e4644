// AgentStateFile: what lets a restarted nashnet-agent process take its seat back — the game, the
// seat and the seat's resume token (a secret: the file is mode 0600), and whether the game is
// over. The learner itself is not saved: on a resume the coordinator sends the seat's history and
// the agent replays it (coordinator.proto), which rebuilds the learner exactly.
//
//   NASHNET_ASSIGN_OR_RETURN(std::optional<AgentState> state, LoadAgentState(path));
//   if (state && state->finished) return;                 // the game is over: nothing to do
//   ... after Joined ...
//   NASHNET_RETURN_IF_ERROR(SaveAgentState(path, {.game_id = "g1", .seat = 0, .resume_token = t}));
//
// The file is JSON: {"game_id": "g1", "seat": 0, "resume_token": "...", "finished": false}.
// Saved atomically (a partial file and a rename): a crash leaves the old state or the new one.
//
// Thread safety: pure functions over the file system.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet::agents {

struct AgentState {
  std::string game_id;
  int seat = -1;
  std::string resume_token;
  bool finished = false;  // the game is over (GameOver received)
  std::string reason;     // with finished: completed, stopped, failed
};

// nullopt if there is no file; InvalidArgument naming the file and the fault if it is not a
// state file.
[[nodiscard]] absl::StatusOr<std::optional<AgentState>> LoadAgentState(
    const std::filesystem::path& path);

[[nodiscard]] absl::Status SaveAgentState(const std::filesystem::path& path,
                                          const AgentState& state);

}  // namespace nashnet::agents

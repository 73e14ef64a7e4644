// ConformanceGame: one scenario's game in `nashnet conformance` — its processes (ScenarioEnv),
// the waits bounded by the scenario's timeout, and the common checks (GameOver and the agent's
// exit, the record against simulate's, the replay contract), each note kept for the table.
//
//   ConformanceGame g(run, scenario, spec, /*seat=*/1);
//   NASHNET_RETURN_IF_ERROR(g.Begin());                 // coordinator, game, agent joined
//   NASHNET_RETURN_IF_ERROR(g.Reach(300));
//   g.env().proxy().ResetAll();
//   NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_COMPLETED));
//   NASHNET_RETURN_IF_ERROR(g.CheckRecord(info));
//
// Every wait ends at the scenario's deadline (ConformanceOptions::scenario_timeout from the
// game's construction) at the latest, with DeadlineExceeded naming what did not happen. An agent
// that exits 77 while waited for turns the wait into Unimplemented (the scenario is skipped).
// Thread safety: one thread uses a game.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/conformance_env.h"
#include "cli/conformance_scenarios.h"
#include "nashnet/v1/coordinator.pb.h"
#include "nashnet/v1/spec.pb.h"

namespace nashnet::cli {

// An agent's exit code for "I cannot play this game" (the scenario is skipped).
inline constexpr int kExitUnsupported = 77;

// "completed", "stopped", "failed", ...
[[nodiscard]] std::string GameStatusName(v1::GameStatus status);

class ConformanceGame {
 public:
  ConformanceGame(ConformanceRun& run, const Scenario& scenario, v1::RunSpec spec, int seat);

  [[nodiscard]] ScenarioEnv& env() { return *env_; }
  [[nodiscard]] const ConformanceOptions& options() const { return run_.options(); }
  [[nodiscard]] int seat() const { return seat_; }
  void Note(std::string note) { notes_.push_back(std::move(note)); }
  [[nodiscard]] std::string detail() const;

  // Coordinator (`max_file_bytes`: see ScenarioEnv::StartCoordinator), game, agent; returns
  // once the agent holds its seat.
  [[nodiscard]] absl::Status Begin(int64_t max_file_bytes = 0);

  // ScenarioEnv::WaitFor within min(`timeout`, what is left of the scenario's time).
  [[nodiscard]] absl::StatusOr<v1::GameInfo> Wait(
      const std::string& what, const std::function<bool(const v1::GameInfo&)>& condition,
      std::chrono::milliseconds timeout, bool stop_if_agent_ends = true);
  // Waits for the game to reach `round`.
  [[nodiscard]] absl::Status Reach(int64_t round);
  // Once the game reaches `round`, holds the agent's bytes in the proxy (the game stops there);
  // the round it stopped at.
  [[nodiscard]] absl::StatusOr<int64_t> PauseAt(int64_t round);
  // Waits until the agent took its seat back `resumes` times in all and the game moved past
  // `round` (within resume_within); notes how long it took since `since`.
  [[nodiscard]] absl::Status WaitResumed(int resumes, int64_t round,
                                         std::chrono::steady_clock::time_point since,
                                         const std::string& after);
  // The game over with `expected`, the agent's exit soon after (0, or non-zero after a failed
  // game). The final GameInfo.
  [[nodiscard]] absl::StatusOr<v1::GameInfo> End(v1::GameStatus expected);

  // rounds.csv against simulate's (or the agent's own fault-free record of the same spec);
  // `prefix`: the record of a stopped game must be the first rows of the full one.
  [[nodiscard]] absl::Status CheckRecord(const v1::GameInfo& info, bool prefix = false);
  // The replay contract over the journal.
  [[nodiscard]] absl::Status CheckReplay(const v1::GameInfo& info);

 private:
  [[nodiscard]] std::chrono::milliseconds Left(std::chrono::milliseconds timeout) const;

  ConformanceRun& run_;
  const Scenario& scenario_;
  v1::RunSpec spec_;
  int seat_;
  std::chrono::steady_clock::time_point deadline_;
  std::unique_ptr<ScenarioEnv> env_;
  std::vector<std::string> notes_;
};

}  // namespace nashnet::cli

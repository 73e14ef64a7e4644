// The in-process engine behind `nashnet simulate`: a run spec made ready (RunPlan), and one seed
// of it played with local seats (each a Learner) on one Match.
//
//   NASHNET_ASSIGN_OR_RETURN(RunPlan plan, PlanRun(spec, run_file_dir));
//   NASHNET_ASSIGN_OR_RETURN(RunSummary s, Simulate(plan, plan.spec.seed(), &recorder, {}));
//
// Thread safety: a RunPlan is immutable and may be shared by threads simulating different seeds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/learner.h"
#include "games/game.h"
#include "nashnet/v1/spec.pb.h"
#include "server/match.h"
#include "server/round_metrics.h"

namespace nashnet::server {

// One player's learner as the plan resolved it.
struct PlayerLearnerSpec {
  std::string algorithm;
  agents::LearnerParams params;
};

// A run spec checked and made ready: the game built, defaults filled in.
struct RunPlan {
  v1::RunSpec spec;  // normalised: feedback model, seeds >= 1, record_every >= 1 filled in
  std::shared_ptr<const games::Game> game;
  std::vector<PlayerLearnerSpec> learners;  // one per player
  MatchOptions match;                       // match.seed is the spec's first seed
};

// Checks `spec` and builds its game and per-player learners. InvalidArgument naming the field
// ("game.params.players", "players[2].algorithm", "feedback.sigma", ...) for anything unknown or
// impossible. The game comes from `game.nfg` when set (its faults as "game.nfg:LINE:COLUMN: ...";
// `game.name` is then only a label) and from the catalogue otherwise. Never opens a file: a
// `game.name` that is a path (game_file.h) without `game.nfg` is InvalidArgument ("game.nfg:
// missing: ..."). This is the coordinator's entry point: it never reads a client's path.
[[nodiscard]] absl::StatusOr<RunPlan> PlanRun(const v1::RunSpec& spec);

// The same for the in-process tools (simulate, report), which may read a game file that the spec
// names by path and does not carry: a relative path against `base_dir` (the run file's folder).
// The plan's spec then carries the file's text (EmbedGameFile), as its spec.yaml records it.
[[nodiscard]] absl::StatusOr<RunPlan> PlanRun(const v1::RunSpec& spec,
                                              const std::filesystem::path& base_dir);

// The game's name for people (summary tables, reports): for a game carried as .nfg text, its
// label and the file's title ("pd.nfg: Two person Prisoner's Dilemma game"; the label alone when
// the file has no title); else the game's own name ("braess").
[[nodiscard]] std::string GameDisplayName(const RunPlan& plan);

// Receives the metrics of every recorded round (round 1, every record_every-th, the last), in
// order, on the simulating thread.
class RoundObserver {
 public:
  virtual ~RoundObserver() = default;
  virtual void OnRound(const RoundMetrics& metrics) = 0;
};

struct SimulateOptions {
  // Called every `progress_every` rounds with the number of rounds played (may be empty).
  std::function<void(int64_t rounds_done)> progress;
  int64_t progress_every = 1000;
};

// Whether round `t` of a `rounds`-round run goes into rounds.csv: round 1, every
// `record_every`-th round and the last (the rule of Simulate, shared with the coordinator).
[[nodiscard]] inline bool IsRecordedRound(int64_t t, int64_t record_every, int64_t rounds) {
  return t == 1 || (record_every > 0 && t % record_every == 0) || t == rounds;
}

// The summary of a run whose last played round is `last.round`: its metrics, `learners[i]` for
// player i (what played the seat), `rounds` played and `seed`; status "completed" (the caller sets
// another). elapsed_seconds and rounds_per_second stay NaN (the caller times the run). Players
// missing from `last` (no round played) get NaN metrics.
[[nodiscard]] RunSummary SummarizeRun(const RoundMetrics& last, int64_t rounds, uint64_t seed,
                                      const std::vector<PlayerLearnerSpec>& learners);

// Plays seed `seed` of the plan to the horizon and returns its summary (elapsed_seconds set).
// `observer` may be null.
[[nodiscard]] absl::StatusOr<RunSummary> Simulate(const RunPlan& plan, uint64_t seed,
                                                  RoundObserver* observer,
                                                  const SimulateOptions& options);

}  // namespace nashnet::server

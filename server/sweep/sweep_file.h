// Sweep files: a grid of runs — games × learners (× learner parameters) × seeds — written in the
// run-file schema (run_file.h), expanded into cells, each one run spec of one seed.
//
//   name: hedge-vs-lr
//   base:                        # a run file every cell starts from (no `seeds`, no `players`)
//     rounds: 2000
//     feedback: full
//     record_every: 10
//     seed: 1                    # the first seed
//   seeds: 3                     # seeds per combination: seed, seed+1, seed+2 (each its own cell)
//   games:                       # each a run-file `game` value ...
//     - prisoners_dilemma
//     - {name: braess, params: {players: 4}}
//     - {game: online_bumps, feedback: bandit, rounds: 32000, label: bumps}  # ... or `game:` with
//                                # run-file keys that override `base` for this game, and a label
//     - {game: online_drift, rounds: [4000, 16000, 64000], label: drift}  # a list of horizons:
//                                # a cell per horizon (the report fits R(T) across them)
//   learners:                    # each a run-file `learner` value (every player's learner); a list
//     - hedge                    # in `params` is a grid axis: this entry is two learners
//     - {algorithm: hedge, params: {gamma0: [0.05, 0.1]}, label: hedge-tuned}
//   grids:                       # instead of games/learners: several grids sharing base and seeds
//     - {games: [...], learners: [...]}
//
// Without `games` the base's game is the one game; without `learners` the base's learner is the
// one learner. Cells are ordered grid by grid, then game, learner (parameter lists in the order
// written, the first varying slowest), horizon, seed. A cell's id (its folder name) is
// "<game label>__<learner label>__seed-<s>", or "<game label>__<learner
// label>__T-<rounds>__seed-<s>" for a game entry with a list of horizons (its cells share the game
// label); labels default to the game name (an .nfg file's stem) with its params
// ("braess-players=4") and the algorithm with its params ("hedge-gamma0=0.05"), characters outside
// [A-Za-z0-9._=-] as '_'. Two cells with the same id are an error.
//
// Errors are InvalidArgument "file:line:column: key.path: what": the sweep's own keys by their
// sweep path ("games[2].label"), the run-file keys of a cell by their run-file path at their
// position in the sweep file ("sweep.yaml:9:33: learner.params.gamma0: expected a number, got
// 'x'"). PlanSweep then checks every cell as `simulate` would (PlanRun), before anything runs.
//
//   NASHNET_ASSIGN_OR_RETURN(SweepFile sweep, ReadSweepFile("examples/validation/sweep.yaml"));
//   NASHNET_ASSIGN_OR_RETURN(std::vector<RunPlan> plans, PlanSweep(sweep));
//
// Thread safety: free functions; a SweepFile is a value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/record/run_file.h"
#include "server/simulation.h"

namespace nashnet::server {

// One run of the grid: one game, one learner, one seed.
struct SweepCell {
  std::string id;             // "<game>__<learner>__seed-<s>", the cell's folder name
  std::string game_label;     // groups cells into one chart per game in the report
  std::string learner_label;  // one line per learner label on that chart
  std::string params;         // the learner's params as written: "gamma0=0.05;beta=0.6", or ""
  uint64_t seed = 0;
  RunFile run;  // the cell's run spec (seeds 1), positions into the sweep file
};

struct SweepFile {
  std::string name;         // `name:`, else the file's stem
  std::string source_name;  // the path as given
  std::filesystem::path base_dir = ".";
  std::string text;  // the file's text (copied into the output folder)
  std::vector<SweepCell> cells;
};

// Parses sweep-file text; `source_name` prefixes error positions.
[[nodiscard]] absl::StatusOr<SweepFile> ParseSweepFile(std::string_view text,
                                                       std::string_view source_name);

// Reads and parses a file; relative .nfg paths resolve against its folder. NotFound if unreadable.
[[nodiscard]] absl::StatusOr<SweepFile> ReadSweepFile(const std::filesystem::path& path);

// PlanRun of every cell, in order; InvalidArgument located in the sweep file, or prefixed with
// "<file>: cell <id>: " where the field has no position.
[[nodiscard]] absl::StatusOr<std::vector<RunPlan>> PlanSweep(const SweepFile& sweep);

// A label from free text: characters outside [A-Za-z0-9._=-] become '_'.
[[nodiscard]] std::string SweepLabel(std::string_view text);

}  // namespace nashnet::server

// Run files: YAML text ⇄ nashnet::v1::RunSpec, the one schema of a run.
//
// A run file names the game, the learners, the feedback, the horizon and the seeds:
//
//   name: pd-noisy-hedge
//   game: prisoners_dilemma            # or {name: braess, params: {players: 100}}, or a .nfg path
//                                      # (relative to this file), or {name: pd.nfg, nfg: | ...}
//   learner: {algorithm: hedge, params: {gamma0: 0.1, beta: 0.6}}   # or just `learner: hedge`
//   players: [{algorithm: hedge-lr}, {}]   # optional per-player overrides (index = player)
//   feedback: {model: noisy, noise: gaussian, sigma: 0.5}           # or just `feedback: bandit`
//   rounds: 10000
//   seed: 1
//   seeds: 8            # seed, seed+1, ..., seed+7
//   record_every: 10    # rounds.csv keeps round 1, every 10th round and the last
//   service:            # optional: how the networked service hosts it (simulate ignores it)
//     round_deadline_ms: 2000            # 0 = 10000
//     straggler: repeat_last             # wait | repeat_last | default_action | default (= wait)
//     default_action: 0                  # what `default_action` plays (finite games)
//     evict_after: 3                     # missed deadlines in a row before eviction (0 = 3)
//     join_token: s3cret                 # agents must present it (empty = none)
//     local_seats: [0, 2]                # seats played by built-in learners in the coordinator
//
// Reading is strict: unknown keys, duplicate keys, wrong types (a list where a number belongs),
// numbers with trailing junk, impossible values and unknown enum names are InvalidArgument with
// "file:line:column: key.path: what" (e.g. "run.yaml:7:10: feedback.model: unknown model 'nosy'
// (known: full, noisy, counterfactual, bandit)"). Enum fields also accept `default` (the proto's
// UNSPECIFIED value), which the writer emits for unset enums.
//
// A game file named by path (`game: games/pd.nfg`, relative to the run file's folder) travels
// with the spec: ReadRunFile reads it into `game.nfg` and keeps only its base name in `game.name`
// (game_file.h). `game: {name: pd.nfg, nfg: | ...}` carries the text inline (at most 16 MiB).
//
// Writing is canonical: every field, keys sorted, strings double-quoted, doubles in the shortest
// form that reads back exactly (number_text.h) — except the `service:` block, written (with every
// field) only when it differs from the default; the parser likewise drops an all-default block;
// and `game.nfg`, written only when set, as a literal block scalar (`nfg: |2`) byte for byte.
// ParseRunSpecYaml(WriteRunSpecYaml(s)) == s for any complete spec the parser can produce (one that
// names a game and has rounds >= 1; a run file may leave both to command-line flags, and such a
// partial spec is written with `rounds: 0` and an empty game name, which no run file may say), and
// equal specs give byte-identical text: this is the spec.yaml of every run record, itself a run
// file.
//
//   NASHNET_ASSIGN_OR_RETURN(RunFile file, ReadRunFile("examples/runs/pd_noisy_hedge.yaml"));
//   NASHNET_ASSIGN_OR_RETURN(RunPlan plan, PlanRun(file.spec, file.base_dir));
//   std::string canonical = WriteRunSpecYaml(plan.spec);
//
// Thread safety: free functions, no shared state.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nashnet/v1/spec.pb.h"

namespace nashnet::server {

// A parsed run file.
struct RunFile {
  v1::RunSpec spec;
  // The folder holding the file: a relative game file path resolves against it (ReadRunFile has
  // read it into spec.game.nfg already; pass it to PlanRun as base_dir for text parsed without
  // ReadRunFile). "." for text parsed without a file.
  std::filesystem::path base_dir = ".";
  // The name used in messages (the path as given).
  std::string source_name;
  // 1-based (line, column) of every key path seen ("rounds", "feedback.model", "game.params.n",
  // "players[1].params.beta"), so that later errors naming a field can point into the file.
  std::map<std::string, std::pair<int, int>, std::less<>> locations;

  // "run.yaml:7:3: " for `path` or its nearest located ancestor ("players[1]" for
  // "players[1].algorithm" if only that is known; "game.nfg" for "game.nfg:3:14", a position in
  // the field's own text); "" when nothing matches.
  [[nodiscard]] std::string Where(std::string_view path) const;

  // Forgets the locations of `path` and everything under it (the field was overridden, e.g. by
  // a command-line flag, so errors about it no longer point into the file).
  void ForgetLocations(std::string_view path);

  // If `status`'s message starts with a located key path ("feedback.sigma: must be >= 0"),
  // returns the same status with "file:line:column: " prepended; else `status` unchanged.
  [[nodiscard]] absl::Status Annotate(const absl::Status& status) const;
};

// Parses run-file text; `source_name` prefixes error positions. The result's base_dir is ".";
// a game file named by path is not read (PlanRun(spec, base_dir) reads it).
[[nodiscard]] absl::StatusOr<RunFile> ParseRunFile(std::string_view text,
                                                   std::string_view source_name = "<run file>");

// The same, returning only the spec.
[[nodiscard]] absl::StatusOr<v1::RunSpec> ParseRunSpecYaml(
    std::string_view text, std::string_view source_name = "<run file>");

// Reads and parses a file; base_dir is the file's folder. A game file named by path is read into
// spec.game.nfg (EmbedGameFile; errors point at `game` in the file). NotFound if either file
// cannot be read.
[[nodiscard]] absl::StatusOr<RunFile> ReadRunFile(const std::filesystem::path& path);

// The canonical YAML text of `spec` (see above).
[[nodiscard]] std::string WriteRunSpecYaml(const v1::RunSpec& spec);

// Enum names as written in run files and on the command line.
[[nodiscard]] absl::StatusOr<v1::FeedbackModel> ParseFeedbackModel(std::string_view name);
[[nodiscard]] std::string_view FeedbackModelName(v1::FeedbackModel model);
[[nodiscard]] absl::StatusOr<v1::NoiseDistribution> ParseNoiseDistribution(std::string_view name);
[[nodiscard]] std::string_view NoiseDistributionName(v1::NoiseDistribution noise);
// wait, repeat_last, default_action (and `default` = UNSPECIFIED, which the service treats as
// wait).
[[nodiscard]] absl::StatusOr<v1::StragglerPolicy> ParseStragglerPolicy(std::string_view name);
[[nodiscard]] std::string_view StragglerPolicyName(v1::StragglerPolicy policy);

}  // namespace nashnet::server

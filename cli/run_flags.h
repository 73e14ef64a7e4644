// RunFlags: the run-spec flags that `nashnet simulate` and `nashnet run` share — a run file and the
// flags that override its fields — and what both do at the end: the summary table and the
// aggregate of several seeds.
//
// Flags: [RUN.yaml] --game NAME|FILE.nfg, --game-param KEY=VALUE (repeatable), --algorithm NAME
// (every player), --param KEY=VALUE (learner parameters, repeatable), --feedback MODEL, --noise
// SIGMA, --noise-distribution gaussian|uniform, --rounds T, --seed S, --seeds K, --record-every K,
// --out DIR (default runs/<game>-<UTC yyyymmdd-hhmmss>), --quiet.
//
//   RunFlags flags(app);                        // adds the flags to a subcommand
//   ... parse ...
//   NASHNET_ASSIGN_OR_RETURN(RunFile file, flags.BuildSpec());
//   NASHNET_ASSIGN_OR_RETURN(RunPlan plan, PlanRun(file.spec, file.base_dir));
//   std::filesystem::path dir = flags.OutDir(plan);
//   ... run every seed ...
//   return FinishRun(plan, dir, summaries, flags.quiet());
//
// Thread safety: one per command; used by the main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "server/simulation.h"

namespace nashnet::cli {

class RunFlags {
 public:
  // Adds the run file argument and every flag above to `app`.
  explicit RunFlags(CLI::App* app);

  // The run file (if any) with every flag applied; InvalidArgument naming the flag or the file.
  [[nodiscard]] absl::StatusOr<server::RunFile> BuildSpec() const;

  // --out, or the default runs/<game>-<UTC timestamp> (with -2, -3, ... if taken).
  // InvalidArgument for an empty --out.
  [[nodiscard]] absl::StatusOr<std::filesystem::path> OutDir(const server::RunPlan& plan) const;

  [[nodiscard]] bool quiet() const { return quiet_; }
  [[nodiscard]] const std::string& run_file() const { return run_file_; }

 private:
  std::string run_file_;
  std::string game_;
  std::vector<std::string> game_params_;
  std::string algorithm_;
  std::vector<std::string> params_;
  std::string feedback_;
  std::string noise_;
  std::string noise_distribution_;
  std::string rounds_;
  std::string seed_;
  std::string seeds_;
  std::string record_every_;
  std::string out_;
  bool quiet_ = false;
  // Which flags were given (an empty value given explicitly is an error, not "unset").
  CLI::Option* game_opt_ = nullptr;
  CLI::Option* algorithm_opt_ = nullptr;
  CLI::Option* feedback_opt_ = nullptr;
  CLI::Option* noise_opt_ = nullptr;
  CLI::Option* noise_distribution_opt_ = nullptr;
  CLI::Option* rounds_opt_ = nullptr;
  CLI::Option* seed_opt_ = nullptr;
  CLI::Option* seeds_opt_ = nullptr;
  CLI::Option* record_every_opt_ = nullptr;
  CLI::Option* out_opt_ = nullptr;
};

// The end of a run whose seeds all succeeded (`summaries` in seed order): with several seeds
// writes DIR/summary.json (the aggregate); prints the summary table and "record: DIR" (with
// --quiet only DIR) on stdout. Returns the exit code (kExitRunFailed if the aggregate could not be
// written).
[[nodiscard]] int FinishRun(const server::RunPlan& plan, const std::filesystem::path& dir,
                            const std::vector<server::RunSummary>& summaries, bool quiet);

}  // namespace nashnet::cli

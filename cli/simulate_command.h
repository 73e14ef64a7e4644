// `nashnet simulate [RUN.yaml] [flags]`: the in-process engine — one run spec, K seeds in
// parallel, a progress report, a summary table and a run record (server/record/run_record.h).
//
// Flags override the run file: --game NAME|FILE.nfg, --game-param KEY=VALUE (repeatable),
// --algorithm NAME (every player), --param KEY=VALUE (learner parameters, repeatable),
// --feedback MODEL, --noise SIGMA, --noise-distribution gaussian|uniform, --rounds T, --seed S,
// --seeds K, --record-every K, --out DIR (default runs/<game>-<UTC yyyymmdd-hhmmss>), --quiet
// (no progress and no table: only the record's path on stdout).
//
// Exit codes: 0 done; 2 bad input (flags, run file, game, learner, an --out folder that is not
// empty) — nothing is written; 1 the run failed — no summary.json is written.
//
//   CLI::App app;
//   SimulateCommand simulate(&app);
//   CLI11_PARSE(app, argc, argv);
//   if (simulate.app()->parsed()) return simulate.Run();
//
// Thread safety: one command per process; Run starts and joins its own worker threads.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/record/run_file.h"

namespace nashnet::cli {

class SimulateCommand {
 public:
  // Adds the `simulate` subcommand and its flags to `parent`.
  explicit SimulateCommand(CLI::App* parent);

  [[nodiscard]] CLI::App* app() const { return app_; }

  // Runs the parsed command; returns the process exit code.
  [[nodiscard]] int Run();

 private:
  // The run file (if any) with every flag applied.
  [[nodiscard]] absl::StatusOr<server::RunFile> BuildSpec() const;

  CLI::App* app_;
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

}  // namespace nashnet::cli

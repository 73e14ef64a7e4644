// `nashnet simulate [RUN.yaml] [flags]`: the in-process engine — one run spec, K seeds in
// parallel, a progress report, a summary table and a run record (server/record/run_record.h).
//
// Flags override the run file (run_flags.h, shared with `nashnet run`): --game, --game-param,
// --algorithm, --param, --feedback, --noise, --noise-distribution, --rounds, --seed, --seeds,
// --record-every, --out DIR (default runs/<game>-<UTC yyyymmdd-hhmmss>), --quiet (no progress and
// no table: only the record's path on stdout).
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
#include <memory>

#include "cli/run_flags.h"

namespace nashnet::cli {

class SimulateCommand {
 public:
  // Adds the `simulate` subcommand and its flags to `parent`.
  explicit SimulateCommand(CLI::App* parent);

  [[nodiscard]] CLI::App* app() const { return app_; }

  // Runs the parsed command; returns the process exit code.
  [[nodiscard]] int Run();

 private:
  CLI::App* app_;
  std::unique_ptr<RunFlags> flags_;
};

}  // namespace nashnet::cli

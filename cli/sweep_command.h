// `nashnet sweep SWEEP.yaml [--out DIR] [--jobs N] [--quiet]`: a grid of runs (games × learners ×
// parameters × seeds, server/sweep/sweep_file.h) played in-process on every core, one cell per
// thread, into one folder with an index (server/sweep/sweep_runner.h). Running it again on the
// same folder skips the finished cells and replays the ones cut short.
//
// --out defaults to runs/<sweep file's stem>, so that re-running resumes. Progress on stderr
// (cells done/total, skipped, failed, ETA: a bar on a terminal, a line every 5 s otherwise); at
// the end, the counts and the index's path on stdout (--quiet: only the folder).
//
// Exit codes: 0 every cell finished; 2 bad input (flags, sweep file, a cell's game or learner,
// an --out that is not a sweep's folder, a finished cell whose spec changed) — nothing is
// written; 1 some cell failed (index.csv says which) or the folder could not be written.
//
// Thread safety: one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace nashnet::cli {

class SweepCommand {
 public:
  // Adds the `sweep` subcommand and its flags to `parent`.
  explicit SweepCommand(CLI::App* parent);

  [[nodiscard]] CLI::App* app() const { return app_; }

  // Runs the parsed command; returns the process exit code.
  [[nodiscard]] int Run();

 private:
  CLI::App* app_;
  std::string sweep_file_;
  std::string out_;
  int jobs_ = 0;
  bool quiet_ = false;
};

}  // namespace nashnet::cli

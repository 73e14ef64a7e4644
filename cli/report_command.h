// `nashnet report DIR [--out FILE] [--force] [--max-points N]`: a run record (from `simulate` or
// `run`, one seed or many) as one self-contained HTML page of SVG charts (server/report/report.h);
// a sweep's folder (index.csv, from `nashnet sweep`) as the learners compared
// (server/sweep/sweep_report.h).
//
// Writes FILE (default DIR/report.html; its folder is created if needed) atomically and prints
// its path on stdout. An existing FILE is not overwritten unless --force (exit 2 says so).
//
// Exit codes: 0 written; 2 bad input (no such record, malformed spec.yaml or rounds.csv, FILE
// exists without --force, bad flag); 1 the file could not be written.
//
//   CLI::App app;
//   ReportCommand report(&app);
//   CLI11_PARSE(app, argc, argv);
//   if (report.app()->parsed()) return report.Run();
//
// Thread safety: one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace nashnet::cli {

class ReportCommand {
 public:
  // Adds the `report` subcommand and its flags to `parent`.
  explicit ReportCommand(CLI::App* parent);

  [[nodiscard]] CLI::App* app() const { return app_; }

  // Runs the parsed command; returns the process exit code.
  [[nodiscard]] int Run();

 private:
  CLI::App* app_;
  std::string dir_;
  std::string out_;
  bool force_ = false;
  int max_points_ = 1000;
};

}  // namespace nashnet::cli

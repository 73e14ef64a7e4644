// `nashnet sweep SWEEP.yaml [--out DIR] [--jobs N] [--quiet]`: a grid of runs (games × learners ×
// parameters × seeds, server/sweep/sweep_file.h) played in-process on every core, one cell per
// thread, into one folder with an index (server/sweep/sweep_runner.h). Running it again on the
// same folder skips the finished cells and replays the ones cut short.
//
// `--coordinator HOST:PORT` (repeatable; not with --jobs) plays each cell as a game on one of
// running coordinators instead, at most --in-flight N (default 4) per coordinator, every seat in
// the coordinator (cli/sweep_coordinators.h: placement, retries, and why the coordinators must
// write their records where this process reads them). Same folder, same bytes, same resume.
// --admin-token-file F / $NASHNET_ADMIN_TOKEN / --admin-token T and the TLS flags (--tls-ca ...)
// as the admin verbs take them, for every coordinator. Each coordinator is asked once before
// anything is written: one that cannot be reached is exit 1, "nashnet: cannot reach coordinator
// at ADDR: ...". SIGINT/SIGTERM stops the games in flight (the sweep resumes later).
//
// --out defaults to runs/<sweep file's stem>, so that re-running resumes. Progress on stderr
// (cells done/total, skipped, failed, ETA: a bar on a terminal, a line every 5 s otherwise); at
// the end, the counts and the index's path on stdout (--quiet: only the folder).
//
// Exit codes: 0 every cell finished; 2 bad input (flags, sweep file, a cell's game or learner,
// an --out that is not a sweep's folder, a finished cell whose spec changed) — nothing is
// written; 1 some cell failed (index.csv says which), the folder could not be written, or a
// coordinator could not be reached.
//
// Thread safety: one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/sweep_coordinators.h"
#include "common/tls/channel_tls.h"

namespace nashnet::cli {

class SweepCommand {
 public:
  // Adds the `sweep` subcommand and its flags to `parent`.
  explicit SweepCommand(CLI::App* parent);

  [[nodiscard]] CLI::App* app() const { return app_; }

  // Runs the parsed command; returns the process exit code.
  [[nodiscard]] int Run();

 private:
  // The --coordinator pool of the flags, its ledger in the sweep folder `out`; InvalidArgument
  // naming the flag.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<SweepCoordinators>> Coordinators(
      const std::filesystem::path& out) const;

  CLI::App* app_;
  std::string sweep_file_;
  std::string out_;
  int jobs_ = 0;
  bool quiet_ = false;
  std::vector<std::string> coordinators_;
  int in_flight_ = 4;
  std::string admin_token_;
  std::string admin_token_file_;
  tls::ClientTlsOptions tls_;
  std::vector<std::string> cell_ids_;  // the sweep's, by cell index
};

}  // namespace nashnet::cli

// `nashnet run [RUN.yaml] [flags]`: the same experiment as `nashnet simulate`, played by real
// processes over loopback gRPC. It starts a nashnet-coordinator (--listen 127.0.0.1:0, records
// under the output folder), creates one game per seed, starts one nashnet-agent per remote seat
// (the plan's algorithm and parameters), shows live progress from WatchGame, waits for every game
// to end, stops the coordinator (SIGTERM) and prints the same summary table as simulate.
//
// The record has simulate's layout and, for the same spec and seed, simulate's bytes (spec.yaml,
// rounds.csv; summary.json but for elapsed_seconds and rounds_per_second): one seed →
// OUT/{spec.yaml, rounds.csv, summary.json}; several → OUT/spec.yaml,
// OUT/seed-<s>/{rounds.csv, summary.json} and the aggregate OUT/summary.json. Child logs go to
// $TMPDIR/nashnet-run-XXXXXX, named in any error and removed after a successful run.
//
// Flags: every flag of simulate (run_flags.h), plus --coordinator-bin PATH and --agent-bin PATH
// (default: next to this executable, else PATH). Exit codes: 0; 1 the run failed (the child that
// failed and its log are named; every child is killed); 2 bad input, nothing started.
//
// Thread safety: one command per process; Run starts one watcher thread per running game.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/run_flags.h"

namespace nashnet::cli {

class RunCommand {
 public:
  explicit RunCommand(CLI::App* parent);

  [[nodiscard]] CLI::App* app() const { return app_; }
  [[nodiscard]] int Run();

 private:
  CLI::App* app_;
  std::unique_ptr<RunFlags> flags_;
  std::string coordinator_bin_;
  std::string metrics_listen_;
  std::string agent_bin_;
};

}  // namespace nashnet::cli

// `nashnet conformance --agent 'COMMAND {coordinator} {game} {seat} [{state_file}]'`: runs any
// agent program through scripted scenarios against real nashnet-coordinator processes and prints
// a pass/fail table (conformance_scenarios.h lists what each scenario does and checks).
//
//   nashnet conformance --agent 'nashnet-agent --coordinator {coordinator} --game {game}
//                                --seat {seat} --state-file {state_file}'
//   nashnet conformance --agent '...' --only whole-game --only drain   # some of them
//   nashnet conformance --list
//
// Flags: --only NAME (alias --scenario; repeatable; default all), --skip NAME (repeatable:
// scenarios the agent does not support, shown as skipped), --list, --work-dir DIR (kept; default
// a temporary folder, removed when every scenario passed), --coordinator-bin PATH (default next
// to nashnet, else PATH), --timeout-seconds S (per scenario: each of its waits ends by then;
// default 180), --resume-seconds S (how soon the agent must be back after a fault, default 20),
// --exit-seconds S (how soon it must exit after GameOver, default 20). Exit codes: 0 every
// scenario passed or was skipped; 1 a scenario failed; 2 bad flags.
//
// Thread safety: one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace nashnet::cli {

class ConformanceCommand {
 public:
  // Adds the `conformance` subcommand and its flags to `parent`.
  explicit ConformanceCommand(CLI::App* parent);

  [[nodiscard]] CLI::App* app() const { return app_; }

  // Runs the parsed command; returns the process exit code.
  [[nodiscard]] int Run();

 private:
  CLI::App* app_;
  std::string agent_;
  std::vector<std::string> scenarios_;
  std::vector<std::string> skips_;
  std::string work_dir_;
  std::string coordinator_bin_;
  double timeout_seconds_ = 180;
  double resume_seconds_ = 20;
  double exit_seconds_ = 20;
  bool list_ = false;
};

}  // namespace nashnet::cli

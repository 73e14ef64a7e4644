// The scenarios of `nashnet conformance`: scripted games that put an agent program through what a
// real coordinator and network do to it, each with checks that can fail.
//
//   ConformanceOptions options{.agent = *AgentTemplate::Parse(command), ...};
//   ConformanceRun run(options);
//   for (const Scenario& s : Scenarios()) { ScenarioResult r = run.Run(s); ... }
//
// Every scenario plays one game on its own nashnet-coordinator (records under the work folder),
// the agent under test on one seat, built-in learners on the others (service.local_seats), the
// agent dialling a TcpFaultProxy in front of the coordinator. The common checks: the agent joins
// its seat, the game ends as the scenario expects, the agent exits (0 after completed or stopped,
// non-zero after failed) soon after GameOver, the record equals `nashnet simulate`'s for the
// same spec (when the agent plays one of nashnet's learners — by default the game's — else the
// agent's own fault-free record of the same spec), and the replay contract holds over the
// game's journal round by round. An agent that cannot play a scenario's game exits 77 after it
// joined (or the command lacks what the scenario needs): the scenario is skipped.
//
// Thread safety: one thread runs a ConformanceRun.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/conformance_env.h"

namespace nashnet::cli {

struct ConformanceOptions {
  AgentTemplate agent;
  std::filesystem::path coordinator_bin;
  std::filesystem::path work_dir;  // one folder per scenario under it
  // Bounds: a scenario as a whole; the agent's join; its exit after GameOver; its resume after a
  // fault (the time until the game moves again).
  std::chrono::milliseconds scenario_timeout{180000};
  std::chrono::milliseconds join_within{30000};
  std::chrono::milliseconds exit_within{20000};
  std::chrono::milliseconds resume_within{20000};

  // InvalidArgument naming the field: an agent template that was not parsed, an empty
  // coordinator_bin or work_dir, a bound that is not positive.
  [[nodiscard]] absl::Status Validate() const;
};

enum class Verdict { kPass, kFail, kSkipped };

struct ScenarioResult {
  Verdict verdict = Verdict::kFail;
  std::string detail;  // what was checked (pass), why it failed, or why it was skipped
  double seconds = 0;
};

class ConformanceRun;

struct Scenario {
  std::string name;
  std::string description;
  ScenarioResult (*run)(ConformanceRun& run, const Scenario& scenario);
};

// Every scenario, in the order they run.
[[nodiscard]] const std::vector<Scenario>& Scenarios();

class ConformanceRun {
 public:
  explicit ConformanceRun(ConformanceOptions options) : options_(std::move(options)) {}

  // Runs one scenario in `work_dir`/NAME; never throws, every fault is a result.
  [[nodiscard]] ScenarioResult Run(const Scenario& scenario);

  [[nodiscard]] const ConformanceOptions& options() const { return options_; }
  // The agent's own fault-free record of a spec (by spec name), kept by the scenarios that play
  // without faults, the reference of the fault scenarios for agents with learners of their own.
  std::map<std::string, std::string>& baselines() { return baselines_; }

 private:
  ConformanceOptions options_;
  std::map<std::string, std::string> baselines_;
};

}  // namespace nashnet::cli

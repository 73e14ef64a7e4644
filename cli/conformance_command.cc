#include "cli/conformance_command.h"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_util.h"
#include "cli/conformance_scenarios.h"
#include "cli/local_service.h"

namespace nashnet::cli {
namespace {

namespace fs = std::filesystem;

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkipped:
      return "skipped";
  }
  return "?";
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(std::llround(seconds * 1000));
}

}  // namespace

ConformanceCommand::ConformanceCommand(CLI::App* parent) {
  app_ = parent->add_subcommand(
      "conformance",
      "Run an agent program through scripted games against real coordinators (pass/fail table)");
  app_->add_option("--agent", agent_,
                   "The agent's shell command, with {coordinator} {game} {seat} and optionally "
                   "{state_file}");
  app_->add_option("--only,--scenario", scenarios_, "Run only this scenario (repeatable)");
  app_->add_option("--skip", skips_, "Skip this scenario: the agent does not support it");
  app_->add_option("--work-dir", work_dir_, "Keep records and logs here (default: temporary)");
  app_->add_option("--coordinator-bin", coordinator_bin_, "nashnet-coordinator to run");
  app_->add_option("--timeout-seconds", timeout_seconds_, "Per scenario (default 180)");
  app_->add_option("--resume-seconds", resume_seconds_,
                   "The agent must be back this soon after a fault (default 20)");
  app_->add_option("--exit-seconds", exit_seconds_,
                   "The agent must exit this soon after GameOver (default 20)");
  app_->add_flag("--list", list_, "List the scenarios and exit");
}

int ConformanceCommand::Run() {
  const std::vector<Scenario>& all = Scenarios();
  if (list_) {
    Table table({"scenario", "what it does"});
    for (const Scenario& s : all) table.AddRow({s.name, s.description});
    std::fputs(table.Render().c_str(), stdout);
    return kExitOk;
  }
  if (agent_.empty()) return ReportError("--agent: required (see --help)", kExitUsage);
  absl::StatusOr<AgentTemplate> agent = AgentTemplate::Parse(agent_);
  if (!agent.ok()) return ReportError(agent.status(), kExitUsage);
  for (const auto& [flag, names] :
       {std::pair<const char*, const std::vector<std::string>*>{"--only", &scenarios_},
        {"--skip", &skips_}}) {
    for (const std::string& name : *names) {
      bool known = false;
      std::vector<std::string> known_names;
      for (const Scenario& s : all) {
        known = known || s.name == name;
        known_names.push_back(s.name);
      }
      if (!known) {
        return ReportError(absl::StrCat(flag, " ", name, ": no such scenario (known: ",
                                        absl::StrJoin(known_names, ", "), ")"),
                           kExitUsage);
      }
    }
  }
  for (const auto& [flag, value] :
       {std::pair<const char*, double>{"--timeout-seconds", timeout_seconds_},
        {"--resume-seconds", resume_seconds_},
        {"--exit-seconds", exit_seconds_}}) {
    if (!std::isfinite(value) || value <= 0) {
      return ReportError(absl::StrCat(flag, ": ", value, " is not a positive number of seconds"),
                         kExitUsage);
    }
  }
  fs::path work = work_dir_;
  const bool temporary = work.empty();
  if (temporary) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/nashnet-conformance-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      return ReportError(absl::StrCat("cannot create ", pattern, ": ", std::strerror(errno)),
                         kExitRunFailed);
    }
    work = pattern;
  } else if (std::error_code ec; !fs::create_directories(work, ec) && ec) {
    return ReportError(absl::StrCat("--work-dir ", work.string(), ": ", ec.message()), kExitUsage);
  }
  ConformanceOptions options{.agent = *agent,
                             .coordinator_bin = coordinator_bin_.empty()
                                                    ? SiblingExecutable("nashnet-coordinator")
                                                    : fs::path(coordinator_bin_),
                             .work_dir = work,
                             .scenario_timeout = Millis(timeout_seconds_),
                             .exit_within = Millis(exit_seconds_),
                             .resume_within = Millis(resume_seconds_)};
  if (absl::Status valid = options.Validate(); !valid.ok()) {
    std::error_code ec;
    if (temporary) fs::remove_all(work, ec);
    return ReportError(valid, kExitUsage);
  }
  ConformanceRun run(std::move(options));

  std::printf("nashnet conformance: %s\n", agent->text().c_str());
  std::printf("  %-24s %-8s %7s  %s\n", "scenario", "result", "seconds", "detail");
  std::fflush(stdout);
  int passed = 0, failed = 0, skipped = 0;
  for (const Scenario& scenario : all) {
    auto chosen = [&](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), scenario.name) != names.end();
    };
    if (!scenarios_.empty() && !chosen(scenarios_)) continue;
    ScenarioResult result;
    if (chosen(skips_)) {
      result = {.verdict = Verdict::kSkipped, .detail = "--skip"};
    } else {
      result = run.Run(scenario);
    }
    passed += result.verdict == Verdict::kPass;
    failed += result.verdict == Verdict::kFail;
    skipped += result.verdict == Verdict::kSkipped;
    std::printf("  %-24s %-8s %7.1f  %s\n", scenario.name.c_str(), VerdictName(result.verdict),
                result.seconds, result.detail.c_str());
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  if (failed > 0 || !temporary) {
    std::printf("records and logs: %s\n", work.string().c_str());
  } else {
    std::error_code ec;
    fs::remove_all(work, ec);
  }
  return failed > 0 ? kExitRunFailed : kExitOk;
}

}  // namespace nashnet::cli

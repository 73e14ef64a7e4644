#include "cli/conformance_game.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/conformance_checks.h"
#include "common/status_macros.h"

namespace nashnet::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool IsOver(const v1::GameInfo& info) {
  return info.status() == v1::GAME_STATUS_COMPLETED || info.status() == v1::GAME_STATUS_STOPPED ||
         info.status() == v1::GAME_STATUS_FAILED;
}

}  // namespace

std::string GameStatusName(v1::GameStatus status) {
  std::string name = v1::GameStatus_Name(status);
  absl::AsciiStrToLower(&name);
  const std::string prefix = "game_status_";
  return name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : name;
}

ConformanceGame::ConformanceGame(ConformanceRun& run, const Scenario& scenario, v1::RunSpec spec,
                                 int seat)
    : run_(run),
      scenario_(scenario),
      spec_(std::move(spec)),
      seat_(seat),
      deadline_(Clock::now() + run.options().scenario_timeout) {}

std::string ConformanceGame::detail() const { return absl::StrJoin(notes_, "; "); }

milliseconds ConformanceGame::Left(milliseconds timeout) const {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
  return std::max(milliseconds(0), std::min(timeout, left));
}

absl::Status ConformanceGame::Begin(int64_t max_file_bytes) {
  NASHNET_ASSIGN_OR_RETURN(env_, ScenarioEnv::Create({.dir = options().work_dir / scenario_.name,
                                                      .coordinator_bin = options().coordinator_bin,
                                                      .agent = options().agent}));
  NASHNET_RETURN_IF_ERROR(env_->StartCoordinator(max_file_bytes));
  NASHNET_RETURN_IF_ERROR(env_->CreateGame(spec_));
  NASHNET_RETURN_IF_ERROR(env_->StartAgent(seat_));
  return Wait(
             "the agent's Join",
             [this](const v1::GameInfo& info) {
               return info.seats_size() > seat_ && info.seats(seat_).connected();
             },
             options().join_within)
      .status();
}

absl::StatusOr<v1::GameInfo> ConformanceGame::Wait(
    const std::string& what, const std::function<bool(const v1::GameInfo&)>& condition,
    milliseconds timeout, bool stop_if_agent_ends) {
  const milliseconds bound = Left(timeout);
  absl::StatusOr<v1::GameInfo> info = env_->WaitFor(what, condition, bound, stop_if_agent_ends);
  if (absl::IsAborted(info.status())) {
    const std::optional<ExitStatus> exit = env_->AgentExited();
    if (exit.has_value() && exit->exited && exit->code == kExitUnsupported) {
      return absl::UnimplementedError(
          absl::StrCat("the agent declined the game (exit 77): ", env_->AgentLogTail()));
    }
  }
  if (absl::IsDeadlineExceeded(info.status()) && bound < timeout) {
    return absl::DeadlineExceededError(absl::StrCat("the scenario's time (--timeout-seconds ",
                                                    options().scenario_timeout.count() / 1000.0,
                                                    ") ran out: ", info.status().message()));
  }
  return info;
}

absl::Status ConformanceGame::Reach(int64_t round) {
  return Wait(
             absl::StrCat("round ", round),
             [round](const v1::GameInfo& info) { return info.round() >= round; },
             options().scenario_timeout)
      .status();
}

absl::StatusOr<int64_t> ConformanceGame::PauseAt(int64_t round) {
  NASHNET_RETURN_IF_ERROR(Reach(round));
  env_->proxy().Hold(TcpFaultProxy::Direction::kToCoordinator, true);
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, env_->Info());
  return info.round();
}

absl::Status ConformanceGame::WaitResumed(int resumes, int64_t round, Clock::time_point since,
                                          const std::string& after) {
  NASHNET_RETURN_IF_ERROR(Wait(
                              absl::StrCat("a resume after ", after),
                              [&](const v1::GameInfo& i) {
                                return i.seats(seat_).resumes() >= resumes && i.round() > round;
                              },
                              options().resume_within)
                              .status());
  Note(absl::StrFormat("resumed %.1f s after %s", SecondsSince(since), after));
  return absl::OkStatus();
}

absl::StatusOr<v1::GameInfo> ConformanceGame::End(v1::GameStatus expected) {
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, Wait("GameOver", IsOver, options().scenario_timeout));
  if (info.status() != expected) {
    return absl::FailedPreconditionError(
        absl::StrCat("the game ended ", GameStatusName(info.status()), " (", info.message(),
                     "), expected ", GameStatusName(expected)));
  }
  const Clock::time_point over = Clock::now();
  absl::StatusOr<ExitStatus> exit = env_->WaitAgent(Left(options().exit_within));
  if (!exit.ok()) {
    return absl::DeadlineExceededError(
        absl::StrCat("the agent still runs ", options().exit_within.count() / 1000.0,
                     " s after GameOver ", GameStatusName(expected), ": ", env_->AgentLogTail()));
  }
  const bool failed = expected == v1::GAME_STATUS_FAILED;
  if (exit->ok() == failed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the agent ", exit->ToString(), " after GameOver ", GameStatusName(expected), " (expected ",
        failed ? "a non-zero exit" : "exit 0", "): ", env_->AgentLogTail()));
  }
  Note(absl::StrFormat("GameOver %s at round %d, agent %s %.1f s later", GameStatusName(expected),
                       info.round(), exit->ToString(), SecondsSince(over)));
  return info;
}

absl::Status ConformanceGame::CheckRecord(const v1::GameInfo& info, bool prefix) {
  const v1::LearnerSpec learner = info.seats(seat_).learner();
  NASHNET_ASSIGN_OR_RETURN(std::optional<std::string> simulated,
                           SimulatedRounds(spec_, seat_, learner, env_->dir()));
  const std::string actual = ReadRounds(env_->record_dir());
  std::string expected, source;
  if (simulated.has_value()) {
    expected = *simulated;
    source = "simulate's";
  } else if (auto it = run_.baselines().find(spec_.name()); it != run_.baselines().end()) {
    expected = it->second;
    source = "the agent's fault-free record";
  } else {
    if (!prefix && info.status() == v1::GAME_STATUS_COMPLETED) {
      run_.baselines()[spec_.name()] = actual;  // the reference of the fault scenarios
    }
    Note(absl::StrCat("record not compared (the agent's own learner '", learner.algorithm(),
                      "'; kept as the reference)"));
    return absl::OkStatus();
  }
  const int64_t rows = std::count(actual.begin(), actual.end(), '\n') - 1;
  const bool same =
      prefix ? rows >= 1 && expected.compare(0, actual.size(), actual) == 0 : actual == expected;
  if (!same) {
    return absl::FailedPreconditionError(
        absl::StrCat("rounds.csv is not ", prefix ? "a prefix of " : "", source, ": ",
                     FirstDifference(actual, expected), " (", env_->record_dir().string(), ")"));
  }
  Note(absl::StrCat("rounds.csv ", prefix ? "a prefix of " : "= ", source, " (", rows, " rounds)"));
  return absl::OkStatus();
}

absl::Status ConformanceGame::CheckReplay(const v1::GameInfo& info) {
  NASHNET_ASSIGN_OR_RETURN(ReplayCheck check, CheckReplayContract(env_->record_dir(), seat_,
                                                                  info.seats(seat_).learner()));
  if (!check.checked) {
    Note("replay contract not checked (own learner)");
    return absl::OkStatus();
  }
  if (!check.failure.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("replay contract broken: ", check.failure));
  }
  Note(absl::StrCat(
      "replay contract held over ", check.rounds, " rounds",
      check.substituted > 0 ? absl::StrCat(" (", check.substituted, " substituted)") : ""));
  return absl::OkStatus();
}

}  // namespace nashnet::cli

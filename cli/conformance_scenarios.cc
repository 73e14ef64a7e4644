#include "cli/conformance_scenarios.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/conformance_game.h"
#include "common/status_macros.h"

namespace nashnet::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Direction = TcpFaultProxy::Direction;

constexpr int64_t kRounds = 600;
using Game = ConformanceGame;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The base game: 3 players, 3 actions each, full feedback, Hedge; the agent on seat 1, built-in
// Hedge learners on seats 0 and 2.
v1::RunSpec BaseSpec(const std::string& name = "conformance-base") {
  v1::RunSpec spec;
  spec.set_name(name);
  spec.mutable_game()->set_name("random_generic");
  (*spec.mutable_game()->mutable_params())["players"] = std::string("3");
  (*spec.mutable_game()->mutable_params())["actions"] = std::string("3");
  (*spec.mutable_game()->mutable_params())["seed"] = std::string("7");
  spec.mutable_learner()->set_algorithm("hedge");
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
  spec.set_rounds(kRounds);
  spec.set_seed(11);
  spec.set_seeds(1);
  spec.set_record_every(1);
  spec.mutable_service()->set_round_deadline_ms(10000);
  spec.mutable_service()->add_local_seats(0);
  spec.mutable_service()->add_local_seats(2);
  return spec;
}

// A two- or three-player game with the agent on `seat` and built-in learners elsewhere.
v1::RunSpec GameSpec(const std::string& name, const std::string& game, int players, int seat,
                     const std::string& algorithm, v1::FeedbackModel model, double sigma,
                     int64_t rounds = kRounds) {
  v1::RunSpec spec;
  spec.set_name(name);
  spec.mutable_game()->set_name(game);
  if (game == "braess" || game == "cournot") {
    (*spec.mutable_game()->mutable_params())["players"] = std::to_string(players);
  }
  spec.mutable_learner()->set_algorithm(algorithm);
  spec.mutable_feedback()->set_model(model);
  spec.mutable_feedback()->set_sigma(sigma);
  spec.set_rounds(rounds);
  spec.set_seed(5);
  spec.set_seeds(1);
  spec.set_record_every(1);
  spec.mutable_service()->set_round_deadline_ms(10000);
  for (int i = 0; i < players; ++i) {
    if (i != seat) spec.mutable_service()->add_local_seats(i);
  }
  return spec;
}

// One scenario's game and what its checks found.

// ---- the scenarios (each returns OK with its notes, Unimplemented to skip, or the failure) ----

absl::Status PlayClean(Game& g, bool check_deadlines) {
  NASHNET_RETURN_IF_ERROR(g.Begin());
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_COMPLETED));
  if (check_deadlines && info.seats(g.seat()).missed_deadlines() > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "missed ", info.seats(g.seat()).missed_deadlines(), " round deadlines of 10 s"));
  }
  NASHNET_RETURN_IF_ERROR(g.CheckRecord(info));
  return g.CheckReplay(info);
}

absl::Status WholeGame(Game& g) { return PlayClean(g, /*check_deadlines=*/true); }

// Holds the agent's action past the deadline until the straggler policy played a round for it.
absl::Status Straggle(Game& g, bool expect_error) {
  NASHNET_RETURN_IF_ERROR(g.Begin());
  NASHNET_RETURN_IF_ERROR(g.Reach(kRounds / 4));
  g.env().proxy().Hold(Direction::kToCoordinator, true);
  absl::StatusOr<v1::GameInfo> late = g.Wait(
      "a substituted round",
      [&g](const v1::GameInfo& i) { return i.seats(g.seat()).substituted_rounds() >= 1; },
      g.options().resume_within);
  g.env().proxy().Hold(Direction::kToCoordinator, false);
  NASHNET_RETURN_IF_ERROR(late.status());
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_COMPLETED));
  const v1::SeatInfo& seat = info.seats(g.seat());
  if (seat.substituted_rounds() < 1) {
    return absl::FailedPreconditionError("no round was substituted");
  }
  g.Note(absl::StrCat(seat.substituted_rounds(), " substituted round(s), ", seat.missed_deadlines(),
                      " missed deadline(s)"));
  if (expect_error) {
    if (seat.rejected_messages() < 1) {
      return absl::FailedPreconditionError("the late action drew no in-band Error");
    }
    if (seat.resumes() > 0 || seat.evictions() > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("the agent left its stream after the in-band Error (", seat.resumes(),
                       " resumes, ", seat.evictions(),
                       " evictions): Errors are answered in-band "
                       "and play goes on"));
    }
    g.Note(absl::StrCat(seat.rejected_messages(), " in-band Error(s), stream kept"));
  }
  return g.CheckReplay(info);
}

absl::Status DroppedConnection(Game& g) {
  NASHNET_RETURN_IF_ERROR(g.Begin());
  for (int drop = 1; drop <= 2; ++drop) {
    NASHNET_RETURN_IF_ERROR(g.Reach(drop * kRounds / 3));
    NASHNET_ASSIGN_OR_RETURN(v1::GameInfo at, g.env().Info());
    const Clock::time_point reset = Clock::now();
    g.env().proxy().ResetAll();
    NASHNET_RETURN_IF_ERROR(g.WaitResumed(
        drop, at.round(), reset, absl::StrCat("reset ", drop, " (round ", at.round(), ")")));
  }
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_COMPLETED));
  NASHNET_RETURN_IF_ERROR(g.CheckRecord(info));
  return g.CheckReplay(info);
}

absl::Status LostFeedback(Game& g) {
  NASHNET_RETURN_IF_ERROR(g.Begin());
  NASHNET_RETURN_IF_ERROR(g.Reach(kRounds / 2));
  TcpFaultProxy& proxy = g.env().proxy();
  proxy.Hold(Direction::kToAgent, true);
  // The coordinator's next Feedback waits in the proxy and the agent, without it, goes quiet.
  const Clock::time_point held = Clock::now();
  while (proxy.buffered(Direction::kToAgent) == 0 || proxy.quiet_for() < milliseconds(300)) {
    if (Clock::now() - held > g.options().resume_within) {
      proxy.Hold(Direction::kToAgent, false);
      return absl::DeadlineExceededError("the coordinator's Feedback never reached the proxy");
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo at, g.env().Info());
  const Clock::time_point reset = Clock::now();
  proxy.ResetAll();  // the Feedback of round `at` is gone with the connection
  proxy.Hold(Direction::kToAgent, false);
  NASHNET_RETURN_IF_ERROR(g.WaitResumed(
      1, at.round(), reset, absl::StrCat("round ", at.round(), "'s Feedback was lost")));
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_COMPLETED));
  NASHNET_RETURN_IF_ERROR(g.CheckRecord(info));
  return g.CheckReplay(info);
}

absl::Status CoordinatorRestart(Game& g, bool drain) {
  NASHNET_RETURN_IF_ERROR(g.Begin());
  NASHNET_ASSIGN_OR_RETURN(int64_t round, g.PauseAt(kRounds / 2));
  if (drain) {
    NASHNET_ASSIGN_OR_RETURN(ExitStatus drained, g.env().DrainCoordinator());
    if (!drained.ok()) {
      return absl::InternalError(
          absl::StrCat("nashnet-coordinator's drain ended ", drained.ToString()));
    }
  } else {
    NASHNET_RETURN_IF_ERROR(g.env().KillCoordinator());
  }
  g.env().proxy().Hold(Direction::kToCoordinator, false);
  const Clock::time_point down = Clock::now();
  // The agent's stream ended (UNAVAILABLE for a drain): it must keep trying, not exit.
  std::this_thread::sleep_for(milliseconds(300));
  if (std::optional<ExitStatus> exit = g.env().AgentExited(); exit.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the agent ", exit->ToString(), " when its coordinator went away (",
                     drain ? "drained: UNAVAILABLE" : "killed",
                     "); it must reconnect with backoff: ", g.env().AgentLogTail()));
  }
  NASHNET_RETURN_IF_ERROR(g.env().StartCoordinator());
  NASHNET_RETURN_IF_ERROR(g.WaitResumed(
      1, round, down,
      absl::StrCat("the coordinator was ", drain ? "drained" : "killed", " at round ", round)));
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_COMPLETED));
  NASHNET_RETURN_IF_ERROR(g.CheckRecord(info));
  return g.CheckReplay(info);
}

absl::Status AgentRestart(Game& g) {
  if (!g.options().agent.has_state_file()) {
    return absl::UnimplementedError("the --agent command has no {state_file}");
  }
  NASHNET_RETURN_IF_ERROR(g.Begin());
  NASHNET_ASSIGN_OR_RETURN(int64_t round, g.PauseAt(kRounds / 2));
  NASHNET_RETURN_IF_ERROR(g.env().KillAgent());
  g.env().proxy().Hold(Direction::kToCoordinator, false);
  const Clock::time_point killed = Clock::now();
  NASHNET_RETURN_IF_ERROR(g.env().StartAgent(g.seat(), "agent-restarted"));
  NASHNET_RETURN_IF_ERROR(
      g.WaitResumed(1, round, killed, absl::StrCat("SIGKILL at round ", round)));
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_COMPLETED));
  NASHNET_RETURN_IF_ERROR(g.CheckRecord(info));
  NASHNET_RETURN_IF_ERROR(g.CheckReplay(info));
  // Once the game is over, a restart with the state file ends at once, with 0.
  NASHNET_RETURN_IF_ERROR(g.env().StartAgent(g.seat(), "agent-after-over"));
  absl::StatusOr<ExitStatus> exit = g.env().WaitAgent(g.options().exit_within);
  if (!exit.ok() || !exit->ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("restarted after GameOver with its state file, the agent ",
                     exit.ok() ? exit->ToString() : "did not end",
                     " (expected exit 0 at once): ", g.env().AgentLogTail()));
  }
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo after, g.env().Info());
  if (after.seats(g.seat()).resumes() != info.seats(g.seat()).resumes()) {
    return absl::FailedPreconditionError("restarted after GameOver, the agent joined again");
  }
  g.Note("a restart after GameOver exited 0");
  return absl::OkStatus();
}

absl::Status Stopped(Game& g) {
  NASHNET_RETURN_IF_ERROR(g.Begin());
  NASHNET_RETURN_IF_ERROR(g.Reach(kRounds / 2));
  NASHNET_RETURN_IF_ERROR(g.env().Stop().status());
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_STOPPED));
  NASHNET_RETURN_IF_ERROR(g.CheckRecord(info, /*prefix=*/true));
  return g.CheckReplay(info);
}

absl::Status Failed(Game& g) {
  // Every file of the coordinator limited to 40 kB: the journal outgrows it mid-game, and its
  // write fails (EFBIG) — a record write error, which fails the game at once.
  NASHNET_RETURN_IF_ERROR(g.Begin(/*max_file_bytes=*/40000));
  NASHNET_ASSIGN_OR_RETURN(v1::GameInfo info, g.End(v1::GAME_STATUS_FAILED));
  g.Note(absl::StrCat("the coordinator said: ", info.message()));
  return absl::OkStatus();
}

template <absl::Status (*Body)(Game&)>
ScenarioResult Wrap(ConformanceRun& run, const Scenario& s, v1::RunSpec spec, int seat) {
  Game game(run, s, std::move(spec), seat);
  const absl::Status status = Body(game);
  ScenarioResult result;
  if (status.ok()) {
    result.verdict = Verdict::kPass;
    result.detail = game.detail();
  } else if (absl::IsUnimplemented(status)) {
    result.verdict = Verdict::kSkipped;
    result.detail = std::string(status.message());
  } else {
    result.verdict = Verdict::kFail;
    result.detail = std::string(status.message());
  }
  return result;
}

absl::Status FeedbackGame(Game& g) { return PlayClean(g, /*check_deadlines=*/false); }
absl::Status RepeatLast(Game& g) { return Straggle(g, /*expect_error=*/false); }
absl::Status InBandError(Game& g) { return Straggle(g, /*expect_error=*/true); }
absl::Status Killed(Game& g) { return CoordinatorRestart(g, /*drain=*/false); }
absl::Status Drained(Game& g) { return CoordinatorRestart(g, /*drain=*/true); }

v1::RunSpec WithStraggler(v1::StragglerPolicy policy, const std::string& name) {
  v1::RunSpec spec = BaseSpec(name);
  spec.mutable_service()->set_round_deadline_ms(500);
  spec.mutable_service()->set_straggler(policy);
  spec.mutable_service()->set_evict_after(1000);
  return spec;
}

}  // namespace

const std::vector<Scenario>& Scenarios() {
  static const auto* const kScenarios = new std::vector<Scenario>{
      {"whole-game", "a whole game, full feedback: GameOver completed, exit 0, record, deadlines",
       [](ConformanceRun& r, const Scenario& s) { return Wrap<WholeGame>(r, s, BaseSpec(), 1); }},
      {"feedback-noisy", "noisy payoff vectors (prisoner's dilemma, hedge)",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<FeedbackGame>(r, s,
                                   GameSpec("conformance-noisy", "prisoners_dilemma", 2, 0, "hedge",
                                            v1::FEEDBACK_MODEL_NOISY, 1.0),
                                   0);
       }},
      {"feedback-counterfactual", "counterfactual payoff vectors (Braess, 3 players, hedge-lr)",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<FeedbackGame>(r, s,
                                   GameSpec("conformance-counterfactual", "braess", 3, 2,
                                            "hedge-lr", v1::FEEDBACK_MODEL_COUNTERFACTUAL, 0),
                                   2);
       }},
      {"feedback-bandit", "realized payoffs only (rock-paper-scissors, bandit-hedge)",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<FeedbackGame>(r, s,
                                   GameSpec("conformance-bandit", "rock_paper_scissors", 2, 1,
                                            "bandit-hedge", v1::FEEDBACK_MODEL_BANDIT, 0.1),
                                   1);
       }},
      {"continuous-bandit", "a continuous game, bandit feedback (Cournot, kernel-da)",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<FeedbackGame>(r, s,
                                   GameSpec("conformance-continuous", "cournot", 2, 1, "kernel-da",
                                            v1::FEEDBACK_MODEL_BANDIT, 0.05, 300),
                                   1);
       }},
      {"deadline-repeat-last",
       "an action held past its 500 ms deadline: the round substituted (repeat_last), not "
       "learned from",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<RepeatLast>(
             r, s, WithStraggler(v1::STRAGGLER_POLICY_REPEAT_LAST, "conformance-repeat-last"), 1);
       }},
      {"in-band-error",
       "the late action answered with an in-band Error (default_action): play goes on",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<InBandError>(
             r, s, WithStraggler(v1::STRAGGLER_POLICY_DEFAULT_ACTION, "conformance-default"), 1);
       }},
      {"dropped-connection", "the connection reset twice: resume with the token, same record",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<DroppedConnection>(r, s, BaseSpec(), 1);
       }},
      {"lost-feedback", "a Feedback lost with its connection: resent as History, replayed",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<LostFeedback>(r, s, BaseSpec(), 1);
       }},
      {"coordinator-restart", "the coordinator SIGKILLed and restarted: journal replay, resume",
       [](ConformanceRun& r, const Scenario& s) { return Wrap<Killed>(r, s, BaseSpec(), 1); }},
      {"drain", "the coordinator drained (streams end UNAVAILABLE) and restarted: come back",
       [](ConformanceRun& r, const Scenario& s) { return Wrap<Drained>(r, s, BaseSpec(), 1); }},
      {"agent-restart",
       "the agent SIGKILLed and restarted with its {state_file}: seat and learner back",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<AgentRestart>(r, s, BaseSpec(), 1);
       }},
      {"game-stopped", "StopGame mid-game: GameOver stopped, exit 0",
       [](ConformanceRun& r, const Scenario& s) { return Wrap<Stopped>(r, s, BaseSpec(), 1); }},
      {"game-failed", "a record write error: GameOver failed, a non-zero exit",
       [](ConformanceRun& r, const Scenario& s) {
         return Wrap<Failed>(r, s, BaseSpec("conformance-failed"), 1);
       }},
  };
  return *kScenarios;
}

absl::Status ConformanceOptions::Validate() const {
  if (agent.text().empty()) {
    return absl::InvalidArgumentError(
        "ConformanceOptions.agent: no command (AgentTemplate::Parse)");
  }
  if (coordinator_bin.empty()) {
    return absl::InvalidArgumentError("ConformanceOptions.coordinator_bin: empty");
  }
  if (work_dir.empty()) return absl::InvalidArgumentError("ConformanceOptions.work_dir: empty");
  for (const auto& [name, bound] :
       {std::pair<const char*, milliseconds>{"scenario_timeout", scenario_timeout},
        {"join_within", join_within},
        {"exit_within", exit_within},
        {"resume_within", resume_within}}) {
    if (bound <= milliseconds(0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("ConformanceOptions.", name, ": ", bound.count(), " ms is not positive"));
    }
  }
  return absl::OkStatus();
}

ScenarioResult ConformanceRun::Run(const Scenario& scenario) {
  const Clock::time_point start = Clock::now();
  ScenarioResult result = scenario.run(*this, scenario);
  result.seconds = SecondsSince(start);
  return result;
}

}  // namespace nashnet::cli

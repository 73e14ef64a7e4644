// An agent killed with SIGKILL mid-game: the round deadline fires, the straggler policy plays for
// its seat, the agent is evicted and the game goes on; the agent restarted with its state file
// takes its seat back (replaying the seat's history) and plays to the end; the record is
// complete.
#include <signal.h>

#include <chrono>
#include <filesystem>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr int64_t kRounds = 200;
constexpr int64_t kDeadlineMs = 200;
constexpr int kEvictAfter = 2;

// Plays round `t` as a pure action 0 of 2 and waits for its Feedback; returns the wait.
absl::StatusOr<milliseconds> PlayRound(PlayStream& stream, int64_t t) {
  const auto start = std::chrono::steady_clock::now();
  if (!stream.SendAction(PureAction(t, 0, 2))) {
    return absl::UnavailableError(absl::StrCat("round ", t, ": the stream is closed"));
  }
  std::optional<v1::CoordinatorMessage> message = stream.Read();
  if (!message) {
    return absl::UnavailableError(
        absl::StrCat("round ", t, ": stream ended: ", stream.Finish().error_message()));
  }
  if (!message->has_feedback() || message->feedback().round() != t) {
    return absl::InternalError(
        absl::StrCat("round ", t, ": expected its Feedback, got ", message->ShortDebugString()));
  }
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
}

const v1::SeatInfo& Seat(const v1::GameInfo& info, int seat) {
  for (const v1::SeatInfo& s : info.seats()) {
    if (s.seat() == seat) return s;
  }
  static const v1::SeatInfo kNone;
  return kNone;
}

TEST(StragglerAndResume, KilledAgentIsSubstitutedEvictedAndResumesItsSeat) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;

  v1::RunSpec spec = MakeSpec("prisoners_dilemma", kRounds);
  spec.mutable_service()->set_round_deadline_ms(kDeadlineMs);
  spec.mutable_service()->set_straggler(v1::STRAGGLER_POLICY_REPEAT_LAST);
  spec.mutable_service()->set_evict_after(kEvictAfter);
  ASSERT_TRUE(c.CreateGame(spec, "strag").ok()) << c.process().Describe();

  // Seat 1: a real agent, killed later. Seat 0: this test, pacing the rounds.
  const std::string state_file = (dir.path() / "agent.state").string();
  absl::StatusOr<std::unique_ptr<Process>> agent = StartAgent(
      dir.path(), "agent",
      {"--coordinator", c.address(), "--game", "strag", "--seat", "1", "--state-file", state_file});
  ASSERT_TRUE(agent.ok()) << agent.status();
  absl::StatusOr<std::string> token = (*agent)->WaitForResumeToken(state_file, kStartTimeout);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ((*agent)->Stderr().find(*token), std::string::npos) << "the token is a secret";

  PlayStream stream(c, seconds(60));
  ASSERT_TRUE(stream.SendJoin(MakeJoin("strag", 0)));
  std::optional<v1::CoordinatorMessage> joined = stream.Read();
  ASSERT_TRUE(joined && joined->has_joined()) << stream.Finish().error_message();
  EXPECT_EQ(joined->joined().seat(), 0);
  EXPECT_EQ(joined->joined().round_deadline_ms(), kDeadlineMs);
  EXPECT_EQ(joined->joined().straggler(), v1::STRAGGLER_POLICY_REPEAT_LAST);
  EXPECT_FALSE(joined->joined().resume_token().empty());
  std::optional<v1::CoordinatorMessage> start = stream.Read();
  ASSERT_TRUE(start && start->has_start()) << (start ? start->ShortDebugString() : "ended");
  EXPECT_EQ(start->start().round(), 1);

  // Rounds 1..10 with both seats live: the agent answers well within the deadline.
  int64_t t = 1;
  for (; t <= 10; ++t) {
    absl::StatusOr<milliseconds> waited = PlayRound(stream, t);
    ASSERT_TRUE(waited.ok()) << waited.status();
  }
  absl::StatusOr<v1::GameInfo> before = c.GetGame("strag");
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->round(), 10);
  EXPECT_TRUE(Seat(*before, 1).connected());
  EXPECT_EQ(Seat(*before, 1).substituted_rounds(), 0);

  // SIGKILL: no goodbye on the stream.
  ASSERT_TRUE((*agent)->process().Signal(SIGKILL).ok());
  absl::StatusOr<ExitStatus> killed = (*agent)->process().Wait(kStartTimeout);
  ASSERT_TRUE(killed.ok());
  EXPECT_EQ(killed->signal, SIGKILL);

  // Round 11 waits for the deadline (the kernel resets the socket at once, so the coordinator may
  // also see the stream vanish first: then the seat is vacated and the policy plays it at once).
  // Either way the game advances, and within a few rounds the seat is evicted / vacant.
  absl::StatusOr<v1::GameInfo> after_kill = absl::UnknownError("not polled");
  for (const int64_t last = t + 10; t < last; ++t) {
    absl::StatusOr<milliseconds> waited = PlayRound(stream, t);
    ASSERT_TRUE(waited.ok()) << waited.status();
    EXPECT_LT(*waited, milliseconds(kDeadlineMs * 10)) << "round " << t;
    after_kill = c.GetGame("strag");
    ASSERT_TRUE(after_kill.ok()) << after_kill.status();
    if (!Seat(*after_kill, 1).connected() && t >= 12) break;
  }
  ++t;
  ASSERT_FALSE(Seat(*after_kill, 1).connected()) << after_kill->ShortDebugString();
  EXPECT_GE(after_kill->round(), 12);
  EXPECT_EQ(after_kill->status(), v1::GAME_STATUS_RUNNING);
  // Every round after the kill was played for seat 1 by the straggler policy.
  EXPECT_GE(Seat(*after_kill, 1).substituted_rounds(), after_kill->round() - 10)
      << after_kill->ShortDebugString();

  // Restart the agent with its state file: it takes seat 1 back. Keep playing meanwhile (this
  // seat has a deadline too).
  absl::StatusOr<std::unique_ptr<Process>> resumed =
      StartAgent(dir.path(), "agent-resumed",
                 {"--coordinator", c.address(), "--game", "strag", "--state-file", state_file});
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  // A vacant seat is played by the policy at once, so rounds run as fast as this test plays them:
  // pace them (10 ms) so that the agent's start-up (~100 ms, more under ASan) spans a few rounds.
  bool reconnected = false;
  for (; t <= kRounds - 40 && !reconnected; ++t) {
    std::this_thread::sleep_for(milliseconds(10));
    absl::StatusOr<milliseconds> waited = PlayRound(stream, t);
    ASSERT_TRUE(waited.ok()) << waited.status() << "\n" << (*resumed)->Describe();
    absl::StatusOr<v1::GameInfo> info = c.GetGame("strag");
    ASSERT_TRUE(info.ok()) << info.status();
    reconnected = Seat(*info, 1).connected();
  }
  ASSERT_TRUE(reconnected) << "the agent did not take its seat back by round " << t << "\n"
                           << (*resumed)->Describe();
  absl::StatusOr<std::string> resumed_line =
      (*resumed)->WaitForStderrLine("resumed game strag seat 1", kStartTimeout);
  EXPECT_TRUE(resumed_line.ok()) << resumed_line.status();
  absl::StatusOr<v1::GameInfo> at_resume = c.GetGame("strag");
  ASSERT_TRUE(at_resume.ok());
  const int64_t substituted_at_resume = Seat(*at_resume, 1).substituted_rounds();

  // The rest of the game with the resumed agent, then GameOver{COMPLETED}.
  for (; t <= kRounds; ++t) {
    absl::StatusOr<milliseconds> waited = PlayRound(stream, t);
    ASSERT_TRUE(waited.ok()) << waited.status() << "\n" << (*resumed)->Describe();
  }
  std::optional<v1::CoordinatorMessage> over = stream.Read();
  ASSERT_TRUE(over && over->has_game_over()) << (over ? over->ShortDebugString() : "ended");
  EXPECT_EQ(over->game_over().reason(), v1::GAME_OVER_REASON_COMPLETED);
  EXPECT_EQ(over->game_over().rounds_played(), kRounds);
  EXPECT_EQ(over->game_over().summary().rounds(), kRounds);
  const grpc::Status final_status = stream.Finish();
  EXPECT_TRUE(final_status.ok()) << final_status.error_message();

  absl::StatusOr<ExitStatus> resumed_exit = (*resumed)->process().Wait(kStartTimeout);
  ASSERT_TRUE(resumed_exit.ok()) << resumed_exit.status();
  EXPECT_TRUE(resumed_exit->ok()) << (*resumed)->Describe();
  EXPECT_NE((*resumed)->Stdout().find("strag"), std::string::npos) << (*resumed)->Describe();

  absl::StatusOr<v1::GameInfo> final_info = c.WaitForGame("strag", IsOver);
  ASSERT_TRUE(final_info.ok()) << final_info.status();
  EXPECT_EQ(final_info->status(), v1::GAME_STATUS_COMPLETED);
  EXPECT_EQ(final_info->round(), kRounds);
  const v1::SeatInfo& seat = Seat(*final_info, 1);
  EXPECT_GE(seat.substituted_rounds(), 2) << seat.ShortDebugString();
  // The resumed agent played (nearly) every remaining round itself: at most a couple of rounds
  // around the reconnection were substituted after it took the seat back.
  EXPECT_LE(seat.substituted_rounds(), substituted_at_resume + 2) << seat.ShortDebugString();
  EXPECT_LT(seat.substituted_rounds(), kRounds - 40) << seat.ShortDebugString();
  // The resumed agent follows Joined.next_round: none of its actions is refused.
  EXPECT_EQ(seat.rejected_messages(), 0) << seat.ShortDebugString() << "\n"
                                         << (*resumed)->Describe();

  const std::filesystem::path record = dir.path() / "strag";
  const nlohmann::json summary = ReadJson(record / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << "no summary.json in " << record;
  EXPECT_EQ(summary["rounds"].get<int64_t>(), kRounds);
  EXPECT_EQ(LastCsvRound(record / "rounds.csv"), kRounds);
}

// A stopped (SIGSTOP) agent keeps its connection but never answers: each round waits for the
// deadline, the policy plays for it, and after `evict_after` misses it is evicted.
TEST(StragglerAndResume, SilentAgentMissesDeadlinesAndIsEvicted) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 1000);
  spec.mutable_service()->set_round_deadline_ms(kDeadlineMs);
  spec.mutable_service()->set_straggler(v1::STRAGGLER_POLICY_DEFAULT_ACTION);
  spec.mutable_service()->set_default_action(1);
  spec.mutable_service()->set_evict_after(kEvictAfter);
  ASSERT_TRUE(c.CreateGame(spec, "silent").ok()) << c.process().Describe();
  absl::StatusOr<std::unique_ptr<Process>> agent = StartAgent(
      dir.path(), "agent", {"--coordinator", c.address(), "--game", "silent", "--seat", "1"});
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->WaitForStderrLine("joined game silent", kStartTimeout).ok())
      << (*agent)->Describe();

  PlayStream stream(c, seconds(60));
  ASSERT_TRUE(stream.SendJoin(MakeJoin("silent", 0)));
  std::optional<v1::CoordinatorMessage> joined = stream.Read();
  ASSERT_TRUE(joined && joined->has_joined()) << stream.Finish().error_message();
  std::optional<v1::CoordinatorMessage> start = stream.Read();
  ASSERT_TRUE(start && start->has_start());
  int64_t t = 1;
  for (; t <= 5; ++t) ASSERT_TRUE(PlayRound(stream, t).ok());

  ASSERT_TRUE((*agent)->process().Signal(SIGSTOP).ok());
  // The agent may already have sent its next action before it stopped; from then on each round
  // ends at the deadline: not before it (minus timer slack), not much after it (10x covers a
  // loaded ASan machine). This seat keeps playing meanwhile (it has a deadline too).
  int slow_rounds = 0;
  absl::StatusOr<v1::GameInfo> info = absl::UnknownError("not polled");
  for (const int64_t last = t + 10; t < last; ++t) {
    absl::StatusOr<milliseconds> waited = PlayRound(stream, t);
    ASSERT_TRUE(waited.ok()) << waited.status();
    EXPECT_LT(*waited, milliseconds(kDeadlineMs * 10)) << "round " << t;
    if (*waited >= milliseconds(kDeadlineMs * 3 / 4)) ++slow_rounds;
    info = c.GetGame("silent");
    ASSERT_TRUE(info.ok()) << info.status();
    if (Seat(*info, 1).evicted()) break;
  }
  ++t;
  const v1::SeatInfo& seat = Seat(*info, 1);
  ASSERT_TRUE(seat.evicted()) << info->ShortDebugString();
  // Evicted after exactly evict_after rounds that each waited for the deadline.
  EXPECT_EQ(slow_rounds, kEvictAfter);
  EXPECT_FALSE(seat.connected());
  EXPECT_EQ(seat.missed_deadlines(), kEvictAfter);
  EXPECT_GE(seat.substituted_rounds(), kEvictAfter);
  EXPECT_EQ(info->status(), v1::GAME_STATUS_RUNNING);
  EXPECT_EQ(info->round(), t - 1);
  (*agent)->process().Signal(SIGKILL).IgnoreError();

  // The game goes on without the agent (the policy plays its seat).
  absl::StatusOr<milliseconds> waited = PlayRound(stream, t);
  ASSERT_TRUE(waited.ok()) << waited.status();
  // StopGame ends it after the current round; the record is complete for the rounds played.
  absl::StatusOr<v1::GameInfo> stopped = c.StopGame("silent");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  std::optional<v1::CoordinatorMessage> message;
  while ((message = stream.Read()) && !message->has_game_over()) {
  }
  ASSERT_TRUE(message.has_value()) << stream.Finish().error_message();
  EXPECT_EQ(message->game_over().reason(), v1::GAME_OVER_REASON_STOPPED);
  const int64_t played = message->game_over().rounds_played();
  EXPECT_GE(played, t);
  EXPECT_LT(played, 1000);
  absl::StatusOr<v1::GameInfo> final_info = c.WaitForGame("silent", IsOver);
  ASSERT_TRUE(final_info.ok()) << final_info.status();
  EXPECT_EQ(final_info->status(), v1::GAME_STATUS_STOPPED);
  const nlohmann::json summary = ReadJson(dir.path() / "silent" / "summary.json");
  ASSERT_FALSE(summary.is_discarded());
  EXPECT_EQ(summary["rounds"].get<int64_t>(), played);
  EXPECT_EQ(LastCsvRound(dir.path() / "silent" / "rounds.csv"), played);
}

// The coordinator itself stops (SIGSTOP: a pause, CPU starvation) for much longer than a round
// deadline while its agents keep acting: once it runs again it reads what they sent before it
// judges anyone, so nobody misses a deadline and nobody is evicted.
TEST(StragglerAndResume, ACoordinatorStallIsNotChargedToItsAgents) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 2000000);
  spec.mutable_service()->set_round_deadline_ms(300);
  spec.mutable_service()->set_evict_after(1);  // one miss would evict
  spec.mutable_service()->set_straggler(v1::STRAGGLER_POLICY_REPEAT_LAST);
  ASSERT_TRUE(c.CreateGame(spec, "stall").ok()) << c.process().Describe();
  std::vector<std::unique_ptr<Process>> agents;
  for (int seat = 0; seat < 2; ++seat) {
    absl::StatusOr<std::unique_ptr<Process>> agent = StartAgent(
        dir.path(), absl::StrCat("agent", seat),
        {"--coordinator", c.address(), "--game", "stall", "--seat", std::to_string(seat)});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(std::move(*agent));
  }
  absl::StatusOr<v1::GameInfo> before = c.WaitForGame(
      "stall", [](const v1::GameInfo& info) { return info.round() > 200; }, kStartTimeout);
  ASSERT_TRUE(before.ok()) << before.status();
  for (int pause = 0; pause < 3; ++pause) {
    ASSERT_TRUE(c.process().process().Signal(SIGSTOP).ok());
    std::this_thread::sleep_for(milliseconds(2000));  // real time must pass: the stall itself
    ASSERT_TRUE(c.process().process().Signal(SIGCONT).ok());
    const int64_t at = c.GetGame("stall")->round();
    absl::StatusOr<v1::GameInfo> moving = c.WaitForGame(
        "stall", [at](const v1::GameInfo& info) { return info.round() > at + 100; }, kStartTimeout);
    ASSERT_TRUE(moving.ok()) << moving.status();
  }
  absl::StatusOr<v1::GameInfo> after = c.GetGame("stall");
  ASSERT_TRUE(after.ok());
  for (int seat = 0; seat < 2; ++seat) {
    EXPECT_EQ(Seat(*after, seat).missed_deadlines(), 0) << after->ShortDebugString();
    EXPECT_EQ(Seat(*after, seat).evictions(), 0) << after->ShortDebugString();
    EXPECT_EQ(Seat(*after, seat).substituted_rounds(), 0) << after->ShortDebugString();
    EXPECT_TRUE(Seat(*after, seat).connected());
  }
}

}  // namespace
}  // namespace nashnet::service_test

// HostedGame without a network (tests/service/hosted_game_fixture.h): fake streams for agents,
// a FakeClock for time. Seats, the straggler policies, eviction, resumption, in-band errors and
// StopGame, checked message by message; deadlines pass when the test advances the clock.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "server/record/run_file.h"
#include "server/service/game_directory.h"
#include "server/service/hosted_game.h"
#include "tests/service/hosted_game_fixture.h"

namespace nashnet::server {
namespace {

using std::chrono::milliseconds;
using test::FakeStream;
using HostedGameTest = test::HostedGameFixture;

constexpr char kPd[] = R"(
game: prisoners_dilemma
feedback: bandit
rounds: 50
seed: 5
service: {round_deadline_ms: 30, straggler: repeat_last, evict_after: 2, join_token: "secret"}
)";

TEST_F(HostedGameTest, JoinAnswersEachFaultWithItsCode) {
  Create(kPd);
  FakeStream &a = s_[0], &b = s_[1], &c = s_[2];
  EXPECT_EQ(Join(&a, 0).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Join(&a, 0, "wrong").status().code(), absl::StatusCode::kUnauthenticated);
  const auto out_of_range = Join(&a, 2, "secret");
  EXPECT_EQ(out_of_range.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out_of_range.status().message().find("join.seat: 2 is not a seat"), std::string::npos)
      << out_of_range.status();
  ASSERT_TRUE(Join(&a, 0, "secret").ok());
  EXPECT_EQ(Join(&b, 0, "secret").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Join(&b, -1, "secret").value(), 1);  // the first free seat
  EXPECT_EQ(Join(&c, -1, "secret").status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Join(&c, -1, "secret", "not-a-token").status().code(),
            absl::StatusCode::kInvalidArgument);
  // Both seats filled: Joined then Start{1} on each stream.
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_TRUE(a.messages[0].has_joined());
  EXPECT_EQ(a.messages[0].joined().view().horizon(), 50);
  EXPECT_EQ(a.messages[0].joined().round_deadline_ms(), 30);
  EXPECT_EQ(a.messages[1].start().round(), 1);
  EXPECT_EQ(budget_.used(), 2);
}

TEST_F(HostedGameTest, BeforeTheStartAVanishedAgentsTokenTakesItsFreeSeatBack) {
  Create("game: prisoners_dilemma\nfeedback: bandit\nrounds: 10");
  ASSERT_EQ(Join(&s_[0], 0).value(), 0);
  const std::string token = s_[0].messages.at(0).joined().resume_token();
  ASSERT_FALSE(token.empty());
  OnStrand([&] { game_->StreamGone(0, &s_[0]); });  // the agent vanished; no Start yet
  // Its reconnect with its token takes the seat back, keeping the token.
  ASSERT_EQ(Join(&s_[1], -1, "", token).value(), 0);
  EXPECT_EQ(s_[1].messages.at(0).joined().resume_token(), token);
  OnStrand([&] { game_->StreamGone(0, &s_[1]); });
  // Another agent takes the free seat: a new token, and the old one is void from now on.
  ASSERT_EQ(Join(&s_[2], 0).value(), 0);
  EXPECT_NE(s_[2].messages.at(0).joined().resume_token(), token);
  const auto refused = Join(&s_[3], -1, "", token);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_EQ(budget_.used(), 1);
}

TEST_F(HostedGameTest, BadActionsGetInBandErrorsAndTheSeatMayCorrectThem) {
  Create(R"(
game: prisoners_dilemma
feedback: bandit
rounds: 5
service: {round_deadline_ms: 500}
)");
  FakeStream &a = s_[0], &b = s_[1];
  ASSERT_TRUE(Join(&a, 0).ok());
  ASSERT_TRUE(Join(&b, 1).ok());
  Act(&a, 0, 2, 0);  // wrong round
  Act(&a, 0, 1, 7);  // out of range
  ASSERT_EQ(a.Count(v1::CoordinatorMessage::kError), 2);
  EXPECT_EQ(a.messages[2].error().message(), "action.round: 2, but the game is at round 1");
  EXPECT_EQ(a.messages[2].error().code(), 3);
  EXPECT_EQ(a.messages[3].error().round(), 1);
  EXPECT_NE(a.messages[3].error().message().find("7"), std::string::npos)
      << a.messages[3].error().message();
  Act(&a, 0, 1, 1);  // corrected
  Act(&a, 0, 1, 1);  // twice
  EXPECT_EQ(a.Last(v1::CoordinatorMessage::kError)->error().message(),
            "action.round: seat 0 already played round 1");
  Act(&b, 1, 1, 0);
  const v1::CoordinatorMessage* fa = a.Last(v1::CoordinatorMessage::kFeedback);
  ASSERT_NE(fa, nullptr);
  EXPECT_EQ(fa->feedback().round(), 1);
  EXPECT_EQ(fa->feedback().index(), 1);
  EXPECT_FALSE(fa->feedback().substituted());
  // Prisoner's dilemma, a defects (1) against b cooperating (0): the temptation payoff 5.
  EXPECT_EQ(fa->feedback().payoff(), 5.0);
  EXPECT_EQ(Info().seats(0).rejected_messages(), 3);
}

TEST_F(HostedGameTest, RepeatLastSubstitutesAtTheDeadlineEvictsAndTheTokenResumes) {
  Create(kPd);
  FakeStream &a = s_[0], &b = s_[1];
  ASSERT_TRUE(Join(&a, 0, "secret").ok());
  ASSERT_TRUE(Join(&b, 1, "secret").ok());
  const std::string token = b.messages[0].joined().resume_token();
  EXPECT_EQ(token.size(), 32u);
  Act(&a, 0, 1, 1);
  Act(&b, 1, 1, 0);  // b plays round 1, then goes silent
  // a keeps playing; b's rounds 2 and 3 are substituted at their deadlines (its last action, 0),
  // and after the second miss in a row (evict_after: 2) b is evicted.
  for (int64_t t = 2; t <= 3; ++t) {
    Act(&a, 0, t, 1);
    EXPECT_EQ(a.Count(v1::CoordinatorMessage::kFeedback), t - 1);  // b has 30 ms
    Advance(milliseconds(30));
    EXPECT_EQ(a.Count(v1::CoordinatorMessage::kFeedback), t);
  }
  const v1::CoordinatorMessage* fb = b.Last(v1::CoordinatorMessage::kFeedback);
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(fb->feedback().round(), 2);  // evicted at round 3's deadline: no Feedback for it
  EXPECT_TRUE(fb->feedback().substituted());
  EXPECT_EQ(fb->feedback().index(), 0);
  EXPECT_TRUE(b.ended);
  EXPECT_EQ(b.end_status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(b.end_status.error_message(),
            "evicted after 2 missed deadlines (seat 1 of game g1); resume with the seat's token");
  v1::GameInfo info = Info();
  EXPECT_TRUE(info.seats(1).evicted());
  EXPECT_EQ(info.seats(1).evictions(), 1);
  EXPECT_FALSE(info.seats(1).connected());
  EXPECT_EQ(info.seats(1).missed_deadlines(), 2);
  // Vacant, seat 1 is played by its policy at once: round 4 needs only a's action.
  Act(&a, 0, 4, 1);
  EXPECT_EQ(a.Count(v1::CoordinatorMessage::kFeedback), 4);
  // A new agent cannot take the seat; the resume token can.
  FakeStream& c = s_[2];
  EXPECT_EQ(Join(&c, 1, "secret").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(Join(&c, -1, "secret", token).value(), 1);
  // Round 5 was already played for the vacant seat: c joins at round 6, once round 5 is over.
  EXPECT_TRUE(c.messages.empty());
  Act(&a, 0, 5, 1);
  Settle();
  ASSERT_GE(c.messages.size(), 1u);
  const v1::Joined& joined = c.messages[0].joined();
  EXPECT_TRUE(joined.started());
  EXPECT_EQ(joined.next_round(), 6);
  EXPECT_EQ(joined.resume_token(), token);
  // A fresh agent (learner_round 0) replays the seat's rounds 1..5 from the journal: its own
  // round 1, then four rounds the straggler policy played (its last action, 0).
  EXPECT_EQ(joined.replay_from(), 1);
  EXPECT_FALSE(joined.reset());
  const std::vector<v1::HistoryRound> history = History(c);
  ASSERT_EQ(history.size(), 5u);
  for (int t = 1; t <= 5; ++t) {
    SCOPED_TRACE(t);
    EXPECT_EQ(history[t - 1].round(), t);
    EXPECT_EQ(history[t - 1].action().index(), 0);
    EXPECT_EQ(history[t - 1].feedback().round(), t);
    EXPECT_EQ(history[t - 1].feedback().substituted(), t > 1);
  }
  EXPECT_TRUE(c.messages.back().history().last());
  Act(&a, 0, 6, 1);
  Act(&c, 1, 6, 1);
  const v1::CoordinatorMessage* fc = c.Last(v1::CoordinatorMessage::kFeedback);
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->feedback().round(), 6);
  EXPECT_FALSE(fc->feedback().substituted());
  EXPECT_EQ(c.Count(v1::CoordinatorMessage::kFeedback), 1);  // none for round 5
}

TEST_F(HostedGameTest, ADeferredJoinedNeverFollowsAFeedbackAnAgentThatFillsItsStreamIsEvicted) {
  // Found by fuzz/hosted_game.cc: an agent resumes a seat whose round the straggler policy has
  // already played (its Joined waits for the round's end), sends Actions before it has its Joined
  // (each answered by an in-band Error) and reads nothing. When the round ended there was no room
  // for Joined: it was dropped, and the next round's Feedback became the stream's first message.
  Create(kPd);
  FakeStream &a = s_[0], &b = s_[1];
  ASSERT_TRUE(Join(&a, 0, "secret").ok());
  ASSERT_TRUE(Join(&b, 1, "secret").ok());
  const std::string token = b.messages[0].joined().resume_token();
  Act(&a, 0, 1, 1);
  Act(&b, 1, 1, 0);
  Gone(&b, 1);  // vacant: round 2 is played for it at once under repeat_last
  Act(&a, 0, 2, 1);
  FakeStream& c = s_[2];
  c.capacity = 2;  // c reads nothing: two messages fill its stream
  // Round 3 was played for the vacant seat 1 as it began: c comes in at round 4.
  ASSERT_EQ(Join(&c, -1, "secret", token).value(), 1);
  ASSERT_TRUE(c.messages.empty());
  Act(&c, 1, 3, 0);  // too early, twice: two Errors fill c's stream
  Act(&c, 1, 3, 0);
  ASSERT_EQ(c.Count(v1::CoordinatorMessage::kError), 2);
  Act(&a, 0, 3, 1);  // round 3 ends: Joined is due, and finds no room
  Settle();
  // No Joined could go out: c lost the seat (it does not read its stream) rather than getting a
  // Feedback before its Joined.
  EXPECT_EQ(c.Count(v1::CoordinatorMessage::kFeedback), 0);
  EXPECT_EQ(c.Count(v1::CoordinatorMessage::kJoined), 0);
  EXPECT_TRUE(c.ended);
  EXPECT_EQ(c.end_status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_FALSE(Info().seats(1).connected());
  // Its token still takes the seat back, Joined first.
  FakeStream& d = s_[3];
  ASSERT_EQ(Join(&d, -1, "secret", token).value(), 1);
  Act(&a, 0, 4, 1);
  Settle();
  ASSERT_FALSE(d.messages.empty());
  EXPECT_TRUE(d.messages[0].has_joined());
}

TEST_F(HostedGameTest, StopEndsAfterTheCurrentRoundWithACompleteRecord) {
  Create(R"(
game: prisoners_dilemma
feedback: bandit
rounds: 100
record_every: 10
service: {round_deadline_ms: 60000}
)");
  FakeStream &a = s_[0], &b = s_[1];
  ASSERT_TRUE(Join(&a, 0).ok());
  ASSERT_TRUE(Join(&b, 1).ok());
  for (int64_t t = 1; t <= 3; ++t) {
    Act(&a, 0, t, 0);
    Act(&b, 1, t, 1);
  }
  Act(&a, 0, 4, 0);  // round 4 is under way when the stop comes
  v1::GameInfo stopped;
  OnStrand([&] { game_->Stop([&](const v1::GameInfo& info) { stopped = info; }); });
  Act(&b, 1, 4, 1);  // round 4 completes; no round 5
  Settle();
  ASSERT_EQ(over_count_, 1);
  EXPECT_EQ(stopped.status(), v1::GAME_STATUS_STOPPED);
  EXPECT_EQ(stopped.round(), 4);
  EXPECT_EQ(stopped.summary().rounds(), 4);
  const v1::CoordinatorMessage* over = a.Last(v1::CoordinatorMessage::kGameOver);
  ASSERT_NE(over, nullptr);
  EXPECT_EQ(over->game_over().reason(), v1::GAME_OVER_REASON_STOPPED);
  EXPECT_EQ(over->game_over().rounds_played(), 4);
  EXPECT_TRUE(a.ended);
  EXPECT_TRUE(a.end_status.ok());
  EXPECT_EQ(budget_.used(), 0);
  // rounds.csv: header, round 1 and round 4 (the last played closes the file).
  EXPECT_TRUE(std::filesystem::exists(dir() / "summary.json"));
  std::ifstream csv(dir() / "rounds.csv");
  std::string line;
  std::vector<std::string> rounds;
  while (std::getline(csv, line)) rounds.push_back(line.substr(0, line.find(',')));
  EXPECT_EQ(rounds, (std::vector<std::string>{"round", "1", "4"}));
}

TEST_F(HostedGameTest, GameOverReachesAnAgentWhoseOutboxIsFull) {
  // The agent reads slowly: at the horizon its outbox holds a Feedback in flight and one
  // waiting. GameOver goes in the stream's last slot, not dropped (an agent that never saw it
  // reconnected to a game that was over and failed).
  Create(R"(
game: prisoners_dilemma
feedback: bandit
rounds: 3
service: {round_deadline_ms: 60000}
)");
  FakeStream &a = s_[0], &b = s_[1];
  ASSERT_TRUE(Join(&a, 0).ok());
  ASSERT_TRUE(Join(&b, 1).ok());
  for (int64_t t = 1; t <= 3; ++t) {
    // Round 3's Feedback still fits; then the outbox is full (GameOver would not fit).
    if (t == 3) OnStrand([&] { a.capacity = a.messages.size() + 1; });
    Act(&a, 0, t, 0);
    Act(&b, 1, t, 1);
  }
  Settle();
  ASSERT_EQ(over_count_, 1);
  ASSERT_GE(a.messages.size(), 2u);
  EXPECT_EQ(a.messages[a.messages.size() - 2].kind_case(), v1::CoordinatorMessage::kFeedback);
  EXPECT_EQ(a.messages.back().kind_case(), v1::CoordinatorMessage::kGameOver);
  EXPECT_EQ(a.messages.back().game_over().rounds_played(), 3);
  EXPECT_EQ(a.Count(v1::CoordinatorMessage::kGameOver), 1);
  EXPECT_EQ(b.Count(v1::CoordinatorMessage::kGameOver), 1);
  EXPECT_TRUE(a.end_status.ok());
}

TEST_F(HostedGameTest, StopBringsAnIncompleteRoundsDeadlineForwardToTwoSeconds) {
  // A round deadline of an hour: a stop must not wait for it. Seat 1 never plays round 1, so the
  // game ends 2 s (the stop's grace) after the stop, with no round played.
  Create(R"(
game: prisoners_dilemma
feedback: bandit
rounds: 100
service: {round_deadline_ms: 3600000}
)");
  FakeStream &a = s_[0], &b = s_[1];
  ASSERT_TRUE(Join(&a, 0).ok());
  ASSERT_TRUE(Join(&b, 1).ok());
  Act(&a, 0, 1, 0);
  v1::GameInfo stopped;
  OnStrand([&] { game_->Stop([&](const v1::GameInfo& info) { stopped = info; }); });
  Advance(milliseconds(1999));
  EXPECT_EQ(over_count_, 0);
  Advance(milliseconds(1));
  ASSERT_EQ(over_count_, 1);
  EXPECT_EQ(stopped.status(), v1::GAME_STATUS_STOPPED);
  EXPECT_EQ(stopped.round(), 0);
  const v1::CoordinatorMessage* over = b.Last(v1::CoordinatorMessage::kGameOver);
  ASSERT_NE(over, nullptr);
  EXPECT_EQ(over->game_over().reason(), v1::GAME_OVER_REASON_STOPPED);
}

TEST_F(HostedGameTest, AnAllLocalGamePlaysToTheHorizonBySlices) {
  Create(R"(
game: matching_pennies
rounds: 2000
record_every: 500
service: {local_seats: [0, 1]}
)");
  // The game plays on the io_context's thread in slices of 256 rounds.
  for (int k = 0; k < 1000 && over_count_ == 0; ++k) {
    std::promise<void> slice;
    boost::asio::post(io_, [&] { slice.set_value(); });
    slice.get_future().wait();
    Settle();
  }
  ASSERT_EQ(over_count_, 1);
  const v1::GameInfo info = Info();
  EXPECT_EQ(info.status(), v1::GAME_STATUS_COMPLETED);
  EXPECT_EQ(info.round(), 2000);
  EXPECT_EQ(info.summary().players(0).algorithm(), "hedge");
  EXPECT_EQ(info.latest().round(), 2000);
}

TEST(CheckServiceSpec, NamesTheFaultyField) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  // Negative numbers never get past the run-file reader; a CreateGame request can carry them.
  for (const char* field : {"round_deadline_ms", "evict_after"}) {
    auto plan = PlanRun(*ParseRunSpecYaml("game: prisoners_dilemma\nrounds: 10"), ".");
    ASSERT_TRUE(plan.ok());
    if (std::string(field) == "evict_after") {
      plan->spec.mutable_service()->set_evict_after(-2);
    } else {
      plan->spec.mutable_service()->set_round_deadline_ms(-1);
    }
    const absl::Status status = CheckServiceSpec(*plan);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find(std::string("service.") + field), std::string::npos) << status;
  }
  const Case cases[] = {
      {"rounds: 10\ngame: prisoners_dilemma\nservice: {default_action: 2}",
       "service.default_action: 2"},
      {"rounds: 10\ngame: prisoners_dilemma\nservice: {local_seats: [0, 0]}",
       "service.local_seats[1]"},
      {"rounds: 10\ngame: prisoners_dilemma\nservice: {local_seats: [3]}",
       "service.local_seats[0]: 3"},
      {"rounds: 10\ngame: {name: cournot}\nfeedback: full", "feedback.model"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    // The run-file reader catches some of these itself; either way the field is named.
    auto spec = ParseRunSpecYaml(c.yaml);
    absl::Status status = spec.status();
    if (spec.ok()) {
      auto plan = PlanRun(*spec, ".");
      ASSERT_TRUE(plan.ok()) << plan.status();
      status = CheckServiceSpec(*plan);
    }
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status;
  }
}

// Found by fuzz/spec_check.cc: a continuous game with a negative default_action was accepted and
// its spec.yaml then said `default_action: -1`, which the run-file reader refuses.
TEST(CheckServiceSpec, RefusesANegativeDefaultActionForEveryGame) {
  for (const char* game : {"prisoners_dilemma", "cournot"}) {
    SCOPED_TRACE(game);
    auto plan = PlanRun(
        *ParseRunSpecYaml(absl::StrCat("game: ", game, "\nrounds: 10\nfeedback: bandit")), ".");
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_TRUE(CheckServiceSpec(*plan).ok());
    plan->spec.mutable_service()->set_default_action(-1);
    const absl::Status status = CheckServiceSpec(*plan);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "service.default_action: must be >= 0 (an action index), got -1");
  }
}

// --max-games bounds the games not over: ended games stay listed (the newest max_finished with
// their GameInfo, older ones by their record folder) and keep their ids, but do not block creation.
TEST(GameDirectory, MaxGamesCountsOnlyGamesNotOverAndRetiresOldFinishedOnes) {
  GameDirectory directory(/*max_games=*/2, /*max_finished=*/1000);
  auto ended = [](const std::string& id) {
    v1::GameInfo info;
    info.set_game_id(id);
    info.set_record_dir(absl::StrCat("runs/", id));
    return info;
  };
  ASSERT_TRUE(directory.Reserve("a").ok());
  ASSERT_TRUE(directory.Reserve("b").ok());
  EXPECT_EQ(directory.Reserve("c").status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(directory.listed(), 0u);  // reserved games are not listed yet
  (void)directory.Finished("a", ended("a"));
  EXPECT_EQ(directory.Reserve("a").status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(directory.Reserve("c").ok());
  (void)directory.Finished("b", ended("b"));
  (void)directory.Finished("c", ended("c"));
  for (int k = 0; k < 1000; ++k) {
    const std::string id = absl::StrCat("f", k);
    ASSERT_TRUE(directory.Reserve(id).ok()) << k;
    (void)directory.Finished(id, ended(id));
  }
  // 1003 ended, the newest 1000 in memory; a, b and c retired to their folders, still listed.
  EXPECT_EQ(directory.finished_in_memory(), 1000u);
  EXPECT_EQ(directory.listed(), 1003u);
  EXPECT_EQ(directory.Reserve("a").status().code(), absl::StatusCode::kAlreadyExists);
  GameDirectory::Listed a = directory.Lookup("a");
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.info, nullptr);
  EXPECT_EQ(a.record_dir, std::filesystem::path("runs/a"));
  EXPECT_NE(directory.Lookup("f999").info, nullptr);
  EXPECT_TRUE(directory.Lookup("zz").id.empty());
}

// now + deadline must not overflow the steady clock (a spinning timer that evicts everyone):
// a day is the longest round deadline, a million the most missed deadlines before eviction.
TEST(CheckServiceSpec, BoundsDurationsAndCounts) {
  auto plan = PlanRun(*ParseRunSpecYaml("game: prisoners_dilemma\nrounds: 10"), ".");
  ASSERT_TRUE(plan.ok());
  v1::ServiceSpec& service = *plan->spec.mutable_service();
  service.set_round_deadline_ms(86400000);
  service.set_evict_after(1000000);
  EXPECT_TRUE(CheckServiceSpec(*plan).ok());
  service.set_round_deadline_ms(int64_t{1} << 62);
  absl::Status status = CheckServiceSpec(*plan);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("service.round_deadline_ms: must be <= 86400000 (a day)"),
            std::string::npos)
      << status;
  service.set_round_deadline_ms(86400001);
  EXPECT_EQ(CheckServiceSpec(*plan).code(), absl::StatusCode::kInvalidArgument);
  service.set_round_deadline_ms(1000);
  service.set_evict_after(2147483647);
  status = CheckServiceSpec(*plan);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("service.evict_after: must be <= 1000000"), std::string::npos)
      << status;
}

}  // namespace
}  // namespace nashnet::server

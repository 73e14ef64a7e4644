// RoundLoop: the state tables, and deadlines, eviction, straggler policies, stops, stalls and
// replay driven by a FakeClock — no sleeps, no threads.
#include "server/round_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agents/learner.h"
#include "games/normal_form_game.h"
#include "server/fake_clock.h"
#include "server/local_seat.h"

namespace nashnet::server {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

// Battle of the sexes: u0 = [[2, 0], [0, 1]], u1 = [[1, 0], [0, 2]] (rows = player 0).
std::shared_ptr<const games::Game> BattleOfTheSexes() {
  games::NormalFormGameData data;
  data.title = "bos";
  data.num_actions = {2, 2};
  data.payoffs = {{2, 0, 0, 1}, {1, 0, 0, 2}};
  return *games::NormalFormGame::Create(data);
}

// A remote seat as the loop sees it: records what it was told.
class RecordingSeat final : public Seat {
 public:
  bool BeginRound(int64_t round, SeatPlay* /*play*/) override {
    begun.push_back(round);
    return false;
  }
  void EndRound(int64_t round, const SeatPlay& play, bool substituted,
                const agents::Feedback& feedback) override {
    ended.push_back(round);
    played.push_back(play.action.index);
    substitutions.push_back(substituted);
    payoffs.push_back(feedback.payoff);
  }
  void Lose(SeatLoss why, int64_t missed) override { losses.emplace_back(why, missed); }

  std::vector<int64_t> begun, ended;
  std::vector<int> played;
  std::vector<bool> substitutions;
  std::vector<double> payoffs;
  std::vector<std::pair<SeatLoss, int64_t>> losses;
};

class RecordingListener final : public RoundListener {
 public:
  void OnRunning(bool first) override { running.push_back(first); }
  void OnRoundResolved(int64_t round) override { resolved.push_back(round); }
  void OnSeatMissed(int seat, int64_t round) override { missed.emplace_back(seat, round); }
  void OnSeatLost(int seat, SeatLoss /*why*/) override { lost.push_back(seat); }
  void OnEnded(GameState state) override { ended.push_back(state); }

  std::vector<bool> running;
  std::vector<int64_t> resolved;
  std::vector<std::pair<int, int64_t>> missed;
  std::vector<int> lost;
  std::vector<GameState> ended;
};

// Action `index` (and, for a real action of the 2x2 game, its one-hot strategy).
SeatPlay Pure(int index) {
  SeatPlay play;
  play.action.index = index;
  if (index < 0 || index >= 2) return play;
  play.owned.probabilities = Eigen::VectorXd::Zero(2);
  play.owned.probabilities[index] = 1.0;
  play.strategy = &play.owned;
  return play;
}

// Two remote seats (0, 1) on battle of the sexes, counterfactual feedback (no strategy needed).
class RoundLoopTest : public ::testing::Test {
 protected:
  void Make(RoundLoopOptions options, int64_t rounds = 10, bool local_second = false) {
    MatchOptions match_options;
    match_options.feedback = agents::FeedbackModel::kCounterfactual;
    match_options.rounds = rounds;
    match_options.seed = 3;
    auto match = Match::Create(BattleOfTheSexes(), match_options);
    ASSERT_TRUE(match.ok()) << match.status();
    RoundLoopConfig config;
    auto seat0 = std::make_unique<RecordingSeat>();
    seat0_ = seat0.get();
    config.seats.push_back(std::move(seat0));
    config.remote.push_back(true);
    if (local_second) {
      auto learner = agents::MakeLearner("hedge", {}, (*match)->ViewFor(1));
      ASSERT_TRUE(learner.ok());
      config.seats.push_back(std::make_unique<LocalSeat>(*std::move(learner)));
      config.remote.push_back(false);
    } else {
      auto seat1 = std::make_unique<RecordingSeat>();
      seat1_ = seat1.get();
      config.seats.push_back(std::move(seat1));
      config.remote.push_back(true);
    }
    config.defaults = {Pure(1), Pure(1)};
    config.match = *std::move(match);
    config.clock = &clock_;
    config.listener = &listener_;
    config.options = options;
    auto loop = RoundLoop::Create(std::move(config));
    ASSERT_TRUE(loop.ok()) << loop.status();
    loop_ = *std::move(loop);
  }

  absl::Status Submit(int seat, int index) {
    absl::Status st = loop_->SubmitRemote(seat, loop_->round(), Pure(index).action, nullptr);
    if (st.ok()) loop_->Advance();
    return st;
  }

  FakeClock clock_;
  RecordingListener listener_;
  RecordingSeat* seat0_ = nullptr;
  RecordingSeat* seat1_ = nullptr;
  std::unique_ptr<RoundLoop> loop_;
};

TEST(GameStateTable, OnlyTheListedTransitionsAreAllowed) {
  using S = GameState;
  const std::vector<S> all = {S::kWaiting, S::kRunning, S::kStopping, S::kCompleted,
                              S::kStopped, S::kDrained, S::kFailed};
  // Expected allowed moves (from, to); everything else is refused.
  const std::vector<std::pair<S, S>> allowed = {
      {S::kWaiting, S::kRunning},   {S::kWaiting, S::kCompleted},  {S::kWaiting, S::kStopped},
      {S::kWaiting, S::kDrained},   {S::kWaiting, S::kFailed},     {S::kRunning, S::kStopping},
      {S::kRunning, S::kCompleted}, {S::kRunning, S::kStopped},    {S::kRunning, S::kDrained},
      {S::kRunning, S::kFailed},    {S::kStopping, S::kCompleted}, {S::kStopping, S::kStopped},
      {S::kStopping, S::kDrained},  {S::kStopping, S::kFailed}};
  for (S from : all) {
    for (S to : all) {
      SCOPED_TRACE(std::string(GameStateName(from)) + " -> " + GameStateName(to));
      const bool expected =
          std::find(allowed.begin(), allowed.end(), std::make_pair(from, to)) != allowed.end();
      EXPECT_EQ(GameTransitionAllowed(from, to), expected);
    }
  }
}

TEST(SeatStateTable, OnlyTheListedTransitionsAreAllowed) {
  using S = SeatState;
  const std::vector<S> all = {S::kLocal, S::kOpen, S::kConnected, S::kCatchingUp, S::kVacant};
  const std::vector<std::pair<S, S>> allowed = {
      {S::kOpen, S::kConnected},    {S::kOpen, S::kCatchingUp},      {S::kConnected, S::kOpen},
      {S::kConnected, S::kVacant},  {S::kCatchingUp, S::kConnected}, {S::kCatchingUp, S::kOpen},
      {S::kCatchingUp, S::kVacant}, {S::kVacant, S::kConnected},     {S::kVacant, S::kCatchingUp}};
  for (S from : all) {
    for (S to : all) {
      SCOPED_TRACE(std::string(SeatStateName(from)) + " -> " + SeatStateName(to));
      const bool expected =
          std::find(allowed.begin(), allowed.end(), std::make_pair(from, to)) != allowed.end();
      EXPECT_EQ(SeatTransitionAllowed(from, to), expected);
    }
  }
}

TEST_F(RoundLoopTest, StartsWhenEveryRemoteSeatIsConnectedAndResolvesWhenAllHavePlayed) {
  Make({});
  EXPECT_EQ(loop_->state(), GameState::kWaiting);
  EXPECT_THAT(loop_->SubmitRemote(0, 1, Pure(0).action, nullptr).message(),
              HasSubstr("has not started"));
  loop_->SeatJoined(0, false);
  EXPECT_EQ(loop_->state(), GameState::kWaiting);
  loop_->SeatJoined(1, false);
  EXPECT_EQ(loop_->state(), GameState::kRunning);
  EXPECT_EQ(listener_.running, std::vector<bool>{true});
  ASSERT_TRUE(Submit(0, 0).ok());
  EXPECT_TRUE(listener_.resolved.empty());
  // Checked: wrong round, a second action, an action the match refuses.
  EXPECT_THAT(loop_->SubmitRemote(1, 2, Pure(0).action, nullptr).message(),
              HasSubstr("action.round: 2"));
  EXPECT_THAT(loop_->SubmitRemote(0, 1, Pure(0).action, nullptr).message(),
              HasSubstr("already played round 1"));
  EXPECT_THAT(loop_->SubmitRemote(1, 1, Pure(5).action, nullptr).message(),
              HasSubstr("out of range"));
  ASSERT_TRUE(Submit(1, 0).ok());
  EXPECT_EQ(listener_.resolved, std::vector<int64_t>{1});
  // (0, 0) pays player 0 two and player 1 one.
  EXPECT_EQ(seat0_->payoffs, std::vector<double>{2.0});
  EXPECT_EQ(seat1_->payoffs, std::vector<double>{1.0});
  EXPECT_EQ(loop_->round(), 2);
}

TEST_F(RoundLoopTest, AMissedDeadlineIsCountedAndEvictsAfterEvictAfterInARow) {
  Make({.deadline = milliseconds(100), .evict_after = 2});
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  ASSERT_TRUE(Submit(0, 0).ok());
  clock_.Advance(milliseconds(99));
  EXPECT_TRUE(listener_.missed.empty());  // not yet due
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(listener_.missed, (std::vector<std::pair<int, int64_t>>{{1, 1}}));
  EXPECT_EQ(loop_->seat_state(1), SeatState::kConnected);
  clock_.Advance(milliseconds(100));  // `wait`: a second window, a second miss: evicted
  EXPECT_EQ(listener_.missed.size(), 2u);
  EXPECT_EQ(loop_->seat_state(1), SeatState::kVacant);
  EXPECT_EQ(listener_.lost, std::vector<int>{1});
  ASSERT_EQ(seat1_->losses.size(), 1u);
  EXPECT_EQ(seat1_->losses[0], std::make_pair(SeatLoss::kMissedDeadlines, int64_t{2}));
  EXPECT_EQ(loop_->stats(1).missed, 2);
  EXPECT_EQ(loop_->stats(1).evictions, 1);
  // Vacant under `wait`: no more deadlines, the round waits; a resume takes it on.
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(loop_->stats(1).missed, 2);
  EXPECT_TRUE(listener_.resolved.empty());
  loop_->SeatJoined(1, false);
  ASSERT_TRUE(Submit(1, 1).ok());
  EXPECT_EQ(listener_.resolved, std::vector<int64_t>{1});
}

TEST_F(RoundLoopTest, RepeatLastSubstitutesAtTheDeadlineAndVacantSeatsAtOnce) {
  Make({.straggler = StragglerPolicy::kRepeatLast, .deadline = milliseconds(50), .evict_after = 3});
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  ASSERT_TRUE(Submit(0, 0).ok());
  ASSERT_TRUE(Submit(1, 0).ok());  // round 1: seat 1 plays 0
  ASSERT_TRUE(Submit(0, 1).ok());  // round 2: seat 1 is late
  clock_.Advance(milliseconds(50));
  ASSERT_EQ(seat1_->played.size(), 2u);
  EXPECT_EQ(seat1_->played[1], 0);  // its last action, repeated
  EXPECT_TRUE(seat1_->substitutions[1]);
  EXPECT_EQ(loop_->stats(1).substituted, 1);
  // A late action for a round already resolved names the round.
  EXPECT_THAT(loop_->SubmitRemote(1, 2, Pure(1).action, nullptr).message(),
              HasSubstr("action.round: 2, but the game is at round 3"));
  loop_->SeatLeft(1);  // gone mid-round 3: substituted at once, the round does not wait for it
  loop_->SeatJoined(1, false);  // back before round 3 is over: its round was played for it
  EXPECT_THAT(loop_->SubmitRemote(1, 3, Pure(1).action, nullptr).message(),
              HasSubstr("already played by the straggler policy"));
  ASSERT_TRUE(Submit(0, 0).ok());
  EXPECT_EQ(listener_.resolved.back(), 3);
  EXPECT_TRUE(seat1_->substitutions[2]);
}

TEST_F(RoundLoopTest, DefaultActionPlaysTheSeatsDefault) {
  Make({.straggler = StragglerPolicy::kDefaultAction, .deadline = milliseconds(50)});
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  ASSERT_TRUE(Submit(0, 0).ok());
  clock_.Advance(milliseconds(50));
  ASSERT_EQ(seat1_->played.size(), 1u);
  EXPECT_EQ(seat1_->played[0], 1);  // Pure(1) is the default
  EXPECT_TRUE(seat1_->substitutions[0]);
}

TEST_F(RoundLoopTest, AStalledProcessDoesNotChargeItsStallToTheAgents) {
  Make({.deadline = milliseconds(1000), .evict_after = 1, .stall_tolerance = milliseconds(100)});
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  clock_.Advance(milliseconds(500));
  // The coordinator stops for 30 s (a pause, CPU starvation); the deadline timer fires late.
  clock_.Stall(std::chrono::seconds(30));
  EXPECT_TRUE(listener_.missed.empty());
  // The actions the agents sent during the stall are read now: nobody is judged late.
  ASSERT_TRUE(Submit(0, 0).ok());
  ASSERT_TRUE(Submit(1, 0).ok());
  EXPECT_EQ(listener_.resolved, std::vector<int64_t>{1});
  EXPECT_TRUE(listener_.lost.empty());
  // A real straggler is still caught: its deadline counts from its prompt, stalls excluded.
  ASSERT_TRUE(Submit(0, 0).ok());
  clock_.Advance(milliseconds(1000));
  EXPECT_EQ(listener_.missed, (std::vector<std::pair<int, int64_t>>{{1, 2}}));
  EXPECT_EQ(listener_.lost, std::vector<int>{1});
}

TEST_F(RoundLoopTest, ACatchingUpSeatHasNoDeadlineUntilItHasCaughtUp) {
  Make({.deadline = milliseconds(100), .evict_after = 1});
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  ASSERT_TRUE(Submit(0, 0).ok());
  loop_->SeatLeft(1);
  loop_->SeatJoined(1, /*catching_up=*/true);  // resumed; its history goes out first
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_TRUE(listener_.missed.empty());
  loop_->SeatCaughtUp(1);
  clock_.Advance(milliseconds(99));
  EXPECT_TRUE(listener_.missed.empty());
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(listener_.missed.size(), 1u);
}

TEST_F(RoundLoopTest, StopEndsAfterTheRoundOrAfterTheGrace) {
  Make({.deadline = std::chrono::seconds(3600), .stop_grace = milliseconds(2000)});
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  ASSERT_TRUE(Submit(0, 0).ok());
  ASSERT_TRUE(Submit(1, 0).ok());
  ASSERT_TRUE(Submit(0, 0).ok());
  loop_->Stop();  // round 2 is incomplete: it gets the grace, not the hour
  EXPECT_EQ(loop_->state(), GameState::kStopping);
  clock_.Advance(milliseconds(1999));
  EXPECT_EQ(loop_->state(), GameState::kStopping);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(loop_->state(), GameState::kStopped);
  EXPECT_EQ(listener_.ended, std::vector<GameState>{GameState::kStopped});
  EXPECT_EQ(loop_->rounds_played(), 1);
  EXPECT_TRUE(listener_.missed.empty());  // a stop's grace is not a deadline
}

TEST_F(RoundLoopTest, AStopWithTheRoundCompleteResolvesItFirst) {
  Make({});
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  ASSERT_TRUE(loop_->SubmitRemote(0, 1, Pure(0).action, nullptr).ok());
  ASSERT_TRUE(loop_->SubmitRemote(1, 1, Pure(0).action, nullptr).ok());
  loop_->Stop();
  loop_->Advance();
  EXPECT_EQ(loop_->state(), GameState::kStopped);
  EXPECT_EQ(loop_->rounds_played(), 1);
}

TEST_F(RoundLoopTest, TheHorizonCompletesAndDrainOrFailEndAtOnce) {
  Make({}, /*rounds=*/2);
  loop_->SeatJoined(0, false);
  loop_->SeatJoined(1, false);
  for (int t = 0; t < 2; ++t) {
    ASSERT_TRUE(Submit(0, 0).ok());
    ASSERT_TRUE(Submit(1, 1).ok());
  }
  EXPECT_EQ(loop_->state(), GameState::kCompleted);
  loop_->Drain();  // terminal already: nothing changes
  EXPECT_EQ(listener_.ended, std::vector<GameState>{GameState::kCompleted});
  Make({});
  loop_->SeatJoined(0, false);
  loop_->Drain();
  EXPECT_EQ(loop_->state(), GameState::kDrained);
  EXPECT_EQ(clock_.pending(), 0);
}

TEST_F(RoundLoopTest, ReplayRebuildsTheMatchAndChecksLocalSeatsDraws) {
  // Play 5 rounds live with a local Hedge seat, then replay them into a fresh loop: same payoffs.
  Make({}, /*rounds=*/10, /*local_second=*/true);
  loop_->SeatJoined(0, false);
  for (int t = 1; t <= 5; ++t) {
    ASSERT_TRUE(Submit(0, t % 2).ok());
  }
  const std::vector<double> live = seat0_->payoffs;
  ASSERT_EQ(live.size(), 5u);
  // The local learner's draws (what the journal holds), from a bare match of the same seed.
  Make({}, 10, true);
  std::vector<int> draws;
  {
    auto match = Match::Create(
        BattleOfTheSexes(),
        {.feedback = agents::FeedbackModel::kCounterfactual, .rounds = 10, .seed = 3});
    auto learner = agents::MakeLearner("hedge", {}, (*match)->ViewFor(1));
    LocalSeat local(*std::move(learner));
    for (int t = 1; t <= 5; ++t) {
      SeatPlay play;
      ASSERT_TRUE(local.BeginRound(t, &play));
      draws.push_back(play.action.index);
      (*match)->SubmitActionUnchecked(0, Pure(t % 2).action, nullptr);
      (*match)->SubmitActionUnchecked(1, play.action, play.strategy);
      std::vector<agents::Feedback> feedback;
      (*match)->Resolve(&feedback);
      local.EndRound(t, play, false, feedback[1]);
    }
  }
  for (int t = 1; t <= 5; ++t) {
    ASSERT_TRUE(loop_->ReplayRound({Pure(t % 2), Pure(draws[t - 1])}, {false, false}).ok());
  }
  EXPECT_EQ(seat0_->payoffs, live);
  EXPECT_EQ(loop_->rounds_played(), 5);
  EXPECT_TRUE(loop_->ever_started());
  // A journal whose local draw differs is refused.
  Make({}, 10, true);
  absl::Status st = loop_->ReplayRound({Pure(0), Pure(1 - draws[0])}, {false, false});
  EXPECT_THAT(st.message(), HasSubstr("draws another action than the journal holds"));
}

TEST_F(RoundLoopTest, ARecoveredGameWaitsForEveryAgentAndAcceptsEarlyActions) {
  Make({.deadline = milliseconds(100), .evict_after = 1});
  ASSERT_TRUE(loop_->ReplayRound({Pure(0), Pure(0)}, {false, false}).ok());
  EXPECT_EQ(loop_->state(), GameState::kWaiting);
  loop_->SeatJoined(0, false);
  // An agent back early acts for round 2 before the others: kept, no deadline runs yet.
  ASSERT_TRUE(loop_->SubmitRemote(0, 2, Pure(1).action, nullptr).ok());
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_TRUE(listener_.missed.empty());
  loop_->SeatJoined(1, false);
  EXPECT_EQ(loop_->state(), GameState::kRunning);
  EXPECT_EQ(listener_.running, std::vector<bool>{false});  // a continuation, not a first start
  ASSERT_TRUE(Submit(1, 1).ok());
  EXPECT_EQ(loop_->rounds_played(), 2);
}

TEST(RoundLoopOptions, ValidateNamesTheField) {
  EXPECT_THAT(RoundLoopOptions{.deadline = milliseconds(0)}.Validate().message(),
              HasSubstr("deadline"));
  EXPECT_THAT(RoundLoopOptions{.evict_after = 0}.Validate().message(), HasSubstr("evict_after"));
}

}  // namespace
}  // namespace nashnet::server

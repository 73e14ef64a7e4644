// Metric trackers against numbers worked out by hand (ALGORITHMS.md "Metrics"), through Match with
// scripted seats, so the wiring Match → MatchMetrics is covered too.
#include "server/match_metrics.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "games/normal_form_game.h"
#include "server/match.h"

namespace nashnet::server {
namespace {

// Battle of the sexes, rows = player 0, columns = player 1:
//   u0 = [[2, 0], [0, 1]],  u1 = [[1, 0], [0, 2]].
// Pure equilibria (0,0) and (1,1), both strict.
std::shared_ptr<const games::Game> BattleOfTheSexes() {
  games::NormalFormGameData data;
  data.title = "bos";
  data.num_actions = {2, 2};
  // Gambit order, player 0 fastest: (0,0), (1,0), (0,1), (1,1).
  data.payoffs = {{2, 0, 0, 1}, {1, 0, 0, 2}};
  auto game = games::NormalFormGame::Create(data);
  EXPECT_TRUE(game.ok()) << game.status();
  return *game;
}

agents::MixedStrategy Strategy(double p0) {
  agents::MixedStrategy s;
  s.probabilities = Eigen::Vector2d(p0, 1.0 - p0);
  return s;
}

agents::Action Play(int index) {
  agents::Action a;
  a.index = index;
  return a;
}

// One scripted round: player 0 plays `a0` from (p, 1-p), player 1 plays `a1` from (q, 1-q).
void PlayRound(Match* match, double p, int a0, double q, int a1) {
  const agents::MixedStrategy s0 = Strategy(p), s1 = Strategy(q);
  ASSERT_TRUE(match->SubmitAction(0, Play(a0), &s0).ok());
  ASSERT_TRUE(match->SubmitAction(1, Play(a1), &s1).ok());
  std::vector<agents::Feedback> feedback;
  match->Resolve(&feedback);
}

// The script, with p = x0[0] and q = x1[0]:
//   v0(x) = (2q, 1-q), v1(x) = (p, 2(1-p)); u0(x) = 2pq + (1-p)(1-q); u1(x) = pq + 2(1-p)(1-q).
// t=1: p=.5 q=.5 a=(0,1): v0=(1,.5) u0=.75; v1=(.5,1) u1=.75; gap .25+.25=.5
//      v0(a_-0)=(0,1) u0(a)=0;  v1(a_-1)=(1,0) u1(a)=0
// t=2: p=.8 q=.4 a=(0,0): v0=(.8,.6) u0=.76; v1=(.8,.4) u1=.56; gap .04+.24=.28
//      v0(a_-0)=(2,0) u0(a)=2;  v1(a_-1)=(1,0) u1(a)=1
// t=3: p=.9 q=.7 a=(1,0): v0=(1.4,.3) u0=1.29; v1=(.9,.2) u1=.69; gap .11+.21=.32
//      v0(a_-0)=(2,0) u0(a)=0;  v1(a_-1)=(0,2) u1(a)=0
std::unique_ptr<Match> ScriptedMatch() {
  MatchOptions options;
  options.rounds = 3;
  auto match = Match::Create(BattleOfTheSexes(), options);
  EXPECT_TRUE(match.ok()) << match.status();
  PlayRound(match->get(), 0.5, 0, 0.5, 1);
  PlayRound(match->get(), 0.8, 0, 0.4, 0);
  PlayRound(match->get(), 0.9, 1, 0.7, 0);
  return *std::move(match);
}

// Sums of a handful of exact decimals: 1e-12 covers their rounding.
constexpr double kTol = 1e-12;

TEST(MatchMetrics, RegretsOnA2x2GameMatchTheHandComputation) {
  const RoundMetrics m = ScriptedMatch()->Snapshot();
  ASSERT_EQ(m.round, 3);
  ASSERT_EQ(m.players.size(), 2u);
  // Pseudo: Σv0(x) = (3.2, 1.4), Σu0(x) = 2.8 → 0.4; Σv1(x) = (2.2, 1.6), Σu1(x) = 2.0 → 0.2.
  EXPECT_NEAR(m.players[0].regret, 0.4, kTol);
  EXPECT_NEAR(m.players[1].regret, 0.2, kTol);
  // Realized: Σv0(a_-0) = (4, 1), Σu0(a) = 2 → 2; Σv1(a_-1) = (2, 2), Σu1(a) = 1 → 1.
  EXPECT_NEAR(m.players[0].realized_regret, 2.0, kTol);
  EXPECT_NEAR(m.players[1].realized_regret, 1.0, kTol);
  // Dynamic: .25 + .04 + .11 = .40 and .25 + .24 + .21 = .70.
  EXPECT_NEAR(m.players[0].dynamic_regret, 0.40, kTol);
  EXPECT_NEAR(m.players[1].dynamic_regret, 0.70, kTol);
}

TEST(MatchMetrics, PayoffsAndNashGapsOnA2x2GameMatchTheHandComputation) {
  const RoundMetrics m = ScriptedMatch()->Snapshot();
  EXPECT_NEAR(m.players[0].payoff, 1.29, kTol);
  EXPECT_NEAR(m.players[1].payoff, 0.69, kTol);
  EXPECT_NEAR(m.players[0].average_payoff, 2.8 / 3, kTol);
  EXPECT_NEAR(m.players[1].average_payoff, 2.0 / 3, kTol);
  EXPECT_NEAR(m.nash_gap, 0.32, kTol);
  // Empirical play x̄0 = (2.2/3, .8/3), x̄1 = (1.6/3, 1.4/3), i.e. p̄ = 11/15, q̄ = 8/15:
  // gap0 = (1-p̄)(3q̄-1) = (4/15)(9/15) = 0.16, gap1 = (1-q̄)(3p̄-2) = (7/15)(3/15) = 7/75.
  EXPECT_NEAR(m.empirical_nash_gap, 0.16 + 7.0 / 75.0, kTol);
  EXPECT_EQ(m.players[0].strategy, Strategy(0.9).probabilities);
  EXPECT_EQ(m.players[1].strategy, Strategy(0.7).probabilities);
}

TEST(MatchMetrics, DistanceIsToTheNearestPureEquilibrium) {
  const RoundMetrics m = ScriptedMatch()->Snapshot();
  // x(3) = ((.9,.1), (.7,.3)): to (0,0) 2·.1 + 2·.3 = .8; to (1,1) 2·.9 + 2·.7 = 3.2.
  EXPECT_NEAR(m.equilibrium_distance, 0.8, kTol);
  EXPECT_NEAR(m.players[0].equilibrium_distance, 0.1, kTol);
  EXPECT_NEAR(m.players[1].equilibrium_distance, 0.3, kTol);
}

TEST(MatchMetrics, EarlierRoundsAreCumulativeToo) {
  MatchOptions options;
  options.rounds = 3;
  auto match = Match::Create(BattleOfTheSexes(), options);
  ASSERT_TRUE(match.ok());
  EXPECT_EQ((*match)->Snapshot().round, 0);
  EXPECT_TRUE(std::isnan((*match)->Snapshot().nash_gap));
  PlayRound(match->get(), 0.5, 0, 0.5, 1);
  const RoundMetrics m = (*match)->Snapshot();
  EXPECT_EQ(m.round, 1);
  EXPECT_NEAR(m.players[0].regret, 0.25, kTol);          // max(1, .5) − .75
  EXPECT_NEAR(m.players[0].realized_regret, 1.0, kTol);  // max(0, 1) − 0
  EXPECT_NEAR(m.nash_gap, 0.5, kTol);
  EXPECT_NEAR(m.empirical_nash_gap, 0.5, kTol);  // x̄ = x(1)
}

TEST(MatchMetrics, WithoutReportedStrategiesThePlayedActionsStandForThem) {
  // Bandit feedback accepts bare actions: x_i(t) is then the one-hot of a_i(t), so pseudo and
  // realized regret coincide. Script: a = (0,1), (0,0), (1,0) as above.
  MatchOptions options;
  options.rounds = 3;
  options.feedback = agents::FeedbackModel::kBandit;
  auto match = Match::Create(BattleOfTheSexes(), options);
  ASSERT_TRUE(match.ok());
  std::vector<agents::Feedback> feedback;
  for (auto [a0, a1] : {std::pair{0, 1}, std::pair{0, 0}, std::pair{1, 0}}) {
    ASSERT_TRUE((*match)->SubmitAction(0, Play(a0), nullptr).ok());
    ASSERT_TRUE((*match)->SubmitAction(1, Play(a1), nullptr).ok());
    (*match)->Resolve(&feedback);
  }
  const RoundMetrics m = (*match)->Snapshot();
  EXPECT_NEAR(m.players[0].regret, 2.0, kTol);
  EXPECT_NEAR(m.players[1].regret, 1.0, kTol);
  EXPECT_NEAR(m.players[0].realized_regret, 2.0, kTol);
  // Last profile (1,0) is not an equilibrium; both pure equilibria are at L1 distance 2.
  EXPECT_NEAR(m.equilibrium_distance, 2.0, kTol);
  EXPECT_NEAR(m.nash_gap, 2.0 + 2.0, kTol);  // u0: 2 − 0, u1: 2 − 0
}

}  // namespace
}  // namespace nashnet::server

// Match on continuous action sets: checks on points and cell distributions, payoff-function
// feedback, and the grid metrics (static/dynamic regret, Nash gap, distance, variation).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include "games/continuous_game.h"
#include "server/match.h"

namespace nashnet::server {
namespace {

using ::testing::HasSubstr;

// One player on K = [0, 1]: u_t(z) = 1 − (z − c_t)², with c_t = 0.25 for odd t and, when
// `drifting`, c_t = 0.75 for even t. The equilibrium (best point) of the static game is 0.25.
class Parabola final : public games::ContinuousGame {
 public:
  explicit Parabola(bool drifting) : ContinuousGame("parabola"), drifting_(drifting) {}
  int num_players() const override { return 1; }
  games::PayoffRange payoff_range() const override { return {0.0, 1.0}; }
  games::Box action_box(int) const override {
    return {Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1)};
  }
  double Centre(int64_t t) const { return drifting_ && t % 2 == 0 ? 0.75 : 0.25; }
  void Payoffs(int64_t t, const games::PointProfile& z, Eigen::VectorXd* u) const override {
    u->resize(1);
    (*u)[0] = 1.0 - std::pow(z[0][0] - Centre(t), 2);
  }
  void PayoffsAgainst(int, int64_t t, const games::PointProfile&, const Eigen::MatrixXd& points,
                      Eigen::VectorXd* u) const override {
    *u = (1.0 - (points.row(0).array() - Centre(t)).square()).matrix().transpose();
  }
  std::optional<games::PointProfile> equilibrium() const override {
    if (drifting_) return std::nullopt;
    return games::PointProfile{Eigen::VectorXd::Constant(1, 0.25)};
  }
  bool time_varying() const override { return drifting_; }

 private:
  bool drifting_;
};

agents::Action At(double z) {
  agents::Action a;
  a.point = Eigen::VectorXd::Constant(1, z);
  return a;
}

std::unique_ptr<Match> MakeMatch(bool drifting, int64_t rounds,
                                 agents::FeedbackModel model = agents::FeedbackModel::kFull) {
  MatchOptions options;
  options.rounds = rounds;
  options.feedback = model;
  auto match = Match::Create(std::make_shared<Parabola>(drifting), options);
  EXPECT_TRUE(match.ok()) << match.status();
  return *std::move(match);
}

TEST(ContinuousMatch, SubmitActionRejectsBadPoints) {
  auto match = MakeMatch(false, 3);
  agents::Action two_d;
  two_d.point = Eigen::Vector2d(0.5, 0.5);
  EXPECT_THAT(match->SubmitAction(0, two_d, nullptr).message(),
              HasSubstr("player 0: point has dimension 2, expected 1"));
  EXPECT_THAT(match->SubmitAction(0, At(NAN), nullptr).message(), HasSubstr("not finite"));
  EXPECT_THAT(match->SubmitAction(0, At(1.5), nullptr).message(),
              HasSubstr("player 0: point (1.5) outside the box [(0), (1)]"));
  agents::MixedStrategy cells;
  cells.probabilities = Eigen::Vector2d(0.5, 0.6);
  cells.cell_lower = Eigen::RowVector2d(0.0, 0.5);
  cells.cell_upper = Eigen::RowVector2d(0.5, 1.0);
  EXPECT_THAT(match->SubmitAction(0, At(0.3), &cells).message(), HasSubstr("sums to 1.1"));
  cells.probabilities = Eigen::Vector2d(0.5, 0.5);
  cells.cell_upper = Eigen::RowVector2d(0.5, 1.5);
  EXPECT_THAT(match->SubmitAction(0, At(0.3), &cells).message(),
              HasSubstr("cell 1 is not a box inside the action set"));
  cells.cell_upper = Eigen::RowVector2d(0.5, 1.0);
  EXPECT_FALSE(match->all_submitted());
  EXPECT_TRUE(match->SubmitAction(0, At(0.3), &cells).ok());
}

TEST(ContinuousMatch, FullFeedbackIsThePayoffFunctionOfTheRound) {
  auto match = MakeMatch(true, 2);
  std::vector<agents::Feedback> feedback;
  ASSERT_TRUE(match->SubmitAction(0, At(0.5), nullptr).ok());
  match->Resolve(&feedback);
  EXPECT_DOUBLE_EQ(feedback[0].payoff, 1.0 - 0.0625);  // u_1(0.5), c_1 = 0.25
  ASSERT_TRUE(static_cast<bool>(feedback[0].payoff_function));
  EXPECT_DOUBLE_EQ(feedback[0].payoff_function(Eigen::VectorXd::Constant(1, 0.25)), 1.0);
  ASSERT_TRUE(match->SubmitAction(0, At(0.5), nullptr).ok());
  match->Resolve(&feedback);
  EXPECT_DOUBLE_EQ(feedback[0].payoff_function(Eigen::VectorXd::Constant(1, 0.75)), 1.0);

  auto bandit = MakeMatch(true, 1, agents::FeedbackModel::kBandit);
  ASSERT_TRUE(bandit->SubmitAction(0, At(0.5), nullptr).ok());
  bandit->Resolve(&feedback);
  EXPECT_FALSE(static_cast<bool>(feedback[0].payoff_function));
}

TEST(ContinuousMatch, GridMetricsOfAFixedPointOnAStaticGame) {
  // Always z = 0.75: u = 0.75 per round. The grid (512 points, k/511) nearest 0.25 is 128/511,
  // u = 1 − (128/511 − 1/4)² = 1 − 3.83e-6 at best; regret = T·(best − 0.75).
  auto match = MakeMatch(false, 4);
  std::vector<agents::Feedback> feedback;
  for (int t = 0; t < 4; ++t) {
    ASSERT_TRUE(match->SubmitAction(0, At(0.75), nullptr).ok());
    match->Resolve(&feedback);
  }
  const double best = 1.0 - std::pow(128.0 / 511.0 - 0.25, 2);
  const RoundMetrics m = match->Snapshot();
  EXPECT_NEAR(m.players[0].regret, 4 * (best - 0.75), 1e-12);
  EXPECT_NEAR(m.players[0].realized_regret, 4 * (best - 0.75), 1e-12);
  EXPECT_NEAR(m.players[0].dynamic_regret, 4 * (best - 0.75), 1e-12);
  EXPECT_NEAR(m.players[0].payoff, 0.75, 1e-15);
  EXPECT_NEAR(m.nash_gap, best - 0.75, 1e-12);
  EXPECT_NEAR(m.equilibrium_distance, 0.5, 1e-15);
  EXPECT_NEAR(m.players[0].equilibrium_distance, 0.5, 1e-15);
  EXPECT_EQ(m.players[0].point, Eigen::VectorXd::Constant(1, 0.75));
  EXPECT_TRUE(std::isnan(m.variation));  // not a time-varying game
}

TEST(ContinuousMatch, ReportedCellsGiveTheExpectedPayoff) {
  // u(z) = 1 − (z − 1/4)². Cells [0, .5] and [.5, 1] with mass 1/2 each, uniform inside: their
  // average payoffs are 1 − 1/48 and 1 − 13/48, so u(x) = 41/48 exactly. The metric averages each
  // cell by the midpoint rule on 8 sub-cells (h = 1/16), which over-reads a concave quadratic by
  // exactly h²·|u''|/24 = 1/3072 — the cell centres alone would give .875. The played point .75
  // earns .75: pseudo- and realized regret differ.
  auto match = MakeMatch(false, 1);
  agents::MixedStrategy cells;
  cells.probabilities = Eigen::Vector2d(0.5, 0.5);
  cells.cell_lower = Eigen::RowVector2d(0.0, 0.5);
  cells.cell_upper = Eigen::RowVector2d(0.5, 1.0);
  ASSERT_TRUE(match->SubmitAction(0, At(0.75), &cells).ok());
  std::vector<agents::Feedback> feedback;
  match->Resolve(&feedback);
  const double best = 1.0 - std::pow(128.0 / 511.0 - 0.25, 2);
  const RoundMetrics m = match->Snapshot();
  const double expected = 41.0 / 48.0 + 1.0 / 3072.0;
  EXPECT_NEAR(m.players[0].payoff, expected, 1e-15);
  EXPECT_NEAR(m.players[0].regret, best - expected, 1e-12);
  EXPECT_NEAR(m.players[0].realized_regret, best - 0.75, 1e-12);
}

TEST(ContinuousMatch, VariationSumsTheSupNormOfPayoffChanges) {
  // c alternates .25, .75: |u_{t+1}(z) − u_t(z)| = |z − 1/2|·1, sup on [0, 1] = 1/2 (the grid
  // contains both ends), so V_4 = 3 · 1/2. The best fixed point earns less than the per-round
  // best: dynamic regret ≥ static regret.
  auto match = MakeMatch(true, 4);
  std::vector<agents::Feedback> feedback;
  for (int t = 0; t < 4; ++t) {
    ASSERT_TRUE(match->SubmitAction(0, At(0.5), nullptr).ok());
    match->Resolve(&feedback);
  }
  const RoundMetrics m = match->Snapshot();
  EXPECT_NEAR(m.variation, 1.5, 1e-12);
  EXPECT_TRUE(std::isnan(m.equilibrium_distance));
  // u(.5) = 1 − 1/16 every round; the grid best each round misses c_t by 0.25/511 (127.75 and
  // 383.25 are not grid indices), so dynamic regret = 4·(1/16 − (0.25/511)²).
  EXPECT_NEAR(m.players[0].dynamic_regret, 4 * (0.0625 - std::pow(0.25 / 511, 2)), 1e-12);
  // The best fixed point is z = 1/2 (Σ_t u_t(z) = 4 − 1/4 − 4(z − 1/2)²), which is exactly what
  // was played; the grid misses it by 0.5/511, so static regret = −4·(0.5/511)² ≈ −3.8e-6.
  EXPECT_NEAR(m.players[0].regret, -4 * std::pow(0.5 / 511, 2), 1e-12);
  EXPECT_GT(m.players[0].dynamic_regret, m.players[0].regret);
}

}  // namespace
}  // namespace nashnet::server

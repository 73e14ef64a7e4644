// Equilibrium tools: best responses, pure-equilibrium enumeration (strictness and payoff gap Δ),
// Nash gap and the L1 distance to a pure profile, checked against hand computations and against
// a brute-force reading of the definitions.
#include "games/equilibrium.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/rng.h"
#include "games/normal_form_game.h"

namespace nashnet::games {
namespace {

using ::Eigen::VectorXd;

std::shared_ptr<const NormalFormGame> Game(std::vector<int> counts,
                                           std::vector<std::vector<double>> payoffs) {
  auto game = NormalFormGame::Create({.num_actions = counts, .payoffs = payoffs});
  EXPECT_TRUE(game.ok()) << game.status();
  return *game;
}

// Hides the NormalFormGame type, so PureEquilibria takes its generic (payoff-vector) path.
class OpaqueGame final : public FiniteGame {
 public:
  explicit OpaqueGame(std::shared_ptr<const NormalFormGame> game)
      : FiniteGame("opaque"), game_(std::move(game)) {}
  int num_players() const override { return game_->num_players(); }
  PayoffRange payoff_range() const override { return game_->payoff_range(); }
  int num_actions(int player) const override { return game_->num_actions(player); }
  double PurePayoff(int player, std::span<const int> profile) const override {
    return game_->PurePayoff(player, profile);
  }
  void MixedPayoffVectors(const MixedProfile& x, std::vector<VectorXd>* v) const override {
    game_->MixedPayoffVectors(x, v);
  }
  void PurePayoffVectors(std::span<const int> profile, std::vector<VectorXd>* v) const override {
    game_->PurePayoffVectors(profile, v);
  }

 private:
  std::shared_ptr<const NormalFormGame> game_;
};

// The definitions, read literally: a* is a NE iff no u_i(b; a*_-i) exceeds u_i(a*); strict iff all
// are below; Δ the smallest loss.
std::vector<PureEquilibrium> BruteForcePureEquilibria(const NormalFormGame& game) {
  std::vector<PureEquilibrium> out;
  for (int64_t k = 0; k < game.num_profiles(); ++k) {
    const PureProfile a = game.ProfileAt(k);
    bool nash = true, strict = true;
    double gap = std::numeric_limits<double>::infinity();
    for (int i = 0; i < game.num_players(); ++i) {
      for (int b = 0; b < game.num_actions(i); ++b) {
        if (b == a[i]) continue;
        PureProfile d = a;
        d[i] = b;
        const double loss = game.PurePayoff(i, a) - game.PurePayoff(i, d);
        nash = nash && loss >= 0;
        strict = strict && loss > 0;
        gap = std::min(gap, loss);
      }
    }
    if (nash) out.push_back({.profile = a, .strict = strict, .gap = strict ? gap : 0.0});
  }
  return out;
}

void ExpectSameEquilibria(const std::vector<PureEquilibrium>& actual,
                          const std::vector<PureEquilibrium>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t e = 0; e < actual.size(); ++e) {
    EXPECT_EQ(actual[e].profile, expected[e].profile);
    EXPECT_EQ(actual[e].strict, expected[e].strict);
    EXPECT_EQ(actual[e].gap, expected[e].gap);
  }
}

TEST(BestResponses, ReturnsEveryMaximiserWithinTolerance) {
  const VectorXd v{{1.0, 3.0, 2.999, 3.0, -5.0}};
  EXPECT_EQ(BestResponses(v), (std::vector<int>{1, 3}));
  EXPECT_EQ(BestResponses(v, 0.01), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(BestResponses(VectorXd{{-2.0}}), (std::vector<int>{0}));
  EXPECT_TRUE(BestResponses(VectorXd()).empty());
}

TEST(PureEquilibria, PrisonersDilemmaHasOnlyMutualDefectionWithGapOne) {
  auto pd = Game({2, 2}, {{3, 5, 0, 1}, {3, 0, 5, 1}});
  auto eqs = PureEquilibria(*pd);
  ASSERT_TRUE(eqs.ok());
  ASSERT_EQ(eqs->size(), 1u);
  EXPECT_EQ((*eqs)[0].profile, (PureProfile{1, 1}));
  EXPECT_TRUE((*eqs)[0].strict);
  EXPECT_EQ((*eqs)[0].gap, 1.0);  // each player loses 1 − 0 by cooperating
}

TEST(PureEquilibria, McKelveyGameHasFourStrictEquilibriaWithHandComputedGaps) {
  // (1,1,1): deviations give (0,0,0) against (9,8,12): Δ = 8. (2,2,1): losses 9, 8, 2: Δ = 2.
  // (2,1,2) and (1,2,2): losses 3, 4, 6: Δ = 3. Listed in Gambit order (player 1 fastest).
  auto game = Game({2, 2, 2},
                   {{9, 0, 0, 9, 0, 3, 3, 0}, {8, 0, 0, 8, 0, 4, 4, 0}, {12, 0, 0, 2, 0, 6, 6, 0}});
  auto eqs = PureEquilibria(*game);
  ASSERT_TRUE(eqs.ok());
  ExpectSameEquilibria(*eqs, {{{0, 0, 0}, true, 8.0},
                              {{1, 1, 0}, true, 2.0},
                              {{1, 0, 1}, true, 3.0},
                              {{0, 1, 1}, true, 3.0}});
}

TEST(PureEquilibria, WeakEquilibriaAreNotStrictAndHaveGapZero) {
  // u(1,1) = (2,2), u(2,1) = (2,1), u(1,2) = (1,1), u(2,2) = (0,0): player 1 is indifferent
  // between its strategies against player 2's first, so (1,1) and (2,1) are weak equilibria.
  auto game = Game({2, 2}, {{2, 2, 1, 0}, {2, 1, 1, 0}});
  auto eqs = PureEquilibria(*game);
  ASSERT_TRUE(eqs.ok());
  ExpectSameEquilibria(*eqs, {{{0, 0}, false, 0.0}, {{1, 0}, false, 0.0}});
}

TEST(PureEquilibria, PlayersWithOneActionImposeNoConstraint) {
  auto game = Game({2, 1}, {{1, 3}, {7, 7}});
  auto eqs = PureEquilibria(*game);
  ASSERT_TRUE(eqs.ok());
  ExpectSameEquilibria(*eqs, {{{1, 0}, true, 2.0}});

  auto trivial = Game({1, 1}, {{0}, {5}});
  eqs = PureEquilibria(*trivial);
  ASSERT_TRUE(eqs.ok());
  ASSERT_EQ(eqs->size(), 1u);
  EXPECT_TRUE((*eqs)[0].strict);
  EXPECT_EQ((*eqs)[0].gap, std::numeric_limits<double>::infinity());  // nobody can deviate
}

TEST(PureEquilibria, FailsWithResourceExhaustedAboveTheProfileLimit) {
  auto game = Game({2, 3}, {{0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}});
  EXPECT_TRUE(PureEquilibria(*game, 6).ok());
  auto eqs = PureEquilibria(*game, 5);
  ASSERT_FALSE(eqs.ok());
  EXPECT_EQ(eqs.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(PureEquilibria, TensorAndGenericPathsAgreeWithTheDefinitionOnGamesWithTies) {
  // Payoffs in {0, 1, 2}: many ties, hence weak and strict equilibria side by side.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    const std::vector<int> counts = {3, 2, 3};
    std::vector<std::vector<double>> payoffs(3, std::vector<double>(18));
    for (auto& p : payoffs) {
      for (double& u : p) u = static_cast<double>(rng.UniformInt(3));
    }
    auto game = Game(counts, payoffs);
    const std::vector<PureEquilibrium> expected = BruteForcePureEquilibria(*game);
    auto fast = PureEquilibria(*game);
    auto generic = PureEquilibria(OpaqueGame(game));
    ASSERT_TRUE(fast.ok());
    ASSERT_TRUE(generic.ok());
    ExpectSameEquilibria(*fast, expected);
    ExpectSameEquilibria(*generic, expected);
  }
}

TEST(NashGap, MatchesHandComputationAtAMixedProfile) {
  auto pd = Game({2, 2}, {{3, 5, 0, 1}, {3, 0, 5, 1}});
  const MixedProfile x = {VectorXd{{0.25, 0.75}}, VectorXd{{0.625, 0.375}}};
  // v0 = (1.875, 3.5), <v0, x0> = 3.09375: gap 0.40625. v1 = (0.75, 2), <v1, x1> = 1.21875: gap
  // 0.78125. All dyadic, hence exact.
  EXPECT_EQ(NashGap(*pd, x), 0.40625 + 0.78125);
  std::vector<VectorXd> v;
  pd->MixedPayoffVectors(x, &v);
  EXPECT_EQ(NashGapFromPayoffVectors(x, v), 1.1875);
}

TEST(NashGap, IsZeroAtEquilibriaAndPositiveElsewhere) {
  auto pennies = Game({2, 2}, {{1, -1, -1, 1}, {-1, 1, 1, -1}});
  EXPECT_EQ(NashGap(*pennies, {VectorXd{{0.5, 0.5}}, VectorXd{{0.5, 0.5}}}), 0.0);
  // x1 = (0.75, 0.25) against uniform: player 2's best reply earns 0.5 more; player 1 still gets 0.
  EXPECT_EQ(NashGap(*pennies, {VectorXd{{0.75, 0.25}}, VectorXd{{0.5, 0.5}}}), 0.5);
  auto pd = Game({2, 2}, {{3, 5, 0, 1}, {3, 0, 5, 1}});
  EXPECT_EQ(NashGap(*pd, {VectorXd{{0.0, 1.0}}, VectorXd{{0.0, 1.0}}}), 0.0);
  // Mutual cooperation: each player forgoes 5 − 3.
  EXPECT_EQ(NashGap(*pd, {VectorXd{{1.0, 0.0}}, VectorXd{{1.0, 0.0}}}), 4.0);
}

TEST(L1DistanceToPure, IsTwiceTheMassOffTheProfile) {
  const MixedProfile x = {VectorXd{{0.5, 0.25, 0.25}}, VectorXd{{0.5, 0.5}}};
  EXPECT_EQ(L1DistanceToPure(x, std::vector<int>{0, 1}), 2 * 0.5 + 2 * 0.5);
  EXPECT_EQ(L1DistanceToPure(x, std::vector<int>{1, 0}), 2 * 0.75 + 2 * 0.5);
  // Close to a*: the distance keeps full relative precision far below 1e-16 (1 − x would be 0).
  const MixedProfile near = {VectorXd{{1.0, 1e-30}}, VectorXd{{3e-40, 1.0}}};
  EXPECT_DOUBLE_EQ(L1DistanceToPure(near, std::vector<int>{0, 1}), 2e-30 + 6e-40);
  EXPECT_EQ(L1DistanceToPure({VectorXd{{1.0, 0.0}}}, std::vector<int>{0}), 0.0);
}

}  // namespace
}  // namespace nashnet::games

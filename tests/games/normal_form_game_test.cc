// NormalFormGame: construction checks, Gambit profile order, and the payoff-vector kernels checked
// against hand computations and a brute-force sum over profiles.
#include "games/normal_form_game.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/rng.h"

namespace nashnet::games {
namespace {

using ::Eigen::VectorXd;

// The prisoner's dilemma of the header: u(C,C) = (3,3), u(D,C) = (5,0), u(C,D) = (0,5),
// u(D,D) = (1,1), Gambit order (player 1 fastest).
std::shared_ptr<const NormalFormGame> PrisonersDilemma() {
  return *NormalFormGame::Create(
      {.title = "PD", .num_actions = {2, 2}, .payoffs = {{3, 5, 0, 1}, {3, 0, 5, 1}}});
}

// McKelvey-McLennan's 2x2x2 game (Gambit's 2x2x2.nfg): profiles in Gambit order.
std::shared_ptr<const NormalFormGame> McKelvey2x2x2() {
  return *NormalFormGame::Create(
      {.num_actions = {2, 2, 2},
       .payoffs = {{9, 0, 0, 9, 0, 3, 3, 0}, {8, 0, 0, 8, 0, 4, 4, 0}, {12, 0, 0, 2, 0, 6, 6, 0}}});
}

// A game with payoffs drawn uniformly from [-1, 1) by a fixed seed.
std::shared_ptr<const NormalFormGame> RandomGame(std::vector<int> counts, uint64_t seed) {
  Rng rng(seed);
  int64_t profiles = 1;
  for (int n : counts) profiles *= n;
  std::vector<std::vector<double>> payoffs(counts.size(), std::vector<double>(profiles));
  for (auto& p : payoffs) {
    for (double& u : p) u = rng.Uniform(-1.0, 1.0);
  }
  return *NormalFormGame::Create({.num_actions = counts, .payoffs = payoffs});
}

MixedProfile RandomProfile(const FiniteGame& game, uint64_t seed) {
  Rng rng(seed);
  MixedProfile x(game.num_players());
  for (int i = 0; i < game.num_players(); ++i) {
    x[i].resize(game.num_actions(i));
    for (auto& p : x[i]) p = rng.Uniform() + 0.01;
    x[i] /= x[i].sum();
  }
  return x;
}

// v_i(x)_a = Σ_{profiles with a_i = a} u_i(profile) Π_{j≠i} x_j(a_j), straight from the definition.
std::vector<VectorXd> BruteForceMixedPayoffVectors(const NormalFormGame& game,
                                                   const MixedProfile& x) {
  const int n = game.num_players();
  std::vector<VectorXd> v(n);
  for (int i = 0; i < n; ++i) v[i] = VectorXd::Zero(game.num_actions(i));
  for (int64_t k = 0; k < game.num_profiles(); ++k) {
    const PureProfile a = game.ProfileAt(k);
    for (int i = 0; i < n; ++i) {
      double weight = 1.0;
      for (int j = 0; j < n; ++j) {
        if (j != i) weight *= x[j][a[j]];
      }
      v[i][a[i]] += weight * game.PurePayoff(i, a);
    }
  }
  return v;
}

TEST(NormalFormGame, HeaderExampleReadsPayoffsInGambitOrder) {
  auto game = PrisonersDilemma();
  EXPECT_EQ(game->num_players(), 2);
  EXPECT_EQ(game->num_profiles(), 4);
  EXPECT_EQ(game->PurePayoff(0, std::vector<int>{1, 0}), 5);
  EXPECT_EQ(game->PurePayoff(1, std::vector<int>{1, 0}), 0);
  EXPECT_EQ(game->PurePayoff(0, std::vector<int>{0, 1}), 0);
  EXPECT_EQ(game->PurePayoff(1, std::vector<int>{0, 1}), 5);
  EXPECT_EQ(game->name(), "PD");
}

TEST(NormalFormGame, ProfileIndexIsPlayerOneFastestAndInvertible) {
  auto game = RandomGame({3, 4, 2}, 1);
  EXPECT_EQ(game->ProfileIndex(std::vector<int>{1, 0, 0}), 1);
  EXPECT_EQ(game->ProfileIndex(std::vector<int>{0, 1, 0}), 3);
  EXPECT_EQ(game->ProfileIndex(std::vector<int>{0, 0, 1}), 12);
  EXPECT_EQ(game->ProfileIndex(std::vector<int>{2, 3, 1}), 23);
  for (int64_t k = 0; k < game->num_profiles(); ++k) {
    EXPECT_EQ(game->ProfileIndex(game->ProfileAt(k)), k);
  }
  EXPECT_EQ(game->ProfileAt(17), (PureProfile{2, 1, 1}));
}

TEST(NormalFormGame, CreateFillsDefaultLabelsAndPayoffRange) {
  auto game = McKelvey2x2x2();
  EXPECT_EQ(game->data().player_names,
            (std::vector<std::string>{"Player 1", "Player 2", "Player 3"}));
  EXPECT_EQ(game->data().strategy_names[2], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(game->name(), "normal_form(2x2x2)");  // no title: a descriptive name
  EXPECT_EQ(game->payoff_range().min, 0.0);
  EXPECT_EQ(game->payoff_range().max, 12.0);
  EXPECT_EQ(game->payoffs(2)[3], 2.0);
}

TEST(NormalFormGame, CreateRejectsMalformedDataNamingTheField) {
  const double nan = std::nan("");
  struct Case {
    NormalFormGameData data;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{.num_actions = {}}, "num_actions"},
      {{.num_actions = {2, 0}, .payoffs = {{}, {}}}, "num_actions[1]"},
      {{.num_actions = {1 << 30, 1 << 30, 1 << 30}}, "overflows"},
      {{.player_names = {"a"}, .num_actions = {1, 1}, .payoffs = {{0}, {0}}}, "player_names"},
      {{.num_actions = {1, 1}, .strategy_names = {{"a"}}, .payoffs = {{0}, {0}}}, "strategy_names"},
      {{.num_actions = {2, 1}, .strategy_names = {{"a"}, {"b"}}, .payoffs = {{0, 0}, {0, 0}}},
       "strategy_names[0]"},
      {{.num_actions = {2, 1}, .payoffs = {{0, 0}}}, "payoffs has 1"},
      {{.num_actions = {2, 1}, .payoffs = {{0, 0}, {0}}}, "payoffs[1]"},
      {{.num_actions = {2, 1}, .payoffs = {{0, 0}, {0, nan}}}, "payoffs[1][1]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    auto game = NormalFormGame::Create(c.data);
    ASSERT_FALSE(game.ok());
    EXPECT_EQ(game.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(game.status().message().find(c.field), absl::string_view::npos)
        << game.status().message();
  }
}

TEST(NormalFormGame, MixedPayoffVectorsOfTwoPlayersMatchHandComputation) {
  auto game = PrisonersDilemma();
  const MixedProfile x = {VectorXd{{0.25, 0.75}}, VectorXd{{0.625, 0.375}}};
  std::vector<VectorXd> v;
  game->MixedPayoffVectors(x, &v);
  ASSERT_EQ(v.size(), 2u);
  // v0 = (3·0.625 + 0·0.375, 5·0.625 + 1·0.375); v1 = (3·0.25 + 0·0.75, 5·0.25 + 1·0.75).
  // Every term is a dyadic rational, so the results are exact.
  EXPECT_EQ(v[0], (VectorXd{{1.875, 3.5}}));
  EXPECT_EQ(v[1], (VectorXd{{0.75, 2.0}}));
}

TEST(NormalFormGame, MixedPayoffVectorsOfThreePlayersMatchHandComputation) {
  auto game = McKelvey2x2x2();
  const MixedProfile x = {VectorXd{{0.5, 0.5}}, VectorXd{{0.25, 0.75}}, VectorXd{{0.125, 0.875}}};
  std::vector<VectorXd> v;
  game->MixedPayoffVectors(x, &v);
  ASSERT_EQ(v.size(), 3u);
  // v0(1) = 9·x1(1)x2(1) + 3·x1(2)x2(2); v0(2) = 9·x1(2)x2(1) + 3·x1(1)x2(2); and so on. Dyadic:
  // exact.
  EXPECT_EQ(v[0],
            (VectorXd{{9 * 0.25 * 0.125 + 3 * 0.75 * 0.875, 9 * 0.75 * 0.125 + 3 * 0.25 * 0.875}}));
  EXPECT_EQ(v[1],
            (VectorXd{{8 * 0.5 * 0.125 + 4 * 0.5 * 0.875, 8 * 0.5 * 0.125 + 4 * 0.5 * 0.875}}));
  EXPECT_EQ(v[2], (VectorXd{{12 * 0.5 * 0.25 + 2 * 0.5 * 0.75, 6 * 0.5 * 0.25 + 6 * 0.5 * 0.75}}));
  EXPECT_EQ(v[0][0], 2.25);
  EXPECT_EQ(v[2][1], 3.0);
}

TEST(NormalFormGame, MixedPayoffVectorsMatchBruteForceOnRandomGames) {
  // 2 players (the mat-vec path), 3 and 4 players (the contraction path), including a player with a
  // single action and a 1-player game. The sums have at most 48 terms of size <= 1, so 1e-13 is
  // ~500 ulps of slack for differences in summation order.
  const std::vector<std::vector<int>> shapes = {{5, 3},       {1, 4}, {3, 4, 2},
                                                {2, 3, 1, 4}, {6},    {2, 2, 2, 2, 2}};
  for (size_t s = 0; s < shapes.size(); ++s) {
    SCOPED_TRACE(testing::Message() << "shape #" << s);
    auto game = RandomGame(shapes[s], 100 + s);
    const MixedProfile x = RandomProfile(*game, 200 + s);
    std::vector<VectorXd> v;
    game->MixedPayoffVectors(x, &v);
    const std::vector<VectorXd> expected = BruteForceMixedPayoffVectors(*game, x);
    ASSERT_EQ(v.size(), expected.size());
    for (size_t i = 0; i < v.size(); ++i) {
      ASSERT_EQ(v[i].size(), expected[i].size());
      for (Eigen::Index a = 0; a < v[i].size(); ++a) EXPECT_NEAR(v[i][a], expected[i][a], 1e-13);
    }
    // A second call reusing (and a call with a wrongly sized) output gives the same numbers.
    std::vector<VectorXd> again = {VectorXd::Zero(7)};
    game->MixedPayoffVectors(x, &again);
    game->MixedPayoffVectors(x, &again);
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(again[i], v[i]);
  }
}

TEST(NormalFormGame, PurePayoffVectorsGatherEachPlayersDeviations) {
  auto game = McKelvey2x2x2();
  const std::vector<int> profile = {1, 0, 1};
  std::vector<VectorXd> v;
  game->PurePayoffVectors(profile, &v);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], (VectorXd{{0, 3}}));  // u_1(·, 1, 2): profiles (1,1,2) and (2,1,2)
  EXPECT_EQ(v[1], (VectorXd{{4, 0}}));  // u_2(2, ·, 2)
  EXPECT_EQ(v[2], (VectorXd{{0, 6}}));  // u_3(2, 1, ·)
}

TEST(NormalFormGame, PurePayoffVectorsEqualMixedPayoffVectorsAtPureProfiles) {
  auto game = RandomGame({3, 4, 2}, 7);
  std::vector<VectorXd> pure, mixed;
  for (int64_t k = 0; k < game->num_profiles(); ++k) {
    const PureProfile a = game->ProfileAt(k);
    MixedProfile x(3);
    for (int i = 0; i < 3; ++i) x[i] = VectorXd::Unit(game->num_actions(i), a[i]);
    game->PurePayoffVectors(a, &pure);
    game->MixedPayoffVectors(x, &mixed);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(pure[i], mixed[i]) << "profile " << k << " player " << i;
      EXPECT_EQ(pure[i][a[i]], game->PurePayoff(i, a));
    }
  }
}

}  // namespace
}  // namespace nashnet::games

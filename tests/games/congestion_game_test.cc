// CongestionGame: payoffs from loads, exact mixed payoff vectors from cumulants (checked against
// brute-force enumeration), and the equilibrium structure of Pigou's and Braess's networks.
#include "games/catalogue/congestion_game.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/rng.h"
#include "games/catalogue/registry.h"
#include "games/equilibrium.h"

namespace nashnet::games {
namespace {

// Brute force sums ≤ 3^3 products of numbers ≤ ~10: 1e-12 absolute is far above rounding.
constexpr double kTol = 1e-12;

std::shared_ptr<const CongestionGame> Catalogue(std::string_view name, const GameParams& params) {
  GameRegistry registry;
  RegisterBuiltinGames(&registry);
  auto game = registry.Make(name, params);
  EXPECT_TRUE(game.ok()) << game.status();
  return std::dynamic_pointer_cast<const CongestionGame>(*game);
}

// v_i(x)[q] by enumerating the others' routes (Π_j |routes| profiles).
std::vector<Eigen::VectorXd> BruteForceMixed(const CongestionGame& game, const MixedProfile& x) {
  const int n = game.num_players(), m = game.num_routes();
  std::vector<Eigen::VectorXd> v(n, Eigen::VectorXd::Zero(m));
  PureProfile a(n, 0);
  while (true) {
    for (int i = 0; i < n; ++i) {
      double w = 1.0;
      for (int j = 0; j < n; ++j) w *= j == i ? 1.0 : x[j][a[j]];
      v[i][a[i]] += w * game.PurePayoff(i, a);
    }
    int i = 0;
    while (i < n && ++a[i] == m) a[i++] = 0;
    if (i == n) return v;
  }
}

// Overlapping routes on 4 resources with random quartic latencies.
std::shared_ptr<const CongestionGame> QuarticNetwork(int players, uint64_t seed) {
  Rng rng(seed);
  CongestionGameData data;
  data.name = "quartic";
  data.num_players = players;
  for (int e = 0; e < 4; ++e) {
    Latency l;
    for (double& c : l.coefficients) c = rng.Uniform(0.0, 0.5);
    data.latencies.push_back(l);
  }
  data.routes = {{0, 1}, {1, 2, 3}, {3}, {0, 2}};
  auto game = CongestionGame::Create(data);
  EXPECT_TRUE(game.ok()) << game.status();
  return *game;
}

TEST(CongestionGame, MixedPayoffVectorsEqualBruteForceEnumeration) {
  Rng rng(11);
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(seed);
    const auto game = QuarticNetwork(3, seed);
    for (int trial = 0; trial < 5; ++trial) {
      MixedProfile x(3);
      for (auto& xi : x) {
        xi.resize(game->num_routes());
        for (auto& p : xi) p = rng.Uniform();
        if (trial == 0) xi[0] = 0.0;  // a route played with probability 0
        xi /= xi.sum();
      }
      std::vector<Eigen::VectorXd> v;
      game->MixedPayoffVectors(x, &v);
      const auto expected = BruteForceMixed(*game, x);
      for (int i = 0; i < 3; ++i) {
        for (int q = 0; q < game->num_routes(); ++q) EXPECT_NEAR(v[i][q], expected[i][q], kTol);
      }
    }
  }
}

TEST(CongestionGame, PurePayoffVectorsCountLoadsOnce) {
  const auto game = QuarticNetwork(5, 4);
  Rng rng(12);
  std::vector<Eigen::VectorXd> v;
  for (int trial = 0; trial < 20; ++trial) {
    PureProfile a(5);
    for (int& ai : a) ai = static_cast<int>(rng.UniformInt(game->num_routes()));
    game->PurePayoffVectors(a, &v);
    for (int i = 0; i < 5; ++i) {
      PureProfile b = a;
      for (int q = 0; q < game->num_routes(); ++q) {
        b[i] = q;
        EXPECT_NEAR(v[i][q], game->PurePayoff(i, b), kTol);
      }
    }
  }
}

TEST(CongestionGame, ManyRoutesNeedNeitherTablesNorQuadraticWork) {
  // 10^4 parallel links: payoff vectors are filled per player without a routes × routes table.
  const auto game = Catalogue("parallel_links", {{"players", "4"}, {"links", "10000"}});
  ASSERT_NE(game, nullptr);
  const PureProfile a = {17, 17, 9999, 0};
  std::vector<Eigen::VectorXd> v;
  game->PurePayoffVectors(a, &v);
  for (int i = 0; i < 4; ++i) {
    for (int q : {0, 17, 5000, 9999}) {
      PureProfile b = a;
      b[i] = q;
      EXPECT_EQ(v[i][q], game->PurePayoff(i, b));  // same summation: bit for bit
    }
  }
}

TEST(CongestionGame, ThousandPlayersSymmetricMixedMatchesClosedForm) {
  // Everyone plays the same x on parallel links with ℓ_e = b_e·k/N: the load another player meets
  // on e is 1 + Binomial(N−1, x_e), so v[e] = −b_e·(1 + (N−1)·x_e)/N exactly. Checks that the
  // cumulant subtraction stays accurate at N = 1000 (relative 1e-12, ~1e4 ulps).
  const int n = 1000;
  const auto game = Catalogue("parallel_links",
                              {{"players", "1000"}, {"links", "3"}, {"latency", "0,1;0,2;0,3"}});
  ASSERT_NE(game, nullptr);
  const Eigen::Vector3d share(0.2, 0.3, 0.5);
  MixedProfile x(n, share);
  std::vector<Eigen::VectorXd> v;
  game->MixedPayoffVectors(x, &v);
  for (int i : {0, 500, 999}) {
    for (int e = 0; e < 3; ++e) {
      const double expected = -(e + 1.0) * (1.0 + (n - 1) * share[e]) / n;
      EXPECT_NEAR(v[i][e], expected, 1e-12 * std::abs(expected));
    }
  }
  // Quadratic: E[(1+L)²] = 1 + 3μ + μ² + σ² ... compare with the (1+L)² expectation directly.
  const auto quad =
      Catalogue("parallel_links", {{"players", "1000"}, {"links", "2"}, {"latency", "0,0,1;1"}});
  MixedProfile y(n, Eigen::Vector2d(0.4, 0.6));
  quad->MixedPayoffVectors(y, &v);
  const double mu = (n - 1) * 0.4, var = (n - 1) * 0.4 * 0.6;
  const double second = 1.0 + 2.0 * mu + (var + mu * mu);  // E[(1 + L)²]
  EXPECT_NEAR(v[7][0], -second / (double(n) * n), 1e-12);
}

TEST(CongestionGame, PayoffRangeComesFromEmptyAndFullLoads) {
  const auto pigou = Catalogue("pigou", {{"players", "4"}});
  EXPECT_DOUBLE_EQ(pigou->payoff_range().min, -1.0);   // ℓ(N) = N/N = 1 on either link
  EXPECT_DOUBLE_EQ(pigou->payoff_range().max, -0.25);  // ℓ(1) = 1/N on the variable link
  const auto braess = Catalogue("braess", {{"players", "4"}});
  EXPECT_DOUBLE_EQ(braess->payoff_range().min, -2.0);  // zig-zag at full load: 1 + 0 + 1
  EXPECT_DOUBLE_EQ(braess->payoff_range().max, -0.5);  // zig-zag alone: 1/4 + 0 + 1/4
}

TEST(Pigou, EquilibriaPutAllButAtMostOnePlayerOnTheVariableLink) {
  // With N = 4 (so k/N is exact in binary), moving to the variable link never costs more than 1:
  // every pure NE has n ∈ {N−1, N} players there, all with ties: N + 1 equilibria, none strict.
  const auto game = Catalogue("pigou", {{"players", "4"}});
  auto eqs = PureEquilibria(*game);
  ASSERT_TRUE(eqs.ok()) << eqs.status();
  EXPECT_EQ(eqs->size(), 5u);
  for (const PureEquilibrium& eq : *eqs) {
    EXPECT_GE(std::count(eq.profile.begin(), eq.profile.end(), 1), 3);
    EXPECT_FALSE(eq.strict);
  }
  // A quadratic variable link ((k/N)² < 1 for k < N) keeps the same structure.
  auto quad = PureEquilibria(*Catalogue("pigou", {{"players", "4"}, {"degree", "2"}}));
  ASSERT_TRUE(quad.ok());
  EXPECT_EQ(quad->size(), 5u);
}

TEST(Braess, ClassicLatenciesDriveEveryoneOntoTheZigZag) {
  // Routes 0 = s-a-t, 1 = s-b-t, 2 = s-a-b-t. With ℓ = k/N, a player on an outer route gains by
  // switching to the zig-zag unless at most one player is on each outer route (then it ties), so
  // the pure equilibria are the profiles with n_0 <= 1 and n_1 <= 1: 1 + 2N + N(N−1) = 21 for N=4.
  const auto game = Catalogue("braess", {{"players", "4"}});
  auto eqs = PureEquilibria(*game);
  ASSERT_TRUE(eqs.ok()) << eqs.status();
  EXPECT_EQ(eqs->size(), 21u);
  bool all_zigzag_found = false;
  for (const PureEquilibrium& eq : *eqs) {
    EXPECT_LE(std::count(eq.profile.begin(), eq.profile.end(), 0), 1);
    EXPECT_LE(std::count(eq.profile.begin(), eq.profile.end(), 1), 1);
    all_zigzag_found = all_zigzag_found || eq.profile == PureProfile(4, 2);
  }
  EXPECT_TRUE(all_zigzag_found);
  // The paradox: everyone pays 2 on the zig-zag, while splitting over the outer routes costs 1.5.
  EXPECT_DOUBLE_EQ(game->PurePayoff(0, PureProfile(4, 2)), -2.0);
  EXPECT_DOUBLE_EQ(game->PurePayoff(0, PureProfile{0, 0, 1, 1}), -1.5);

  // With ℓ = 0.9·k/N the zig-zag is strictly better for everybody: a unique strict equilibrium,
  // gap = (0.9 + 1) − (0.9 + 0.9) = 0.1 (leaving for an outer route), by hand.
  auto strict = PureEquilibria(*Catalogue("braess", {{"players", "4"}, {"variable", "0,0.9"}}));
  ASSERT_TRUE(strict.ok());
  ASSERT_EQ(strict->size(), 1u);
  EXPECT_EQ((*strict)[0].profile, PureProfile(4, 2));
  EXPECT_TRUE((*strict)[0].strict);
  EXPECT_NEAR((*strict)[0].gap, 0.1, 1e-12);
}

TEST(Network, DefaultGraphIsBraessWithTheSamePayoffs) {
  const auto network = Catalogue("network", {{"players", "4"}});
  const auto braess = Catalogue("braess", {{"players", "4"}});
  ASSERT_NE(network, nullptr);
  // Simple s-t paths found by depth-first search in edge order: s-a-t, s-a-b-t, s-b-t.
  ASSERT_EQ(network->route_names(), (std::vector<std::string>{"s-a-t", "s-a-b-t", "s-b-t"}));
  const int to_braess[3] = {0, 2, 1};  // braess's routes: s-a-t, s-b-t, s-a-b-t
  Rng rng(13);
  for (int trial = 0; trial < 20; ++trial) {
    PureProfile a(4), b(4);
    for (int i = 0; i < 4; ++i) {
      a[i] = static_cast<int>(rng.UniformInt(3));
      b[i] = to_braess[a[i]];
    }
    for (int i = 0; i < 4; ++i)
      EXPECT_DOUBLE_EQ(network->PurePayoff(i, a), braess->PurePayoff(i, b));
  }
  // A cycle a->b->a is never followed twice; both directions of the bridge give 4 routes.
  const auto cyclic = Catalogue(
      "network", {{"players", "2"}, {"edges", "s>a:0,1; a>t:1; s>b:1; b>t:0,1; a>b:0; b>a:0"}});
  EXPECT_EQ(cyclic->num_routes(), 4);
}

// A complete directed graph on k nodes c0..c{k-1}: k(k−1) edges of latency 1.
std::string CompleteCluster(int k) {
  std::string edges;
  for (int a = 0; a < k; ++a) {
    for (int b = 0; b < k; ++b) {
      if (a != b) absl::StrAppend(&edges, "c", a, ">c", b, ":1;");
    }
  }
  return edges;
}

TEST(Network, ClustersThatCannotReachTheSinkArePrunedBeforeTheSearch) {
  // s enters a complete 14-node cluster with no way out: ~13!·e ≈ 1.7e10 dead-end simple paths
  // (a hang without pruning, from a 1.9 KB string). Only s-t is a route.
  const std::string edges = "s>c0:1; s>t:0,1; " + CompleteCluster(14);
  const auto game = Catalogue("network", {{"players", "2"}, {"edges", edges}});
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->route_names(), (std::vector<std::string>{"s-t"}));
  EXPECT_EQ(game->num_resources(), 2 + 14 * 13);
}

TEST(Network, PathSearchHasABudget) {
  // Now the cluster reaches t, but only through c0, where the search enters it: every path
  // c0-ci-... is a dead end once c0 is on it, ~11!·e ≈ 1e8 of them for 12 nodes, and a single
  // route s-c0-t. The search stops after 10^6 steps with an error instead of hanging.
  GameRegistry registry;
  RegisterBuiltinGames(&registry);
  const auto game = registry.Make(
      "network", {{"players", "2"}, {"edges", "s>c0:1; c0>t:1; " + CompleteCluster(12)}});
  ASSERT_FALSE(game.ok());
  EXPECT_EQ(game.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(
      std::string(game.status().message()).find("parameter 'edges': too many paths to enumerate"),
      std::string::npos)
      << game.status();
}

TEST(PureEquilibria, TiesExactInRealArithmeticSurviveRounding) {
  // One player, routes s-t (latency 0.3) and s-a-t (0.1 + 0.2 = 0.30000000000000004 in doubles):
  // a tie in real numbers, so both routes are weak equilibria, neither strict (gap 0). Exact
  // comparisons made s-t strict with Δ = 5.6e-17 and missed s-a-t; the tie tolerance is
  // 1e-12·max(1, range width) ≫ 1 ulp.
  const auto game =
      Catalogue("network", {{"players", "1"}, {"edges", "s>t:0.3; s>a:0.1; a>t:0.2"}});
  ASSERT_NE(game, nullptr);
  ASSERT_NE(game->PurePayoff(0, PureProfile{0}), game->PurePayoff(0, PureProfile{1}));
  auto eqs = PureEquilibria(*game);
  ASSERT_TRUE(eqs.ok()) << eqs.status();
  ASSERT_EQ(eqs->size(), 2u);
  for (const PureEquilibrium& eq : *eqs) {
    EXPECT_FALSE(eq.strict);
    EXPECT_EQ(eq.gap, 0.0);
  }
}

TEST(ParallelLinks, ExplicitLatenciesReproducePigou) {
  const auto links =
      Catalogue("parallel_links", {{"players", "4"}, {"links", "2"}, {"latency", "1;0,1"}});
  const auto pigou = Catalogue("pigou", {{"players", "4"}});
  std::vector<Eigen::VectorXd> v1, v2;
  const PureProfile a = {0, 1, 1, 0};
  links->PurePayoffVectors(a, &v1);
  pigou->PurePayoffVectors(a, &v2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(v1[i], v2[i]);
}

TEST(CongestionGame, CreateRejectsMalformedNetworks) {
  const auto bad = [](CongestionGameData d) {
    return CongestionGame::Create(std::move(d)).status();
  };
  CongestionGameData ok;
  ok.num_players = 2;
  ok.latencies = {Latency{{0.0, 1.0}}, Latency{{1.0}}};
  ok.routes = {{0}, {1}};
  EXPECT_TRUE(bad(ok).ok());
  CongestionGameData d = ok;
  d.latencies[1].coefficients[2] = -1.0;
  EXPECT_NE(std::string(bad(d).message()).find("latencies[1].coefficients[2]"), std::string::npos);
  d = ok;
  d.routes = {{0}, {2}};
  EXPECT_NE(std::string(bad(d).message()).find("routes[1]"), std::string::npos);
  d = ok;
  d.routes = {{0, 0}};
  EXPECT_NE(std::string(bad(d).message()).find("repeated"), std::string::npos);
  d = ok;
  d.routes = {{}};
  EXPECT_NE(std::string(bad(d).message()).find("empty"), std::string::npos);
  d = ok;
  d.num_players = 0;
  EXPECT_NE(std::string(bad(d).message()).find("num_players"), std::string::npos);
}

}  // namespace
}  // namespace nashnet::games

// The catalogue: one conformance suite over every registered game (at small sizes), then the
// specific equilibrium structure of the matrix and random games, and the registry's errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/rng.h"
#include "games/catalogue/registry.h"
#include "games/continuous_game.h"
#include "games/equilibrium.h"
#include "games/finite_game.h"

namespace nashnet::games {
namespace {

// Payoffs here are sums of a few products of numbers in [−10, 10]: 1e-12 absolute is ~1e4 ulps.
constexpr double kTol = 1e-12;

struct Case {
  std::string name;
  GameParams params;
  GameParams other_seed;  // for seeded games: params whose game must differ; else empty
};

std::vector<Case> Cases() {
  return {
      {"prisoners_dilemma", {}, {}},
      {"coordination", {{"actions", "3"}, {"diagonal", "1,2,3"}}, {}},
      {"battle_of_the_sexes", {}, {}},
      {"stag_hunt", {}, {}},
      {"matching_pennies", {}, {}},
      {"rock_paper_scissors", {{"win", "2"}}, {}},
      {"shapley", {}, {}},
      {"random_generic",
       {{"players", "3"}, {"actions", "2,3,2"}, {"seed", "7"}},
       {{"players", "3"}, {"actions", "2,3,2"}, {"seed", "8"}}},
      {"random_potential",
       {{"players", "3"}, {"actions", "2"}, {"seed", "7"}},
       {{"players", "3"}, {"actions", "2"}, {"seed", "8"}}},
      {"pigou", {{"players", "3"}, {"degree", "2"}}, {}},
      {"braess", {{"players", "3"}, {"variable", "0.1,0.5,0,0,0.4"}}, {}},
      {"parallel_links",
       {{"players", "3"}, {"links", "3"}, {"seed", "5"}},
       {{"players", "3"}, {"links", "3"}, {"seed", "6"}}},
      {"network", {{"players", "3"}, {"edges", "s>a:0,1;a>t:1;s>t:0.5,0,0.5;a>s:0.2"}}, {}},
      {"cournot", {{"players", "3"}, {"a", "10"}, {"b", "2"}, {"c", "1"}, {"q_max", "5"}}, {}},
      {"online_bumps", {{"dimension", "2"}, {"seed", "3"}}, {{"dimension", "2"}, {"seed", "4"}}},
      {"online_drift", {{"dimension", "2"}, {"seed", "3"}}, {{"dimension", "2"}, {"seed", "4"}}},
  };
}

GameRegistry Builtins() {
  GameRegistry registry;
  RegisterBuiltinGames(&registry);
  return registry;
}

std::vector<PureProfile> AllProfiles(const FiniteGame& game) {
  std::vector<PureProfile> out;
  PureProfile a(game.num_players(), 0);
  while (true) {
    out.push_back(a);
    int i = 0;
    while (i < game.num_players() && ++a[i] == game.num_actions(i)) a[i++] = 0;
    if (i == game.num_players()) return out;
  }
}

// v_i(x)[b] = Σ_{a_−i} Π_{j≠i} x_j[a_j] · u_i(b, a_−i), by enumerating every profile.
std::vector<Eigen::VectorXd> BruteForceMixed(const FiniteGame& game, const MixedProfile& x) {
  std::vector<Eigen::VectorXd> v(game.num_players());
  for (int i = 0; i < game.num_players(); ++i) v[i] = Eigen::VectorXd::Zero(game.num_actions(i));
  for (const PureProfile& a : AllProfiles(game)) {
    for (int i = 0; i < game.num_players(); ++i) {
      double weight = 1.0;
      for (int j = 0; j < game.num_players(); ++j) weight *= j == i ? 1.0 : x[j][a[j]];
      v[i][a[i]] += weight * game.PurePayoff(i, a);
    }
  }
  return v;
}

MixedProfile RandomMixed(const FiniteGame& game, Rng& rng) {
  MixedProfile x(game.num_players());
  for (int i = 0; i < game.num_players(); ++i) {
    x[i].resize(game.num_actions(i));
    for (int a = 0; a < game.num_actions(i); ++a) x[i][a] = 0.05 + rng.Uniform();
    x[i] /= x[i].sum();
  }
  return x;
}

void CheckFinite(const FiniteGame& game) {
  const PayoffRange range = game.payoff_range();
  ASSERT_LT(range.min, range.max);
  std::vector<Eigen::VectorXd> pure_v, mixed_v;
  for (const PureProfile& a : AllProfiles(game)) {
    game.PurePayoffVectors(a, &pure_v);
    MixedProfile onehot(game.num_players());
    for (int i = 0; i < game.num_players(); ++i) {
      onehot[i] = Eigen::VectorXd::Unit(game.num_actions(i), a[i]);
    }
    game.MixedPayoffVectors(onehot, &mixed_v);
    ASSERT_EQ(static_cast<int>(pure_v.size()), game.num_players());
    for (int i = 0; i < game.num_players(); ++i) {
      const double u = game.PurePayoff(i, a);
      EXPECT_GE(u, range.min - kTol);
      EXPECT_LE(u, range.max + kTol);
      PureProfile b = a;
      for (int ai = 0; ai < game.num_actions(i); ++ai) {
        b[i] = ai;
        EXPECT_NEAR(pure_v[i][ai], game.PurePayoff(i, b), kTol) << "player " << i;
        EXPECT_NEAR(mixed_v[i][ai], pure_v[i][ai], kTol) << "player " << i;
      }
    }
  }
  Rng rng(42);
  for (int trial = 0; trial < 3; ++trial) {
    const MixedProfile x = RandomMixed(game, rng);
    game.MixedPayoffVectors(x, &mixed_v);
    const std::vector<Eigen::VectorXd> expected = BruteForceMixed(game, x);
    for (int i = 0; i < game.num_players(); ++i) {
      for (int a = 0; a < game.num_actions(i); ++a) {
        EXPECT_NEAR(mixed_v[i][a], expected[i][a], kTol) << "player " << i << " action " << a;
      }
    }
  }
}

// Random point profiles and rounds: payoffs in range, and PayoffsAgainst agrees with Payoffs.
void CheckContinuous(const ContinuousGame& game) {
  const PayoffRange range = game.payoff_range();
  ASSERT_LT(range.min, range.max);
  Rng rng(43);
  Eigen::VectorXd u, against;
  for (int64_t round = 1; round <= 5; ++round) {
    PointProfile z(game.num_players());
    for (int i = 0; i < game.num_players(); ++i) {
      const Box box = game.action_box(i);
      z[i].resize(box.dimension());
      for (int j = 0; j < box.dimension(); ++j) z[i][j] = rng.Uniform(box.lower[j], box.upper[j]);
      ASSERT_TRUE(box.Contains(z[i]));
    }
    game.Payoffs(round, z, &u);
    ASSERT_EQ(u.size(), game.num_players());
    for (int i = 0; i < game.num_players(); ++i) {
      EXPECT_GE(u[i], range.min - kTol);
      EXPECT_LE(u[i], range.max + kTol);
      const Box box = game.action_box(i);
      Eigen::MatrixXd points(box.dimension(), 4);
      points.col(0) = z[i];
      points.col(1) = box.lower;
      points.col(2) = box.upper;
      points.col(3) = 0.5 * (box.lower + box.upper);
      game.PayoffsAgainst(i, round, z, points, &against);
      ASSERT_EQ(against.size(), 4);
      EXPECT_NEAR(against[0], u[i], kTol) << "player " << i << " round " << round;
      for (int k = 1; k < 4; ++k) {
        PointProfile deviated = z;
        deviated[i] = points.col(k);
        Eigen::VectorXd u_dev;
        game.Payoffs(round, deviated, &u_dev);
        EXPECT_NEAR(against[k], u_dev[i], kTol) << "player " << i << " point " << k;
      }
    }
  }
  if (const auto eq = game.equilibrium(); eq.has_value()) {
    ASSERT_EQ(static_cast<int>(eq->size()), game.num_players());
    for (int i = 0; i < game.num_players(); ++i) EXPECT_TRUE(game.action_box(i).Contains((*eq)[i]));
  }
}

// A fingerprint of a game's payoffs, to compare two builds.
std::vector<double> Fingerprint(const Game& game) {
  std::vector<double> out;
  if (const auto* finite = dynamic_cast<const FiniteGame*>(&game)) {
    for (const PureProfile& a : AllProfiles(*finite)) {
      for (int i = 0; i < finite->num_players(); ++i) out.push_back(finite->PurePayoff(i, a));
    }
    return out;
  }
  const auto& continuous = dynamic_cast<const ContinuousGame&>(game);
  Rng rng(44);
  Eigen::VectorXd u;
  for (int64_t round = 1; round <= 3; ++round) {
    PointProfile z(continuous.num_players());
    for (auto& zi : z) {
      zi.resize(continuous.action_box(0).dimension());
      for (auto& c : zi) c = rng.Uniform(0.0, 1.0);
    }
    continuous.Payoffs(round, z, &u);
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

TEST(Catalogue, ConformanceOverEveryGame) {
  const GameRegistry registry = Builtins();
  std::set<std::string> covered;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    covered.insert(c.name);
    auto game = registry.Make(c.name, c.params);
    ASSERT_TRUE(game.ok()) << game.status();
    EXPECT_FALSE((*game)->name().empty());
    if (const auto* finite = dynamic_cast<const FiniteGame*>(game->get())) {
      CheckFinite(*finite);
    } else {
      CheckContinuous(dynamic_cast<const ContinuousGame&>(**game));
    }
    // Same parameters, same game; another seed, another game.
    auto again = registry.Make(c.name, c.params);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(Fingerprint(**game), Fingerprint(**again));
    if (!c.other_seed.empty()) {
      auto other = registry.Make(c.name, c.other_seed);
      ASSERT_TRUE(other.ok()) << other.status();
      EXPECT_NE(Fingerprint(**game), Fingerprint(**other));
    }
  }
  for (const GameEntry& entry : registry.entries()) {
    EXPECT_TRUE(covered.contains(entry.name)) << entry.name << " is not in the conformance table";
    // Every game also builds from its defaults alone.
    EXPECT_TRUE(registry.Make(entry.name, {}).ok()) << entry.name;
  }
  EXPECT_EQ(registry.entries().size(), 16u);
}

std::vector<PureEquilibrium> Equilibria(std::string_view name, const GameParams& params = {}) {
  auto game = Builtins().Make(name, params);
  EXPECT_TRUE(game.ok()) << game.status();
  auto eqs = PureEquilibria(dynamic_cast<const FiniteGame&>(**game));
  EXPECT_TRUE(eqs.ok()) << eqs.status();
  return *eqs;
}

TEST(PrisonersDilemma, UniqueStrictEquilibriumIsMutualDefection) {
  const auto eqs = Equilibria("prisoners_dilemma");
  ASSERT_EQ(eqs.size(), 1u);
  EXPECT_EQ(eqs[0].profile, (PureProfile{1, 1}));
  EXPECT_TRUE(eqs[0].strict);
  EXPECT_DOUBLE_EQ(eqs[0].gap, 1.0);  // punishment − sucker = 1 − 0 (by hand)
  // With custom payoffs the gap follows: 2 − (−1) = 3.
  const auto custom =
      Equilibria("prisoners_dilemma",
                 {{"temptation", "10"}, {"reward", "5"}, {"punishment", "2"}, {"sucker", "-1"}});
  ASSERT_EQ(custom.size(), 1u);
  EXPECT_DOUBLE_EQ(custom[0].gap, 3.0);
}

TEST(Coordination, EveryDiagonalProfileIsAStrictEquilibrium) {
  const auto eqs = Equilibria("coordination", {{"actions", "3"}, {"diagonal", "1,2,3"}});
  ASSERT_EQ(eqs.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(eqs[k].profile, (PureProfile{k, k}));
    EXPECT_TRUE(eqs[k].strict);
    EXPECT_DOUBLE_EQ(eqs[k].gap, k + 1.0);  // the diagonal payoff, lost by any deviation
  }
}

TEST(MatrixGames, TwoCoordinatingGamesHaveTheirTwoEquilibria) {
  const auto bos = Equilibria("battle_of_the_sexes");
  ASSERT_EQ(bos.size(), 2u);
  EXPECT_EQ(bos[0].profile, (PureProfile{0, 0}));
  EXPECT_EQ(bos[1].profile, (PureProfile{1, 1}));
  EXPECT_DOUBLE_EQ(bos[0].gap, 2.0);  // 'low' = 2: the worse-off player's loss from leaving
  const auto stag = Equilibria("stag_hunt");
  ASSERT_EQ(stag.size(), 2u);
  EXPECT_DOUBLE_EQ(stag[0].gap, 1.0);  // (stag, stag): stag − hare = 4 − 3
  EXPECT_DOUBLE_EQ(stag[1].gap, 3.0);  // (hare, hare): hare − alone = 3 − 0
}

TEST(MatrixGames, CyclicGamesHaveNoPureEquilibrium) {
  EXPECT_TRUE(Equilibria("matching_pennies").empty());
  EXPECT_TRUE(Equilibria("rock_paper_scissors").empty());
  EXPECT_TRUE(Equilibria("shapley").empty());
  // ... and uniform play is their (mixed) equilibrium: Nash gap 0.
  for (const char* name : {"matching_pennies", "rock_paper_scissors", "shapley"}) {
    SCOPED_TRACE(name);
    auto game = Builtins().Make(name, {});
    const auto& finite = dynamic_cast<const FiniteGame&>(**game);
    MixedProfile uniform(2);
    for (int i = 0; i < 2; ++i) {
      uniform[i] = Eigen::VectorXd::Constant(finite.num_actions(i), 1.0 / finite.num_actions(i));
    }
    EXPECT_NEAR(NashGap(finite, uniform), 0.0, kTol);
  }
}

TEST(RandomPotential, UnilateralDeviationsChangeOneSharedPotential) {
  // Exact potential ⇔ payoff changes around every 4-cycle of two players' deviations sum to 0
  // (Monderer & Shapley 1996, Theorem 2.8).
  auto game = Builtins().Make("random_potential", {{"players", "3"}, {"actions", "3"}});
  const auto& g = dynamic_cast<const FiniteGame&>(**game);
  for (const PureProfile& a : AllProfiles(g)) {
    for (int i = 0; i < 3; ++i) {
      for (int j = i + 1; j < 3; ++j) {
        PureProfile b = a, c = a, d = a;
        b[i] = (a[i] + 1) % 3;         // i deviates
        c = b, c[j] = (a[j] + 1) % 3;  // then j
        d[j] = c[j];                   // i returns
        const double cycle =
            (g.PurePayoff(i, b) - g.PurePayoff(i, a)) + (g.PurePayoff(j, c) - g.PurePayoff(j, b)) +
            (g.PurePayoff(i, d) - g.PurePayoff(i, c)) + (g.PurePayoff(j, a) - g.PurePayoff(j, d));
        EXPECT_NEAR(cycle, 0.0, kTol);
      }
    }
  }
  // A potential game has a pure equilibrium (the potential's maximiser).
  auto eqs = PureEquilibria(g);
  ASSERT_TRUE(eqs.ok());
  EXPECT_FALSE(eqs->empty());
}

TEST(RandomGeneric, PayoffsAreDistinctUniformDraws) {
  auto game = Builtins().Make("random_generic", {{"players", "2"}, {"actions", "30"}});
  const auto& g = dynamic_cast<const FiniteGame&>(**game);
  std::set<double> seen;
  double sum = 0.0;
  for (const PureProfile& a : AllProfiles(g)) {
    for (int i = 0; i < 2; ++i) {
      seen.insert(g.PurePayoff(i, a));
      sum += g.PurePayoff(i, a);
    }
  }
  EXPECT_EQ(seen.size(), 1800u);  // generic: no ties
  // Mean of 1800 U[0,1] draws: 0.5 ± 4.5 standard errors (σ = 1/√(12·1800) ≈ 0.0068).
  EXPECT_NEAR(sum / 1800, 0.5, 0.03);
}

bool Mentions(const absl::Status& status, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (std::string(status.message()).find(w) == std::string::npos) return false;
  }
  return true;
}

TEST(GameRegistry, ErrorsNameWhatIsWrong) {
  const GameRegistry registry = Builtins();
  auto unknown = registry.Make("chess", {});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(unknown.status(), {"chess", "braess", "prisoners_dilemma"}))
      << unknown.status();

  auto bad_param = registry.Make("pigou", {{"playerz", "3"}});
  EXPECT_EQ(bad_param.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(bad_param.status(), {"playerz", "players", "degree"})) << bad_param.status();

  for (const auto& [name, params, words] :
       std::vector<std::tuple<std::string, GameParams, std::vector<const char*>>>{
           {"pigou", {{"players", "abc"}}, {"players", "abc"}},
           {"pigou", {{"players", "0"}}, {"players", "0"}},
           {"coordination", {{"diagonal", "1,x"}}, {"diagonal", "x"}},
           {"coordination", {{"actions", "3"}, {"diagonal", "1,2"}}, {"diagonal", "3"}},
           {"prisoners_dilemma", {{"reward", "6"}}, {"temptation", "reward"}},
           {"random_generic", {{"players", "2"}, {"actions", "2,2,2"}}, {"actions"}},
           {"random_generic", {{"players", "30"}, {"actions", "2"}}, {"players"}},
           {"braess", {{"variable", "0,-1"}}, {"variable", "negative"}},
           {"braess", {{"bridge", "1,2,3,4,5,6"}}, {"bridge", "5"}},
           {"parallel_links", {{"latency", "cubic"}}, {"latency", "cubic"}},
           {"network", {{"edges", "s>a:1;a-t:1"}}, {"edges", "2", "a-t:1"}},
           {"network", {{"edges", "s>a:1"}}, {"edges", "no path"}},
           {"network", {{"sink", "s"}}, {"source", "sink"}},
           {"network", {{"edges", "s>t:1,y"}}, {"edges", "y"}},
           {"cournot", {{"b", "0"}}, {"b"}},
           {"cournot", {{"a", "nan"}}, {"'a'"}},
           {"online_drift", {{"nu", "2"}}, {"nu", "2"}},
           {"online_drift", {{"speed", "0.5"}}, {"speed", "radius"}},
           {"online_bumps", {{"perturbation", "1.5"}}, {"perturbation", "1.5"}},
       }) {
    SCOPED_TRACE(name);
    auto game = registry.Make(name, params);
    ASSERT_FALSE(game.ok());
    EXPECT_EQ(game.status().code(), absl::StatusCode::kInvalidArgument);
    std::vector<const char*> all = words;
    all.push_back(name.c_str());
    for (const char* w : all) {
      EXPECT_TRUE(Mentions(game.status(), {w})) << game.status() << " lacks " << w;
    }
  }
}

TEST(GameRegistry, RegisterRejectsDuplicatesAndFillsDefaults) {
  GameRegistry registry = Builtins();
  GameEntry entry{.name = "pigou",
                  .description = "dup",
                  .params = {},
                  .make = [](const GameParams&) -> absl::StatusOr<std::shared_ptr<const Game>> {
                    return absl::InternalError("unused");
                  }};
  EXPECT_EQ(registry.Register(entry).code(), absl::StatusCode::kAlreadyExists);
  auto game = registry.Make("pigou", {});
  ASSERT_TRUE(game.ok());
  EXPECT_EQ((*game)->num_players(), 10);  // the documented default
  EXPECT_EQ((*game)->name(), "pigou(degree=1,players=10)");
  RegisterBuiltinGames(&registry);  // a second call keeps the first entries
  EXPECT_EQ(registry.entries().size(), 16u);
}

TEST(LoadGame, ReadsNfgFilesRelativeToTheBaseDirectory) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("nashnet_catalogue_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "pd.nfg");
    out << "NFG 1 R \"PD\" { \"A\" \"B\" } { 2 2 }\n3 3 5 0 0 5 1 1\n";
  }
  const GameRegistry registry = Builtins();
  auto game = LoadGame(registry, "pd.nfg", {}, dir.string());
  ASSERT_TRUE(game.ok()) << game.status();
  EXPECT_EQ((*game)->num_players(), 2);
  EXPECT_DOUBLE_EQ(dynamic_cast<const FiniteGame&>(**game).PurePayoff(0, PureProfile{1, 0}), 5.0);

  auto absolute = LoadGame(registry, (dir / "pd.nfg").string(), {}, "/nonexistent");
  EXPECT_TRUE(absolute.ok()) << absolute.status();

  auto with_params = LoadGame(registry, "pd.nfg", {{"players", "3"}}, dir.string());
  EXPECT_EQ(with_params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(with_params.status(), {"pd.nfg"}));

  auto missing = LoadGame(registry, "missing.nfg", {}, dir.string());
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(Mentions(missing.status(), {"missing.nfg"})) << missing.status();

  auto named = LoadGame(registry, "braess", {{"players", "4"}}, dir.string());
  ASSERT_TRUE(named.ok());
  EXPECT_EQ((*named)->num_players(), 4);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nashnet::games

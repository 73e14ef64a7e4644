// Continuous games of the catalogue: Cournot's closed-form equilibrium, the online losses'
// range, Lipschitz constant and determinism, and online_drift's variation budget V_T ~ T^ν.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "common/rng.h"
#include "games/catalogue/cournot.h"
#include "games/catalogue/online_losses.h"
#include "games/catalogue/registry.h"

namespace nashnet::games {
namespace {

// Player i's payoff on a grid of `m` points in [0, q_max] against profile z.
Eigen::VectorXd OnGrid(const ContinuousGame& game, int i, const PointProfile& z, int m,
                       Eigen::MatrixXd* grid) {
  const Box box = game.action_box(i);
  *grid = Eigen::RowVectorXd::LinSpaced(m, box.lower[0], box.upper[0]);
  Eigen::VectorXd u;
  game.PayoffsAgainst(i, 1, z, *grid, &u);
  return u;
}

TEST(Cournot, ClosedFormEquilibriumIsABestResponseForEveryPlayer) {
  for (const CournotOptions& o :
       {CournotOptions{.players = 3, .a = 10, .b = 2, .c = 1, .q_max = 5},
        CournotOptions{.players = 2, .a = 1, .b = 1, .c = 0, .q_max = 1},
        CournotOptions{.players = 7, .a = 5, .b = 0.5, .c = 2, .q_max = 3}}) {
    SCOPED_TRACE(o.players);
    auto game = CournotGame::Create(o);
    ASSERT_TRUE(game.ok()) << game.status();
    const double q_star = (o.a - o.c) / (o.b * (o.players + 1));
    EXPECT_DOUBLE_EQ((*game)->equilibrium_quantity(), q_star);
    const PointProfile eq = *(*game)->equilibrium();
    Eigen::VectorXd u;
    (*game)->Payoffs(1, eq, &u);
    for (int i = 0; i < o.players; ++i) {
      Eigen::MatrixXd grid;
      const Eigen::VectorXd on_grid = OnGrid(**game, i, eq, 20001, &grid);
      Eigen::Index best;
      const double best_u = on_grid.maxCoeff(&best);
      // No grid point beats the equilibrium (up to rounding), and the grid's argmax is within one
      // grid step (q_max / 20000) of q*.
      EXPECT_LE(best_u, u[i] + 1e-12);
      EXPECT_NEAR(grid(0, best), q_star, o.q_max / 20000 + 1e-12);
    }
  }
}

TEST(Cournot, CapacityBindsWhenBelowTheUnconstrainedEquilibrium) {
  // q* = 9 / 2 / 3 = 1.5 > q_max = 1: everyone at capacity, and that is a best response.
  auto game = CournotGame::Create({.players = 2, .a = 10, .b = 2, .c = 1, .q_max = 1});
  ASSERT_TRUE(game.ok());
  EXPECT_DOUBLE_EQ((*game)->equilibrium_quantity(), 1.0);
  Eigen::MatrixXd grid;
  const Eigen::VectorXd u = OnGrid(**game, 0, *(*game)->equilibrium(), 1001, &grid);
  Eigen::Index best;
  u.maxCoeff(&best);
  EXPECT_EQ(best, 1000);
}

TEST(Cournot, MonopolyProfitBoundsThePayoffRange) {
  auto game = CournotGame::Create({.players = 3, .a = 10, .b = 2, .c = 1, .q_max = 5});
  ASSERT_TRUE(game.ok());
  EXPECT_DOUBLE_EQ((*game)->payoff_range().max, 81.0 / 8.0);                 // (a−c)²/(4b)
  EXPECT_DOUBLE_EQ((*game)->payoff_range().min, 5.0 * (9.0 - 2.0 * 3 * 5));  // all at q_max
}

TEST(OnlineBumps, LossesAreLipschitzInRangeAndAPureFunctionOfSeedAndRound) {
  auto game = OnlineBumps::Create({.dimension = 2, .bumps = 6, .seed = 9});
  ASSERT_TRUE(game.ok());
  const auto& g = **game;
  Rng rng(1);
  for (int trial = 0; trial < 2000; ++trial) {
    const int64_t t = 1 + static_cast<int64_t>(rng.UniformInt(100));
    Eigen::VectorXd z(2), w(2);
    z << rng.Uniform(), rng.Uniform();
    w = z + Eigen::Vector2d(rng.Uniform(-0.05, 0.05), rng.Uniform(-0.05, 0.05));
    w = w.cwiseMax(0.0).cwiseMin(1.0);
    const double lz = g.Loss(t, z), lw = g.Loss(t, w);
    EXPECT_GE(lz, 0.0);
    EXPECT_LE(lz, 1.0);
    EXPECT_LE(std::abs(lz - lw), g.lipschitz() * (z - w).norm() + 1e-12);
  }
  // Round 7's loss does not depend on what was evaluated before, nor on the call path.
  const Eigen::VectorXd z = g.centers()[0];
  const double first = g.Loss(7, z);
  (void)g.Loss(3, z);
  EXPECT_EQ(g.Loss(7, z), first);
  auto rebuilt = OnlineBumps::Create({.dimension = 2, .bumps = 6, .seed = 9});
  EXPECT_EQ((*rebuilt)->Loss(7, z), first);
  // Perturbed: the loss at a bump's center changes between rounds; unperturbed: it does not.
  EXPECT_NE(g.Loss(8, z), first);
  auto still = OnlineBumps::Create({.dimension = 2, .bumps = 6, .seed = 9, .perturbation = 0.0});
  EXPECT_EQ((*still)->Loss(8, z), (*still)->Loss(7, z));
  EXPECT_FALSE((*still)->time_varying());
}

// V_T = Σ_{t<T} sup_z |ℓ_{t+1}(z) − ℓ_t(z)| measured on a grid of [0,1] (exact in d = 1: the sup
// is attained at the new center, and the grid point just past it attains the same value).
std::vector<double> MeasuredVariation(const OnlineDrift& game, int64_t horizon) {
  const int m = 501;  // spacing 0.002 << r − S = 0.2, so a grid point past the new center exists
  const Eigen::MatrixXd grid = Eigen::RowVectorXd::LinSpaced(m, 0.0, 1.0);
  std::vector<double> v(horizon + 1, 0.0);  // v[T] = V_T
  Eigen::VectorXd prev, next;
  const PointProfile unused(1, Eigen::VectorXd::Zero(1));
  game.PayoffsAgainst(0, 1, unused, grid, &prev);
  for (int64_t t = 1; t < horizon; ++t) {
    game.PayoffsAgainst(0, t + 1, unused, grid, &next);
    v[t + 1] = v[t] + (next - prev).cwiseAbs().maxCoeff();
    std::swap(prev, next);
  }
  return v;
}

TEST(OnlineDrift, VariationGrowsLikeTToTheNu) {
  // V_T = (S/r)(T^ν − 1) up to reflections off the box, so the log-log slope between T = 2^10 and
  // 2^14 is ν/(1 − T^−ν) ∈ [ν, 1.04ν] for ν >= 0.5; we allow ±0.05 for that and the reflections.
  for (double nu : {0.5, 0.8, 1.0}) {
    SCOPED_TRACE(nu);
    auto game = OnlineDrift::Create({.nu = nu, .seed = 2});
    ASSERT_TRUE(game.ok());
    const int64_t horizon = int64_t{1} << 14;
    const std::vector<double> v = MeasuredVariation(**game, horizon);
    // Least-squares slope of log V_T on log T at T = 2^10 .. 2^14.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    for (int e = 10; e <= 14; ++e, ++k) {
      const double x = std::log(double(int64_t{1} << e)), y = std::log(v[int64_t{1} << e]);
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    const double slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
    EXPECT_NEAR(slope, nu, 0.05);
    // And V_T itself is the documented law within 5 % (reflections only lower it).
    EXPECT_LE(v[horizon], (*game)->VariationBound(horizon) + 1e-9);
    EXPECT_GE(v[horizon], 0.95 * (*game)->VariationBound(horizon));
  }
}

TEST(OnlineDrift, TheLossVanishesExactlyAtTheDriftingCenter) {
  auto game = OnlineDrift::Create({.dimension = 3, .nu = 0.7, .seed = 5});
  ASSERT_TRUE(game.ok());
  for (int64_t t : {1, 10, 1000, 100000}) {
    const Eigen::VectorXd c = (*game)->Center(t);
    EXPECT_TRUE((*game)->action_box(0).Contains(c));
    EXPECT_EQ((*game)->Loss(t, c), 0.0);
    EXPECT_DOUBLE_EQ((*game)->Loss(t, c + Eigen::Vector3d(0.1, 0, 0)), 0.1 / 0.25);  // ‖·‖/r
  }
  auto still = OnlineDrift::Create({.nu = 0.0});
  EXPECT_FALSE((*still)->time_varying());
  EXPECT_EQ((*still)->Center(1), (*still)->Center(1000));
}

}  // namespace
}  // namespace nashnet::games

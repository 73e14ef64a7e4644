// The numerical core shared by the learners (agents/gibbs.h): log-sum-exp Gibbs maps, sampling
// and schedules.
#include "agents/gibbs.h"

#include <cmath>
#include <limits>

#include "common/rng.h"
#include "gtest/gtest.h"

namespace nashnet::agents {
namespace {

constexpr double kMax = std::numeric_limits<double>::max();

TEST(GibbsFromShifted, MatchesTheSoftmaxFormulaOnOrdinaryScores) {
  Eigen::ArrayXd s(3), x;
  s << 0.0, -1.0, -2.5;
  GibbsFromShifted(s, 0.5, &x);
  const double z = 1 + std::exp(-0.5) + std::exp(-1.25);
  EXPECT_NEAR(x[0], 1 / z, 1e-15);
  EXPECT_NEAR(x[1], std::exp(-0.5) / z, 1e-15);
  EXPECT_NEAR(x[2], std::exp(-1.25) / z, 1e-15);
}

TEST(GibbsFromShifted, ExtremeScoresGiveAFiniteDistribution) {
  // Scores of ±1e308: a naive exp overflows to inf (inf/inf = NaN); shifting by the max first
  // leaves 0 and −2e308 = −inf, i.e. the distribution (1, 0).
  Eigen::ArrayXd s(4), x;
  s << 1e308, -1e308, 1e308, -kMax;
  ShiftMaxToZero(&s);
  EXPECT_EQ(s.maxCoeff(), 0.0);
  GibbsFromShifted(s, 1.0, &x);
  ASSERT_TRUE(x.allFinite());
  EXPECT_DOUBLE_EQ(x[0], 0.5);
  EXPECT_DOUBLE_EQ(x[2], 0.5);
  EXPECT_LT(x[1], 1e-300);
  // A NaN-producing scale (0 · −inf) falls back to uniform rather than poisoning the strategy.
  s << 0.0, -INFINITY, -1.0, -2.0;
  GibbsFromShifted(s, 0.0, &x);
  EXPECT_TRUE(x.isApprox(Eigen::ArrayXd::Constant(4, 0.25)));
}

TEST(GibbsFromShifted, AMillionHugeUpdatesStayADistribution) {
  // The learners' loop: add an increment of up to DBL_MAX, shift, map. 10^6 rounds.
  Eigen::ArrayXd s = Eigen::ArrayXd::Zero(5), x(5), inc(5);
  Rng rng(8);
  for (int t = 0; t < 1000000; ++t) {
    for (int k = 0; k < 5; ++k) inc[k] = kMax * rng.Uniform(-1.0, 1.0);
    s += inc;
    ShiftMaxToZero(&s);
    ASSERT_EQ(s.maxCoeff(), 0.0) << "round " << t;
  }
  GibbsFromShifted(s, 1.0, &x);
  ASSERT_TRUE(x.allFinite());
  EXPECT_GE(x.minCoeff(), 0.0);
  EXPECT_NEAR(x.sum(), 1.0, 1e-12);
}

TEST(SampleIndex, InvertsTheCumulativeDistributionAndSkipsZeros) {
  Eigen::ArrayXd p(4);
  p << 0.25, 0.0, 0.5, 0.25;
  EXPECT_EQ(SampleIndex(p, 0.0), 0);
  EXPECT_EQ(SampleIndex(p, 0.2499), 0);
  EXPECT_EQ(SampleIndex(p, 0.25), 2);  // never the zero-probability action 1
  EXPECT_EQ(SampleIndex(p, 0.7499), 2);
  EXPECT_EQ(SampleIndex(p, 0.75), 3);
  p << 0.3, 0.3, 0.3, 0.0;  // sums to 0.9 (rounding): u beyond it → last positive
  EXPECT_EQ(SampleIndex(p, 0.95), 2);
}

TEST(PowerSchedule, ValuesAndPartialSums) {
  const PowerSchedule gamma{0.1, 0.6};
  EXPECT_DOUBLE_EQ(gamma(1), 0.1);
  EXPECT_DOUBLE_EQ(gamma(32), 0.1 / std::pow(32.0, 0.6));
  EXPECT_DOUBLE_EQ(gamma.Sum(3), 0.1 * (1 + std::pow(2.0, -0.6) + std::pow(3.0, -0.6)));
  EXPECT_DOUBLE_EQ((PowerSchedule{0.2, 0.0}).Sum(10), 2.0);  // constant step: Γ_t = γ·t
}

}  // namespace
}  // namespace nashnet::agents

// Bandit Hedge (agents/bandit_hedge.h): the importance-weighted estimator is unbiased under the
// distribution actually sampled (exploration included), and the learner is safe and reproducible.
#include "agents/bandit_hedge.h"

#include <cmath>
#include <vector>

#include "common/rng.h"
#include "gtest/gtest.h"

namespace nashnet::agents {
namespace {

PlayerView FiniteView(int n, uint64_t seed = 7) {
  PlayerView view;
  view.num_actions = n;
  view.payoff_range = {-1.0, 3.0};  // range 4: payoffs are normalised by (u + 1) / 4
  view.feedback = FeedbackModel::kBandit;
  view.seed = seed;
  return view;
}

Feedback PayoffFeedback(int64_t round, double payoff) {
  Feedback fb;
  fb.round = round;
  fb.payoff = payoff;
  return fb;
}

TEST(BanditHedgeLearner, EstimatorIsUnbiasedUnderTheSampledDistribution) {
  // E_{a ~ x̃}[v̂] = Σ_a x̃_a·v̂^(a) must equal the normalised payoff vector exactly (up to
  // rounding), with x̃ the explored distribution (not softmax(Y)).
  auto learner =
      BanditHedgeLearner::Create(FiniteView(4), {.gamma0 = 0.5, .epsilon0 = 0.6}).value();
  Rng rng(3);
  for (int t = 1; t <= 5; ++t) {  // move away from the uniform start
    (void)learner->Act();
    learner->Update(PayoffFeedback(t, rng.Uniform(-1.0, 3.0)));
  }
  const Eigen::VectorXd x = learner->strategy().probabilities;
  const double epsilon = 0.6 * std::pow(6.0, -1.0 / 3);
  EXPECT_GE(x.minCoeff(), epsilon / 4 - 1e-15);  // exploration is part of the reported x̃
  EXPECT_GT(x.maxCoeff() - x.minCoeff(), 0.01);  // and Y is no longer uniform

  const std::vector<double> payoffs = {3.0, -1.0, 1.0, 0.5};
  const Eigen::Vector4d normalised(1.0, 0.0, 0.5, 0.375);
  const double gamma = learner->step(learner->round());
  Eigen::Vector4d expectation = Eigen::Vector4d::Zero();
  for (int a = 0; a < 4; ++a) {
    BanditHedgeLearner copy = *learner;
    const Eigen::ArrayXd before = copy.scores();
    copy.UpdateWithAction(a, PayoffFeedback(6, payoffs[a]));
    const Eigen::ArrayXd change = copy.scores() - before;
    const int other = (a + 1) % 4;  // the shift to max 0 moves every entry equally
    Eigen::Vector4d v_hat = Eigen::Vector4d::Zero();
    v_hat[a] = (change[a] - change[other]) / gamma;
    for (int b = 0; b < 4; ++b) {
      if (b != a) {
        EXPECT_NEAR(change[b], change[other], 1e-12);  // v̂_b = 0 for b ≠ a
      }
    }
    expectation += x[a] * v_hat;
  }
  EXPECT_TRUE(expectation.isApprox(normalised, 1e-9)) << expectation.transpose();
}

TEST(BanditHedgeLearner, ReportsTheExploredDistributionAndItsProbability) {
  auto learner = BanditHedgeLearner::Create(FiniteView(3), {}).value();
  // ε_1 = min(1, 1·1) = 1: the first round is uniform whatever Y is.
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Eigen::Vector3d::Constant(1.0 / 3)));
  for (int t = 1; t <= 50; ++t) {
    const Action a = learner->Act();
    EXPECT_DOUBLE_EQ(a.probability, learner->strategy().probabilities[a.index]);
    learner->Update(PayoffFeedback(t, a.index == 2 ? 3.0 : -1.0));
  }
  EXPECT_EQ(learner->round(), 51);
  const Eigen::VectorXd x = learner->strategy().probabilities;
  EXPECT_GE(x.minCoeff(), std::pow(51.0, -1.0 / 3) / 3 - 1e-15);  // ε_51 / |A|
  EXPECT_GT(x[2], x[0]);
}

TEST(BanditHedgeLearner, HugePayoffsKeepAValidDistribution) {
  // Noisy payoffs far outside the range are not clipped; the scores stay finite regardless.
  auto learner = BanditHedgeLearner::Create(FiniteView(3), {.gamma0 = 1.0}).value();
  Rng rng(5);
  for (int t = 1; t <= 1000000; ++t) {
    (void)learner->Act();
    learner->Update(PayoffFeedback(t, 1e307 * rng.Uniform(-1.0, 1.0)));
  }
  const Eigen::VectorXd x = learner->strategy().probabilities;
  ASSERT_TRUE(x.allFinite());
  EXPECT_GE(x.minCoeff(), 0.0);
  EXPECT_NEAR(x.sum(), 1.0, 1e-12);
}

TEST(BanditHedgeLearner, SameSeedGivesTheSameActions) {
  auto a = BanditHedgeLearner::Create(FiniteView(4, 11), {}).value();
  auto b = BanditHedgeLearner::Create(FiniteView(4, 11), {}).value();
  for (int t = 1; t <= 500; ++t) {
    const Action x = a->Act(), y = b->Act();
    ASSERT_EQ(x.index, y.index) << "round " << t;
    a->Update(PayoffFeedback(t, x.index * 0.5));
    b->Update(PayoffFeedback(t, y.index * 0.5));
  }
}

TEST(BanditHedgeLearner, LearnsTheBestActionFromRealizedPayoffsOnly) {
  // Stochastic payoffs, action 1 better by 0.4 (normalised 0.1): after 20000 rounds it carries
  // most of the softmax mass (x̃_1 ≥ 1 − ε_T·2/3 − slack, with ε_T ≈ 0.037).
  auto learner = BanditHedgeLearner::Create(FiniteView(3, 2), {.gamma0 = 1.0}).value();
  Rng noise(9);
  for (int t = 1; t <= 20000; ++t) {
    const Action a = learner->Act();
    const double mean = a.index == 1 ? 1.4 : 1.0;
    learner->Update(PayoffFeedback(t, mean + noise.Uniform(-1.0, 1.0)));
  }
  EXPECT_GT(learner->strategy().probabilities[1], 0.9);
}

}  // namespace
}  // namespace nashnet::agents

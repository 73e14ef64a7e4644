// Hedge in its two forms (agents/hedge.h): the updates against hand computation, the defaults
// of ALGORITHMS.md, numerical safety and reproducibility.
#include "agents/hedge.h"

#include <cmath>
#include <vector>

#include "common/rng.h"
#include "gtest/gtest.h"

namespace nashnet::agents {
namespace {

PlayerView FiniteView(int n, FeedbackModel feedback = FeedbackModel::kFull, uint64_t seed = 7) {
  PlayerView view;
  view.num_actions = n;
  view.payoff_range = {0.0, 1.0};
  view.feedback = feedback;
  view.seed = seed;
  return view;
}

Feedback VectorFeedback(int64_t round, std::vector<double> v) {
  Feedback fb;
  fb.round = round;
  fb.payoff_vector = Eigen::Map<Eigen::VectorXd>(v.data(), static_cast<int>(v.size()));
  return fb;
}

// softmax of a 3-vector, written out.
Eigen::Vector3d Softmax3(double a, double b, double c) {
  const double ea = std::exp(a), eb = std::exp(b), ec = std::exp(c), s = ea + eb + ec;
  return {ea / s, eb / s, ec / s};
}

void ExpectDistribution(const Eigen::VectorXd& x) {
  ASSERT_TRUE(x.allFinite()) << x.transpose();
  EXPECT_GE(x.minCoeff(), 0.0);
  EXPECT_NEAR(x.sum(), 1.0, 1e-12);
}

TEST(HedgeLearner, FirstUpdatesMatchTheFormulaByHand) {
  // γ_t = 0.3 / t^0.5: γ_1 = 0.3, γ_2 = 0.3/√2. Y(2) = γ_1·v1, Y(3) = Y(2) + γ_2·v2.
  auto learner = HedgeLearner::Create(FiniteView(3), {.gamma0 = 0.3, .beta = 0.5}).value();
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Eigen::Vector3d::Constant(1.0 / 3)));
  learner->Update(VectorFeedback(1, {1.0, 0.0, 0.5}));
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Softmax3(0.3, 0.0, 0.15), 1e-14));
  learner->Update(VectorFeedback(2, {0.0, 1.0, -2.0}));
  const double g2 = 0.3 / std::sqrt(2.0);
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Softmax3(0.3, g2, 0.15 - 2 * g2), 1e-14));
  EXPECT_DOUBLE_EQ(learner->step(2), g2);
  EXPECT_EQ(learner->round(), 3);
}

TEST(HedgeLrLearner, FirstUpdatesMatchTheFormulaByHand) {
  // x(t+1) = softmax(η_{t+1}·S(t+1)), η_t = 0.8/√t.
  auto learner = HedgeLrLearner::Create(FiniteView(3), {.eta0 = 0.8, .eta_exponent = 0.5}).value();
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Eigen::Vector3d::Constant(1.0 / 3)));
  learner->Update(VectorFeedback(1, {1.0, 0.0, 0.5}));
  const double e2 = 0.8 / std::sqrt(2.0), e3 = 0.8 / std::sqrt(3.0);
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Softmax3(e2, 0.0, 0.5 * e2), 1e-14));
  learner->Update(VectorFeedback(2, {0.0, 1.0, -2.0}));
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Softmax3(e3, e3, -1.5 * e3), 1e-14));
}

TEST(HedgeOptions, DefaultsFollowTheFeedbackModelAndPayoffRange) {
  PlayerView view = FiniteView(4);
  view.payoff_range = {-2.0, 3.0};  // range 5
  EXPECT_DOUBLE_EQ(HedgeOptions::Defaults(view).gamma0, 0.1 / 5);
  EXPECT_EQ(HedgeOptions::Defaults(view).beta, 0.0);  // exact feedback: constant step
  view.feedback = FeedbackModel::kNoisy;
  EXPECT_EQ(HedgeOptions::Defaults(view).beta, 0.6);
  view.feedback = FeedbackModel::kCounterfactual;  // a noisy unbiased estimate too
  EXPECT_EQ(HedgeOptions::Defaults(view).beta, 0.6);
  EXPECT_DOUBLE_EQ(HedgeLrOptions::Defaults(view).eta0, std::sqrt(8 * std::log(4.0)) / 5);

  // The same through MakeLearner.
  auto made = MakeLearner("hedge", {}, view);
  ASSERT_TRUE(made.ok()) << made.status();
  const auto* hedge = dynamic_cast<const HedgeLearner*>(made->get());
  ASSERT_NE(hedge, nullptr);
  EXPECT_DOUBLE_EQ(hedge->step(32), 0.02 / std::pow(32.0, 0.6));
}

TEST(HedgeLearner, HugeScoresKeepAValidDistributionForAMillionRounds) {
  // Payoffs of magnitude up to 1e308 (γ = 1, so each step is too): without the max shift the
  // scores would overflow to ±inf within two rounds and the softmax would be NaN.
  auto hedge = HedgeLearner::Create(FiniteView(3), {.gamma0 = 1.0, .beta = 0.0}).value();
  auto lr = HedgeLrLearner::Create(FiniteView(3), {.eta0 = 1.0, .eta_exponent = 0.5}).value();
  Rng rng(1);
  for (int t = 1; t <= 1000000; ++t) {
    const double big = 1e308 * rng.Uniform(-1.0, 1.0);
    const Feedback fb = VectorFeedback(t, {big, -big, 0.5 * big});
    hedge->Update(fb);
    lr->Update(fb);
    if (t % 100000 == 0) {
      ExpectDistribution(hedge->strategy().probabilities);
      ExpectDistribution(lr->strategy().probabilities);
    }
  }
  // A consistently better action takes all the mass even with astronomically large scores.
  for (int t = 1; t <= 3; ++t) hedge->Update(VectorFeedback(t, {1e308, -1e308, 1e308}));
  ExpectDistribution(hedge->strategy().probabilities);
  EXPECT_NEAR(hedge->strategy().probabilities[1], 0.0, 1e-300);
}

TEST(HedgeLearner, MalformedFeedbackIsIgnored) {
  auto learner = HedgeLearner::Create(FiniteView(3), {.gamma0 = 0.1, .beta = 0.0}).value();
  learner->Update(VectorFeedback(1, {1.0, 2.0}));  // wrong size
  learner->Update(VectorFeedback(2, {1.0, NAN, 0.0}));
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Eigen::Vector3d::Constant(1.0 / 3)));
  EXPECT_EQ(learner->round(), 3);
}

TEST(HedgeLrLearner, MalformedFeedbackAddsNothingButTheRateMovesOn) {
  // S stays (1, 0, 0.5) through a skipped round, yet round 3's strategy uses η_3 = 0.8/√3, not η_2:
  // x(t) = softmax(η_t·S(t)) whatever the feedback was.
  auto learner = HedgeLrLearner::Create(FiniteView(3), {.eta0 = 0.8, .eta_exponent = 0.5}).value();
  learner->Update(VectorFeedback(1, {1.0, 0.0, 0.5}));
  learner->Update(VectorFeedback(2, {1.0, NAN, 0.0}));
  const double e3 = 0.8 / std::sqrt(3.0);
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Softmax3(e3, 0.0, 0.5 * e3), 1e-14))
      << learner->strategy().probabilities.transpose();
  learner->Update(VectorFeedback(3, {1.0, 2.0}));  // wrong size
  const double e4 = 0.8 / 2.0;
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Softmax3(e4, 0.0, 0.5 * e4), 1e-14));
}

TEST(HedgeLearner, SameSeedGivesTheSameActions) {
  auto a = HedgeLearner::Create(FiniteView(5, FeedbackModel::kFull, 42), {}).value();
  auto b = HedgeLearner::Create(FiniteView(5, FeedbackModel::kFull, 42), {}).value();
  auto c = HedgeLearner::Create(FiniteView(5, FeedbackModel::kFull, 43), {}).value();
  int differ = 0;
  for (int t = 1; t <= 200; ++t) {
    const Action x = a->Act(), y = b->Act(), z = c->Act();
    EXPECT_EQ(x.index, y.index);
    EXPECT_DOUBLE_EQ(x.probability, a->strategy().probabilities[x.index]);
    differ += x.index != z.index;
    const Feedback fb = VectorFeedback(t, {0.1, 0.2, 0.3, 0.4, 0.5});
    a->Update(fb);
    b->Update(fb);
    c->Update(fb);
  }
  EXPECT_GT(differ, 20);  // another seed is another sequence
}

TEST(HedgeLearner, SamplesActionsWithTheReportedProbabilities) {
  // 20000 draws from x = softmax((0, 1, 2)): frequencies within 4 standard errors (≤ 0.014).
  auto learner = HedgeLearner::Create(FiniteView(3), {.gamma0 = 1.0, .beta = 0.0}).value();
  learner->Update(VectorFeedback(1, {0.0, 1.0, 2.0}));
  const Eigen::VectorXd x = learner->strategy().probabilities;
  Eigen::Vector3d counts = Eigen::Vector3d::Zero();
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) counts[learner->Act().index] += 1;
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(counts[k] / kDraws, x[k], 0.014) << k;
}

}  // namespace
}  // namespace nashnet::agents

// kernel-da and hda (agents/kernel_da.h, agents/hda.h): their cells, updates, schedules and
// numerical safety. Their regret rates are in continuous_rates_test.cc.
#include <cmath>
#include <memory>
#include <string>
#include <string_view>

#include "agents/hda.h"
#include "agents/kernel_da.h"
#include "common/rng.h"
#include "gtest/gtest.h"

namespace nashnet::agents {
namespace {

PlayerView BoxView(int d, FeedbackModel feedback, uint64_t seed = 7) {
  PlayerView view;
  view.box.lower = Eigen::VectorXd::Constant(d, -1.0);
  view.box.upper = Eigen::VectorXd::Constant(d, 3.0);  // side 4
  view.payoff_range = {0.0, 2.0};
  view.feedback = feedback;
  view.horizon = 10000;
  view.seed = seed;
  return view;
}

// Checks that `x` is a cell distribution covering the box: masses sum to 1, cells of equal
// volume tile it.
void ExpectCellDistribution(const MixedStrategy& x, const games::Box& box) {
  ASSERT_TRUE(x.probabilities.allFinite());
  EXPECT_GE(x.probabilities.minCoeff(), 0.0);
  EXPECT_NEAR(x.probabilities.sum(), 1.0, 1e-9);
  ASSERT_EQ(x.cell_lower.cols(), x.probabilities.size());
  ASSERT_EQ(x.cell_upper.cols(), x.probabilities.size());
  double volume = 0.0;
  for (int c = 0; c < x.cell_lower.cols(); ++c) {
    volume += (x.cell_upper.col(c) - x.cell_lower.col(c)).prod();
  }
  EXPECT_NEAR(volume, (box.upper - box.lower).prod(), 1e-9);
}

TEST(KernelDaLearner, FullInformationAddsTheLossAtEveryCellCentre) {
  // grid 4 on [−1, 3]: centres −0.5, 0.5, 1.5, 2.5. u(z) = z/2 + 0.5 ∈ [0, 2] → ℓ = (2 − u)/2.
  auto learner = KernelDaLearner::Create(BoxView(1, FeedbackModel::kFull),
                                         {.eta0 = 1.5, .eta_exponent = 0.5, .grid = 4})
                     .value();
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(Eigen::Vector4d::Constant(0.25)));
  Feedback fb;
  fb.payoff_function = [](const Eigen::VectorXd& z) { return z[0] / 2 + 0.5; };
  learner->Update(fb);
  // x_2 ∝ exp(−η_2·ℓ(centre)), η_2 = 1.5/√2.
  const double eta = 1.5 / std::sqrt(2.0);
  Eigen::Vector4d expected;
  for (int c = 0; c < 4; ++c) {
    const double z = -0.5 + c;
    expected[c] = std::exp(-eta * (2 - (z / 2 + 0.5)) / 2);
  }
  expected /= expected.sum();
  EXPECT_TRUE(learner->strategy().probabilities.isApprox(expected, 1e-12));
  EXPECT_DOUBLE_EQ(learner->strategy().cell_lower(0, 1), 0.0);
  EXPECT_DOUBLE_EQ(learner->strategy().cell_upper(0, 1), 1.0);
}

TEST(KernelDaLearner, BanditEstimateSpreadsOverTheBallAndIsImportanceWeighted) {
  // 1-d, grid 40 on a box of side 4 (cells 0.1 wide, 0.025 normalised). δ_1 = 0.05 normalised:
  // the ball holds the 4 cells whose centres lie within 0.05 of X (or 3..5 near edges).
  KernelDaOptions o{.eta0 = 1.0,
                    .eta_exponent = 0.0,
                    .bandwidth0 = 0.05,
                    .bandwidth_exponent = 0.0,
                    .epsilon0 = 0.5,
                    .epsilon_exponent = 0.0,
                    .grid = 40};
  auto learner = KernelDaLearner::Create(BoxView(1, FeedbackModel::kBandit), o).value();
  const Action a = learner->Act();
  EXPECT_NEAR(a.probability, (1.0 / 40) / 0.1, 1e-12);  // uniform density 1/4
  Feedback fb;
  fb.payoff = 0.0;  // ℓ = 1
  learner->Update(fb);
  // Cells that received the estimate now have mass exp(−ℓ̂)/(...) < the others'; ℓ̂ = 1/(m·x̃_c)
  // with x̃_c = 1/40, so exp(−40/m) relative to untouched cells (then mixed with ε = 0.5).
  const Eigen::VectorXd& x = learner->strategy().probabilities;
  int m = 0;
  for (int c = 0; c < 40; ++c) m += x[c] < x.maxCoeff() - 1e-12;
  ASSERT_GE(m, 3);
  ASSERT_LE(m, 5);
  const double w_hit = std::exp(-40.0 / m), w_free = 1.0;
  const double z = m * w_hit + (40 - m) * w_free;
  EXPECT_NEAR(x.maxCoeff(), 0.5 * w_free / z + 0.5 / 40, 1e-12);
  EXPECT_NEAR(x.minCoeff(), 0.5 * w_hit / z + 0.5 / 40, 1e-12);
}

TEST(KernelDaLearner, AHugeBandwidthIsCappedAndItsBallCoversTheWholeGrid) {
  KernelDaOptions o{.bandwidth0 = 1e9, .bandwidth_exponent = 0.0, .epsilon0 = 0.0, .grid = 4096};
  auto rejected = KernelDaLearner::Create(BoxView(1, FeedbackModel::kBandit), o);
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(std::string(rejected.status().message()).find("bandwidth0"), std::string::npos);
  // δ = 1e6 passes, and (x ± δ)·4096 ≈ ±4e9 is past INT_MAX: the cell range must be clamped
  // before the cast (else UB; on x86 it wrapped to INT_MIN and left only the played cell). The
  // ball holds every cell, so all get the same estimate and the strategy stays uniform.
  o.bandwidth0 = 1e6;
  auto learner = KernelDaLearner::Create(BoxView(1, FeedbackModel::kBandit), o).value();
  for (int t = 0; t < 3; ++t) {
    (void)learner->Act();
    Feedback fb;
    fb.payoff = 0.5;  // ℓ = 0.75
    learner->Update(fb);
  }
  const Eigen::VectorXd& x = learner->strategy().probabilities;
  EXPECT_NEAR(x.maxCoeff(), 1.0 / 4096, 1e-15);
  EXPECT_NEAR(x.minCoeff(), 1.0 / 4096, 1e-15);
}

TEST(HdaOptions, CellsTimesDimensionAreCappedAt2To22) {
  // 2^20 cells × d = 8 coordinates would be 2^23 doubles per bound matrix: rejected, naming
  // max_level; 2^19·8 = 2^22 is the largest allowed, and the defaults respect the cap.
  HdaOptions o = HdaOptions::Defaults(BoxView(8, FeedbackModel::kBandit));
  EXPECT_EQ(o.max_level, 19);
  EXPECT_TRUE(HdaLearner::Create(BoxView(8, FeedbackModel::kBandit), o).ok());
  o.max_level = 20;
  const absl::Status status = HdaLearner::Create(BoxView(8, FeedbackModel::kBandit), o).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("max_level 20"), std::string::npos) << status;
  EXPECT_FALSE(o.Validate(8).ok());
  EXPECT_TRUE(o.Validate(4).ok());  // 2^20·4 = 2^22
  EXPECT_EQ(HdaOptions::Defaults(BoxView(1, FeedbackModel::kBandit)).max_level, 20);
}

TEST(KernelDaLearner, AutomaticGridHasEightCellsPerBandwidthAtTheHorizon) {
  const PlayerView view = BoxView(1, FeedbackModel::kBandit);
  const KernelDaOptions o = KernelDaOptions::Defaults(view);
  auto learner = KernelDaLearner::Create(view, o).value();
  const double delta_T = o.bandwidth0 * std::pow(10000.0, -o.bandwidth_exponent);
  EXPECT_EQ(learner->grid().num_cells(), static_cast<int>(std::ceil(8 / delta_T)));
  // Full information: ⌈√T⌉ cells per dimension, capped at 2^14 cells in all.
  auto full = KernelDaLearner::Create(BoxView(3, FeedbackModel::kFull),
                                      KernelDaOptions::Defaults(BoxView(3, FeedbackModel::kFull)))
                  .value();
  EXPECT_EQ(full->grid().counts()[0], 25);  // ⌊(2^14)^(1/3)⌋ = 25 < √10^4 = 100
}

TEST(HdaLearner, RefinesOneCoordinatePerLevelAndChildrenInheritScores) {
  // d = 2, refinement 1: level s_t = ⌊log2 t⌋, coordinates 0, 1, 0, 1, ... halved in turn.
  auto learner = HdaLearner::Create(BoxView(2, FeedbackModel::kBandit),
                                    {.eta0 = 1.0, .eta_exponent = 0.0, .refinement = 1.0})
                     .value();
  EXPECT_EQ(learner->strategy().probabilities.size(), 1);
  Feedback fb;
  fb.payoff = 0.0;  // ℓ = 1
  for (int t = 1; t <= 4; ++t) {
    (void)learner->Act();
    learner->Update(fb);
  }
  // Round 5: level 2, a 2 × 2 partition.
  EXPECT_EQ(learner->level(), 2);
  EXPECT_EQ(learner->grid().counts(), Eigen::Vector2i(2, 2));
  ExpectCellDistribution(learner->strategy(), learner->grid().box());
  for (int t = 5; t <= 7; ++t) {
    (void)learner->Act();
    learner->Update(fb);
  }
  // Round 8: level 3, coordinate 0 halved again.
  EXPECT_EQ(learner->level(), 3);
  EXPECT_EQ(learner->grid().counts(), Eigen::Vector2i(4, 2));
  // Children inherit their parent's Y: cells 2k and 2k+1 (siblings along coordinate 0) have
  // equal mass right after the split.
  const Eigen::VectorXd& p = learner->strategy().probabilities;
  for (int k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(p[2 * k], p[2 * k + 1]);
}

TEST(HdaLearner, UpdateIsTheImportanceWeightedLossOfThePlayedCell) {
  auto learner = HdaLearner::Create(BoxView(1, FeedbackModel::kBandit),
                                    {.eta0 = 0.7, .eta_exponent = 0.0, .refinement = 1.0})
                     .value();
  // Rounds 1, 2 on one cell; round 2 refines to 2 cells, each with p = 1/2.
  Feedback fb;
  fb.payoff = 2.0;  // ℓ = 0
  (void)learner->Act();
  learner->Update(fb);
  const Action a = learner->Act();
  EXPECT_NEAR(a.probability, 0.5 / 2.0, 1e-15);  // mass 1/2 over a cell of length 2
  fb.payoff = 0.5;                               // ℓ = 0.75, Y(C) += 0.75 / 0.5
  learner->Update(fb);
  const Eigen::VectorXd& p = learner->strategy().probabilities;
  const int played = a.point[0] < 1.0 ? 0 : 1;
  EXPECT_NEAR(p[played] / p[1 - played], std::exp(-0.7 * 1.5), 1e-12);
}

TEST(ContinuousLearners, HugePayoffsKeepAValidCellDistribution) {
  for (const char* algorithm : {"kernel-da", "hda"}) {
    for (FeedbackModel feedback : {FeedbackModel::kFull, FeedbackModel::kBandit}) {
      SCOPED_TRACE(algorithm);
      const PlayerView view = BoxView(2, feedback);
      // A coarse grid for kernel-da: full feedback calls the payoff function once per cell.
      const LearnerParams params = std::string_view(algorithm) == "kernel-da"
                                       ? LearnerParams{{"grid", 16}}
                                       : LearnerParams{};
      auto learner = MakeLearner(algorithm, params, view).value();
      Rng rng(4);
      for (int t = 1; t <= 20000; ++t) {
        const Action a = learner->Act();
        ASSERT_TRUE(view.box.Contains(a.point));
        ASSERT_GT(a.probability, 0.0);
        Feedback fb;
        fb.payoff = 1e306 * rng.Uniform(-1.0, 1.0);
        const double scale = fb.payoff;
        fb.payoff_function = [scale](const Eigen::VectorXd& z) { return scale * z[0]; };
        learner->Update(fb);
      }
      ExpectCellDistribution(learner->strategy(), view.box);
    }
  }
}

TEST(ContinuousLearners, SameSeedGivesTheSamePoints) {
  for (const char* algorithm : {"kernel-da", "hda"}) {
    SCOPED_TRACE(algorithm);
    auto a = MakeLearner(algorithm, {}, BoxView(2, FeedbackModel::kBandit, 5)).value();
    auto b = MakeLearner(algorithm, {}, BoxView(2, FeedbackModel::kBandit, 5)).value();
    for (int t = 1; t <= 300; ++t) {
      const Action x = a->Act(), y = b->Act();
      ASSERT_EQ(x.point, y.point) << "round " << t;
      Feedback fb;
      fb.payoff = 2.0 - x.point.squaredNorm() / 9;
      a->Update(fb);
      b->Update(fb);
    }
  }
}

}  // namespace
}  // namespace nashnet::agents

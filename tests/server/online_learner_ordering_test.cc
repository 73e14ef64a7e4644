// Issue 12's claim about the continuous learners, on the catalogue's own online problems: with
// their defaults, under bandit feedback, HDA's static regret at T = 32,000 is below kernel dual
// averaging's (ALGORITHMS.md target 5, "HDA's regret below kernel DA's at large T"), on
// online_bumps and online_drift, for every seed tried. Through Simulate, as `nashnet simulate`
// plays the run file. Measured (Release, these seeds): online_bumps 1,350 / 1,329 against
// kernel-DA 2,829 / 2,738; online_drift −4,850 / −4,819 against 1,105 / 725 (HDA tracks the
// drift better than the best fixed point; agents/hda.h explains the constants).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "server/simulation.h"

namespace nashnet::server {
namespace {

double StaticRegret(const std::string& game, const std::map<std::string, std::string>& params,
                    const std::string& algorithm, uint64_t seed) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name(game);
  for (const auto& [key, value] : params) (*spec.mutable_game()->mutable_params())[key] = value;
  spec.mutable_learner()->set_algorithm(algorithm);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  spec.set_rounds(32000);
  spec.set_record_every(32000);
  spec.set_seed(seed);
  absl::StatusOr<RunPlan> plan = PlanRun(spec);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return 0.0;
  absl::StatusOr<RunSummary> summary = Simulate(*plan, seed, nullptr, {});
  EXPECT_TRUE(summary.ok()) << summary.status();
  return summary.ok() ? summary->players.at(0).regret : 0.0;
}

TEST(OnlineLearnerOrdering, HdaBeatsKernelDaOnTheCataloguesOnlineProblemsAtT32000) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "kernel-DA plays 32,000 rounds on a fine grid: minutes under ASan; the "
                  "release preset runs this";
#endif
  const std::map<std::string, std::string> bumps = {
      {"dimension", "1"}, {"bumps", "5"}, {"seed", "3"}};
  const std::map<std::string, std::string> drift = {{"dimension", "1"}};
  for (uint64_t seed : {1u, 2u}) {
    const double hda_bumps = StaticRegret("online_bumps", bumps, "hda", seed);
    const double kda_bumps = StaticRegret("online_bumps", bumps, "kernel-da", seed);
    EXPECT_LT(hda_bumps, kda_bumps) << "online_bumps, seed " << seed;
    const double hda_drift = StaticRegret("online_drift", drift, "hda", seed);
    const double kda_drift = StaticRegret("online_drift", drift, "kernel-da", seed);
    EXPECT_LT(hda_drift, kda_drift) << "online_drift, seed " << seed;
    // Not by a hair: the gap the defaults were tuned for (measured about 2× and 5,000).
    EXPECT_LT(hda_bumps, 0.75 * kda_bumps) << "online_bumps, seed " << seed;
    EXPECT_LT(hda_drift, kda_drift - 2000.0) << "online_drift, seed " << seed;
  }
}

}  // namespace
}  // namespace nashnet::server

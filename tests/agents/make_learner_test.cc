// MakeLearner and LearnerCatalogue (agents/learner.h): names, parameters and their errors.
#include <string>
#include <vector>

#include "agents/learner.h"
#include "gtest/gtest.h"

namespace nashnet::agents {
namespace {

PlayerView Finite(FeedbackModel feedback = FeedbackModel::kFull) {
  PlayerView view;
  view.num_actions = 3;
  view.feedback = feedback;
  return view;
}

PlayerView Continuous(int d, FeedbackModel feedback = FeedbackModel::kBandit) {
  PlayerView view;
  view.box.lower = Eigen::VectorXd::Zero(d);
  view.box.upper = Eigen::VectorXd::Ones(d);
  view.feedback = feedback;
  view.horizon = 1000;
  return view;
}

TEST(LearnerCatalogue, ListsTheFiveLearnersAndEachBuildsWithItsDefaults) {
  const std::vector<LearnerInfo>& catalogue = LearnerCatalogue();
  std::vector<std::string> names;
  for (const LearnerInfo& info : catalogue) {
    names.push_back(info.name);
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.params.empty());
    const PlayerView view = info.finite ? Finite(FeedbackModel::kNoisy) : Continuous(2);
    auto learner = MakeLearner(info.name, {}, view);
    ASSERT_TRUE(learner.ok()) << learner.status();
    EXPECT_NEAR((*learner)->strategy().probabilities.sum(), 1.0, 1e-12);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"hedge", "hedge-lr", "bandit-hedge", "kernel-da", "hda"}));
}

struct BadCase {
  std::string algorithm;
  LearnerParams params;
  PlayerView view;
  std::vector<std::string> message_mentions;
};

TEST(MakeLearner, RejectsBadInputWithAMessageNamingIt) {
  const std::vector<BadCase> cases = {
      {"exp3", {}, Finite(), {"exp3", "hedge", "bandit-hedge", "hda"}},
      {"hedge", {{"gama0", 0.1}}, Finite(), {"hedge", "gama0", "gamma0", "beta"}},
      {"hedge", {{"gamma0", -0.1}}, Finite(), {"hedge", "gamma0"}},
      {"hedge", {{"gamma0", 0.0}}, Finite(), {"gamma0"}},
      {"hedge", {{"beta", 1.5}}, Finite(), {"beta", "[0, 1]"}},
      {"hedge", {{"beta", -0.1}}, Finite(), {"beta"}},
      {"hedge-lr", {{"eta0", -1.0}}, Finite(), {"hedge-lr", "eta0"}},
      {"hedge-lr", {{"beta", 0.5}}, Finite(), {"beta", "eta0", "eta_exponent"}},
      {"bandit-hedge", {{"epsilon0", 1.5}}, Finite(), {"epsilon0"}},
      {"bandit-hedge", {{"epsilon_exponent", 2.0}}, Finite(), {"epsilon_exponent"}},
      {"kernel-da", {{"grid", 0.0}}, Continuous(1), {"kernel-da", "grid"}},
      {"kernel-da", {{"grid", 2.5}}, Continuous(1), {"grid", "integer"}},
      {"kernel-da", {{"grid", 100000.0}}, Continuous(2), {"grid", "cap"}},
      {"kernel-da", {{"bandwidth0", -1.0}}, Continuous(1), {"bandwidth0"}},
      {"kernel-da", {{"eta_exponent", 1.2}}, Continuous(1), {"eta_exponent"}},
      {"hda", {{"refinement", 0.0}}, Continuous(1), {"hda", "refinement"}},
      {"hda", {{"max_level", 99.0}}, Continuous(1), {"max_level"}},
      {"hda", {{"eta0", NAN}}, Continuous(1), {"eta0"}},
      // Learners that do not fit the action space or the feedback.
      {"hedge", {}, Continuous(1), {"hedge", "finite"}},
      {"bandit-hedge", {}, Continuous(1), {"bandit-hedge", "finite"}},
      {"kernel-da", {}, Finite(), {"kernel-da", "continuous"}},
      {"hda", {}, Finite(), {"hda", "continuous"}},
      {"hedge", {}, Finite(FeedbackModel::kBandit), {"bandit-hedge"}},
      {"kernel-da", {}, Continuous(1, FeedbackModel::kCounterfactual), {"counterfactual"}},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.algorithm + " " + ::testing::PrintToString(c.params));
    auto learner = MakeLearner(c.algorithm, c.params, c.view);
    ASSERT_FALSE(learner.ok());
    EXPECT_EQ(learner.status().code(), absl::StatusCode::kInvalidArgument);
    for (const std::string& word : c.message_mentions) {
      EXPECT_NE(std::string(learner.status().message()).find(word), std::string::npos)
          << "'" << word << "' not in: " << learner.status().message();
    }
  }
}

TEST(MakeLearner, AcceptsEveryCataloguedParameter) {
  for (const LearnerInfo& info : LearnerCatalogue()) {
    LearnerParams params;
    for (const std::string& p : info.params)
      params[p] = p == "max_level" ? 10 : p == "restart_every" ? 0 : 0.5;
    if (info.name == "kernel-da") params["grid"] = 16;
    SCOPED_TRACE(info.name);
    auto learner = MakeLearner(info.name, params, info.finite ? Finite() : Continuous(1));
    EXPECT_TRUE(learner.ok()) << learner.status();
  }
}

}  // namespace
}  // namespace nashnet::agents

// PlanRun (spec checks naming the field, defaults) and Simulate (recording, determinism).
#include "server/simulation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace nashnet::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class Collector : public RoundObserver {
 public:
  void OnRound(const RoundMetrics& m) override { rounds.push_back(m); }
  std::vector<RoundMetrics> rounds;
};

v1::RunSpec Spec(const std::string& game, int64_t rounds) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name(game);
  spec.set_rounds(rounds);
  return spec;
}

absl::Status PlanStatus(const v1::RunSpec& spec) { return PlanRun(spec, ".").status(); }

TEST(PlanRun, FillsTheDefaults) {
  auto plan = PlanRun(Spec("matching_pennies", 10), ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->spec.seeds(), 1);
  EXPECT_EQ(plan->spec.record_every(), 1);
  EXPECT_EQ(plan->spec.feedback().model(), v1::FEEDBACK_MODEL_FULL);
  EXPECT_EQ(plan->spec.feedback().noise(), v1::NOISE_DISTRIBUTION_GAUSSIAN);
  EXPECT_EQ(plan->spec.learner().algorithm(), "hedge");
  ASSERT_EQ(plan->learners.size(), 2u);
  EXPECT_EQ(plan->learners[1].algorithm, "hedge");
  EXPECT_EQ(plan->match.rounds, 10);
  EXPECT_EQ(plan->match.feedback, agents::FeedbackModel::kFull);
}

TEST(PlanRun, RefusesNonFiniteParametersEvenOfALearnerNoPlayerUses) {
  // Found by fuzz/spec_check.cc: every player overrode `learner`, so its nan was never resolved,
  // and the spec.yaml written for the run could not be read back.
  v1::RunSpec spec = Spec("matching_pennies", 10);
  spec.mutable_learner()->set_algorithm("hedge");
  (*spec.mutable_learner()->mutable_params())["gamma0"] = std::nan("");
  spec.add_players()->set_algorithm("hedge-lr");
  spec.add_players()->set_algorithm("hedge-lr");
  EXPECT_EQ(PlanRun(spec, ".").status().message(),
            "learner.params.gamma0: must be finite, got nan");
  spec.mutable_learner()->clear_params();
  (*spec.mutable_players(1)->mutable_params())["eta0"] = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(PlanRun(spec, ".").status().message(),
            "players[1].params.eta0: must be finite, got -inf");
}

TEST(PlanRun, BanditFeedbackDefaultsToBanditHedge) {
  v1::RunSpec spec = Spec("matching_pennies", 10);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  auto plan = PlanRun(spec, ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const PlayerLearnerSpec& learner : plan->learners) {
    EXPECT_EQ(learner.algorithm, "bandit-hedge");  // hedge cannot learn from bandit feedback
  }
}

TEST(PlanRun, PerPlayerLearnersOverrideTheDefaultOne) {
  v1::RunSpec spec = Spec("matching_pennies", 10);
  spec.mutable_learner()->set_algorithm("hedge");
  (*spec.mutable_learner()->mutable_params())["beta"] = 0.5;
  spec.add_players();  // empty algorithm: keeps `learner`'s, adds its own params
  (*spec.mutable_players(0)->mutable_params())["gamma0"] = 0.3;
  spec.add_players()->set_algorithm("hedge-lr");
  auto plan = PlanRun(spec, ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->learners[0].algorithm, "hedge");
  EXPECT_EQ(plan->learners[0].params.at("beta"), 0.5);
  EXPECT_EQ(plan->learners[0].params.at("gamma0"), 0.3);
  EXPECT_EQ(plan->learners[1].algorithm, "hedge-lr");
  EXPECT_TRUE(plan->learners[1].params.empty());
}

struct BadSpec {
  std::string name;
  std::function<void(v1::RunSpec*)> edit;
  std::string field;  // the message starts with "<field>:"
};

TEST(PlanRun, ErrorsNameTheField) {
  const std::vector<BadSpec> cases = {
      {"no rounds", [](v1::RunSpec* s) { s->set_rounds(0); }, "rounds"},
      {"too many rounds", [](v1::RunSpec* s) { s->set_rounds(20'000'000'000); }, "rounds"},
      {"negative seeds", [](v1::RunSpec* s) { s->set_seeds(-1); }, "seeds"},
      {"too many seeds", [](v1::RunSpec* s) { s->set_seeds(2'000'000'000); }, "seeds"},
      {"seeds past 2^64",
       [](v1::RunSpec* s) {
         s->set_seed(UINT64_MAX);
         s->set_seeds(2);
       },
       "seed"},
      {"negative record_every", [](v1::RunSpec* s) { s->set_record_every(-2); }, "record_every"},
      {"negative sigma",
       [](v1::RunSpec* s) {
         s->mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
         s->mutable_feedback()->set_sigma(-1);
       },
       "feedback.sigma"},
      {"non-finite sigma",
       [](v1::RunSpec* s) {
         s->mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
         s->mutable_feedback()->set_sigma(NAN);
       },
       "feedback.sigma"},
      {"noisy without sigma",
       [](v1::RunSpec* s) { s->mutable_feedback()->set_model(v1::FEEDBACK_MODEL_NOISY); },
       "feedback.sigma"},
      {"full with sigma", [](v1::RunSpec* s) { s->mutable_feedback()->set_sigma(0.5); },
       "feedback.sigma"},
      {"unknown model",
       [](v1::RunSpec* s) { s->mutable_feedback()->set_model(static_cast<v1::FeedbackModel>(9)); },
       "feedback.model"},
      {"no game", [](v1::RunSpec* s) { s->mutable_game()->clear_name(); }, "game.name"},
      {"unknown game", [](v1::RunSpec* s) { s->mutable_game()->set_name("tic_tac_toe"); },
       "game.name"},
      {"unknown game param",
       [](v1::RunSpec* s) { (*s->mutable_game()->mutable_params())["colour"] = "red"; },
       "game.params"},
      {"too many players",
       [](v1::RunSpec* s) {
         for (int i = 0; i < 3; ++i) s->add_players();
       },
       "players"},
      {"unknown algorithm", [](v1::RunSpec* s) { s->mutable_learner()->set_algorithm("sgd"); },
       "learner.algorithm"},
      {"unknown per-player algorithm",
       [](v1::RunSpec* s) {
         s->add_players();
         s->add_players()->set_algorithm("sgd");
       },
       "players[1].algorithm"},
      {"unknown per-player parameter",
       [](v1::RunSpec* s) {
         s->add_players();
         (*s->add_players()->mutable_params())["gamma00"] = 1;
       },
       "players[1].params.gamma00"},
      {"impossible per-player value",
       [](v1::RunSpec* s) {
         s->add_players();
         (*s->add_players()->mutable_params())["gamma0"] = -1;
       },
       "players[1].params.gamma0"},
      {"impossible shared value",
       [](v1::RunSpec* s) { (*s->mutable_learner()->mutable_params())["gamma0"] = -1; },
       "learner.params.gamma0"},
      {"non-finite value",
       [](v1::RunSpec* s) { (*s->mutable_learner()->mutable_params())["beta"] = INFINITY; },
       "learner.params.beta"},
      {"learner for the wrong action set",
       [](v1::RunSpec* s) { s->mutable_learner()->set_algorithm("kernel-da"); },
       "learner.algorithm"},
  };
  for (const BadSpec& c : cases) {
    SCOPED_TRACE(c.name);
    v1::RunSpec spec = Spec("matching_pennies", 100);
    c.edit(&spec);
    const absl::Status status = PlanStatus(spec);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), StartsWith(c.field + ": ")) << status;
  }
}

// Bitwise equality of two metric records (NaN equals NaN).
bool Same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool Same(const RoundMetrics& a, const RoundMetrics& b) {
  if (a.round != b.round || !Same(a.nash_gap, b.nash_gap) ||
      !Same(a.empirical_nash_gap, b.empirical_nash_gap) ||
      !Same(a.equilibrium_distance, b.equilibrium_distance) || a.players.size() != b.players.size())
    return false;
  for (size_t i = 0; i < a.players.size(); ++i) {
    const PlayerRoundMetrics &p = a.players[i], &q = b.players[i];
    if (!Same(p.regret, q.regret) || !Same(p.realized_regret, q.realized_regret) ||
        !Same(p.dynamic_regret, q.dynamic_regret) || !Same(p.payoff, q.payoff) ||
        !Same(p.equilibrium_distance, q.equilibrium_distance) || p.strategy != q.strategy)
      return false;
  }
  return true;
}

v1::RunSpec NoisyRps() {
  v1::RunSpec spec = Spec("rock_paper_scissors", 500);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_NOISY);
  spec.mutable_feedback()->set_sigma(0.5);
  spec.set_record_every(7);
  spec.add_players();
  spec.add_players()->set_algorithm("bandit-hedge");
  return spec;
}

TEST(Simulate, RecordsRoundOneEveryKthAndTheLast) {
  auto plan = PlanRun(NoisyRps(), ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  Collector c;
  std::vector<int64_t> progress;
  SimulateOptions options;
  options.progress = [&](int64_t done) { progress.push_back(done); };
  options.progress_every = 200;
  auto summary = Simulate(*plan, 5, &c, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(c.rounds.size(), 1u + 500 / 7 + 1);
  EXPECT_EQ(c.rounds.front().round, 1);
  EXPECT_EQ(c.rounds[1].round, 7);
  EXPECT_EQ(c.rounds.back().round, 500);
  EXPECT_EQ(progress, (std::vector<int64_t>{200, 400}));
  EXPECT_EQ(summary->rounds, 500);
  EXPECT_EQ(summary->seed, 5u);
  ASSERT_EQ(summary->players.size(), 2u);
  EXPECT_EQ(summary->players[0].algorithm, "hedge");
  EXPECT_EQ(summary->players[1].algorithm, "bandit-hedge");
  EXPECT_EQ(summary->players[1].strategy, c.rounds.back().players[1].strategy);
  EXPECT_EQ(summary->players[0].regret, c.rounds.back().players[0].regret);
  EXPECT_EQ(summary->empirical_nash_gap, c.rounds.back().empirical_nash_gap);
  EXPECT_GE(summary->elapsed_seconds, 0.0);
}

TEST(Simulate, SamePlanAndSeedGiveTheSameMetricsOtherSeedsOthers) {
  auto plan = PlanRun(NoisyRps(), ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  Collector a, b, c;
  ASSERT_TRUE(Simulate(*plan, 1, &a, {}).ok());
  ASSERT_TRUE(Simulate(*plan, 1, &b, {}).ok());
  ASSERT_TRUE(Simulate(*plan, 2, &c, {}).ok());
  ASSERT_EQ(a.rounds.size(), b.rounds.size());
  for (size_t k = 0; k < a.rounds.size(); ++k) {
    SCOPED_TRACE(k);
    EXPECT_TRUE(Same(a.rounds[k], b.rounds[k]));
  }
  EXPECT_FALSE(Same(a.rounds.back(), c.rounds.back()));
}

TEST(Simulate, ContinuousGamesRunWithTheirLearnersAndGridMetrics) {
  // cournot (2 firms, closed-form equilibrium) under bandit feedback with the default learner
  // (hda for continuous games); online_drift (time-varying) with kernel-da under full feedback.
  v1::RunSpec cournot = Spec("cournot", 300);
  cournot.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  cournot.set_record_every(100);
  auto plan = PlanRun(cournot, ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->spec.learner().algorithm(), "hda");
  Collector c;
  auto summary = Simulate(*plan, 1, &c, {});
  ASSERT_TRUE(summary.ok()) << summary.status();
  const RoundMetrics& last = c.rounds.back();
  EXPECT_EQ(last.round, 300);
  EXPECT_TRUE(std::isfinite(last.equilibrium_distance));
  EXPECT_TRUE(std::isnan(last.variation));
  ASSERT_EQ(last.players.size(), 2u);
  EXPECT_EQ(last.players[0].point.size(), 1);
  EXPECT_TRUE(std::isfinite(last.players[0].regret));
  EXPECT_GE(last.nash_gap, 0.0);
  EXPECT_EQ(summary->players[1].strategy, last.players[1].point);

  v1::RunSpec drift = Spec("online_drift", 300);
  drift.mutable_learner()->set_algorithm("kernel-da");
  auto drift_plan = PlanRun(drift, ".");
  ASSERT_TRUE(drift_plan.ok()) << drift_plan.status();
  Collector d;
  ASSERT_TRUE(Simulate(*drift_plan, 1, &d, {}).ok());
  EXPECT_GT(d.rounds.back().variation, 0.0);
  // Dynamic regret compares with the per-round best, static with the best fixed point.
  EXPECT_GE(d.rounds.back().players[0].dynamic_regret, d.rounds.back().players[0].regret - 1e-9);
}

TEST(Simulate, RejectsAPlanNotMadeByPlanRun) {
  RunPlan empty;
  EXPECT_EQ(Simulate(empty, 1, nullptr, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nashnet::server

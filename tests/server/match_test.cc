// Match: the checked entry point, the unchecked fast path, the feedback models and the
// coordinator's noise.
#include "server/match.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "agents/learner.h"
#include "common/rng.h"
#include "games/normal_form_game.h"

namespace nashnet::server {
namespace {

using ::testing::HasSubstr;

// Battle of the sexes: u0 = [[2, 0], [0, 1]], u1 = [[1, 0], [0, 2]] (rows = player 0).
std::shared_ptr<const games::Game> BattleOfTheSexes() {
  games::NormalFormGameData data;
  data.title = "bos";
  data.num_actions = {2, 2};
  data.payoffs = {{2, 0, 0, 1}, {1, 0, 0, 2}};
  return *games::NormalFormGame::Create(data);
}

agents::MixedStrategy Strategy(std::vector<double> p) {
  agents::MixedStrategy s;
  s.probabilities = Eigen::Map<Eigen::VectorXd>(p.data(), static_cast<Eigen::Index>(p.size()));
  return s;
}

agents::Action Play(int index) {
  agents::Action a;
  a.index = index;
  return a;
}

std::unique_ptr<Match> MakeMatch(MatchOptions options) {
  auto match = Match::Create(BattleOfTheSexes(), options);
  EXPECT_TRUE(match.ok()) << match.status();
  return *std::move(match);
}

TEST(Match, ViewForDescribesThePlayersGameAndSeedsItsLearner) {
  MatchOptions options;
  options.rounds = 50;
  options.seed = 7;
  auto match = MakeMatch(options);
  const agents::PlayerView view = match->ViewFor(1);
  EXPECT_EQ(view.player, 1);
  EXPECT_EQ(view.num_players, 2);
  EXPECT_EQ(view.num_actions, 2);
  EXPECT_EQ(view.horizon, 50);
  EXPECT_EQ(view.feedback, agents::FeedbackModel::kFull);
  EXPECT_EQ(view.seed, MixSeed(7, 1));
  EXPECT_EQ(view.payoff_range.min, 0.0);
  EXPECT_EQ(view.payoff_range.max, 2.0);
}

TEST(Match, CreateChecksTheOptions) {
  MatchOptions noisy;
  noisy.feedback = agents::FeedbackModel::kNoisy;
  auto a = Match::Create(BattleOfTheSexes(), noisy);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(a.status().message(), HasSubstr("sigma"));
  MatchOptions negative;
  negative.feedback = agents::FeedbackModel::kBandit;
  negative.sigma = -1;
  EXPECT_EQ(Match::Create(BattleOfTheSexes(), negative).status().code(),
            absl::StatusCode::kInvalidArgument);
  MatchOptions no_rounds;
  no_rounds.rounds = 0;
  EXPECT_THAT(Match::Create(BattleOfTheSexes(), no_rounds).status().message(), HasSubstr("rounds"));
  EXPECT_FALSE(Match::Create(nullptr, MatchOptions{}).ok());
}

struct BadSubmission {
  std::string name;
  int player;
  int action;
  std::vector<double> strategy;  // empty = no strategy
  absl::StatusCode code;
  std::string message;
};

TEST(Match, SubmitActionRejectsEachFaultNamingIt) {
  const std::vector<BadSubmission> cases = {
      {"player out of range",
       5,
       0,
       {0.5, 0.5},
       absl::StatusCode::kInvalidArgument,
       "player 5 out of range [0, 2)"},
      {"action out of range",
       1,
       7,
       {0.5, 0.5},
       absl::StatusCode::kInvalidArgument,
       "action.index: 7 out of range [0, 2) (player 1 has 2 actions)"},
      {"negative action",
       0,
       -1,
       {0.5, 0.5},
       absl::StatusCode::kInvalidArgument,
       "action.index: -1 out of range [0, 2) (player 0 has 2 actions)"},
      {"missing strategy",
       0,
       0,
       {},
       absl::StatusCode::kInvalidArgument,
       "player 0: strategy missing: full feedback"},
      {"sum",
       0,
       0,
       {0.5, 0.4},
       absl::StatusCode::kInvalidArgument,
       "player 0: strategy sums to 0.9 (must be 1 ± 1e-06)"},
      {"non-finite",
       1,
       0,
       {NAN, 0.5},
       absl::StatusCode::kInvalidArgument,
       "player 1: strategy[0] is not finite"},
      {"negative entry",
       1,
       0,
       {1.2, -0.2},
       absl::StatusCode::kInvalidArgument,
       "player 1: strategy[1] = -0.2 is negative"},
      {"wrong size",
       0,
       0,
       {0.2, 0.3, 0.5},
       absl::StatusCode::kInvalidArgument,
       "player 0: strategy has 3 entries, expected 2"},
  };
  MatchOptions options;
  options.rounds = 2;
  auto match = MakeMatch(options);
  for (const BadSubmission& c : cases) {
    SCOPED_TRACE(c.name);
    const agents::MixedStrategy s = Strategy(c.strategy);
    const absl::Status status =
        match->SubmitAction(c.player, Play(c.action), c.strategy.empty() ? nullptr : &s);
    EXPECT_EQ(status.code(), c.code);
    EXPECT_THAT(status.message(), HasSubstr(c.message));
    EXPECT_EQ(match->round(), 1);
    EXPECT_FALSE(match->all_submitted());
  }
  // The round is untouched: correct submissions still go through and decide the payoffs.
  const agents::MixedStrategy pure0 = Strategy({1.0, 0.0}), pure1 = Strategy({0.0, 1.0});
  ASSERT_TRUE(match->SubmitAction(1, Play(1), &pure1).ok());
  const absl::Status duplicate = match->SubmitAction(1, Play(1), &pure1);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(duplicate.message(), HasSubstr("player 1: already submitted an action for round 1"));
  EXPECT_FALSE(match->all_submitted());
  ASSERT_TRUE(match->SubmitAction(0, Play(0), &pure0).ok());
  ASSERT_TRUE(match->all_submitted());
  std::vector<agents::Feedback> feedback;
  match->Resolve(&feedback);
  EXPECT_EQ(match->round(), 2);
  ASSERT_EQ(feedback.size(), 2u);
  EXPECT_EQ(feedback[0].round, 1);
  EXPECT_EQ(feedback[0].payoff, 0.0);                               // u0(0, 1)
  EXPECT_EQ(feedback[0].payoff_vector, Eigen::Vector2d(0.0, 1.0));  // v0 against x1 = (0, 1)
  EXPECT_EQ(feedback[1].payoff_vector, Eigen::Vector2d(1.0, 0.0));  // v1 against x0 = (1, 0)
  // Play out the last round; then the match is over.
  ASSERT_TRUE(match->SubmitAction(0, Play(0), &pure0).ok());
  ASSERT_TRUE(match->SubmitAction(1, Play(1), &pure1).ok());
  match->Resolve(&feedback);
  EXPECT_TRUE(match->finished());
  const absl::Status over = match->SubmitAction(0, Play(0), &pure0);
  EXPECT_EQ(over.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(over.message(), HasSubstr("over"));
  EXPECT_EQ(match->Snapshot().round, 2);
}

// Plays `rounds` rounds with x0 = x1 = (1/2, 1/2) and actions a = (0, 1); returns all feedback.
std::vector<std::vector<agents::Feedback>> PlayFixed(Match* match, int rounds) {
  const agents::MixedStrategy half = Strategy({0.5, 0.5});
  std::vector<std::vector<agents::Feedback>> all;
  for (int t = 0; t < rounds; ++t) {
    EXPECT_TRUE(match->SubmitAction(0, Play(0), &half).ok());
    EXPECT_TRUE(match->SubmitAction(1, Play(1), &half).ok());
    match->Resolve(&all.emplace_back());
  }
  return all;
}

TEST(Match, EachFeedbackModelShowsWhatItAllows) {
  // x = ((.5,.5), (.5,.5)), a = (0, 1): v0(x) = (1, .5), v1(x) = (.5, 1);
  // v0(a_-0) = (0, 1), v1(a_-1) = (1, 0); u0(a) = u1(a) = 0.
  MatchOptions options;
  options.rounds = 1;
  options.feedback = agents::FeedbackModel::kFull;
  auto full = PlayFixed(MakeMatch(options).get(), 1)[0];
  EXPECT_EQ(full[0].payoff_vector, Eigen::Vector2d(1.0, 0.5));
  EXPECT_EQ(full[1].payoff_vector, Eigen::Vector2d(0.5, 1.0));
  EXPECT_EQ(full[0].payoff, 0.0);
  options.feedback = agents::FeedbackModel::kCounterfactual;
  auto counterfactual = PlayFixed(MakeMatch(options).get(), 1)[0];
  EXPECT_EQ(counterfactual[0].payoff_vector, Eigen::Vector2d(0.0, 1.0));
  EXPECT_EQ(counterfactual[1].payoff_vector, Eigen::Vector2d(1.0, 0.0));
  options.feedback = agents::FeedbackModel::kBandit;
  auto bandit = PlayFixed(MakeMatch(options).get(), 1)[0];
  EXPECT_EQ(bandit[0].payoff_vector.size(), 0);
  EXPECT_EQ(bandit[1].payoff, 0.0);
  EXPECT_FALSE(static_cast<bool>(bandit[1].payoff_function));
}

// A 2-player 3 × 3 game with no ties, so that learners move away from uniform at once.
std::shared_ptr<const games::Game> ThreeByThree() {
  games::NormalFormGameData data;
  data.title = "3x3";
  data.num_actions = {3, 3};
  data.payoffs = {{3, 0, 1, 1, 2, 0, 0, 1, 4}, {1, 2, 0, 0, 1, 3, 2, 0, 1}};
  return *games::NormalFormGame::Create(data);
}

// Same numbers, NaN equal to NaN (unknown metrics are NaN on both paths).
bool Same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void ExpectSameMetrics(const RoundMetrics& a, const RoundMetrics& b) {
  EXPECT_EQ(a.round, b.round);
  EXPECT_TRUE(Same(a.nash_gap, b.nash_gap)) << a.nash_gap << " vs " << b.nash_gap;
  EXPECT_TRUE(Same(a.empirical_nash_gap, b.empirical_nash_gap));
  EXPECT_TRUE(Same(a.equilibrium_distance, b.equilibrium_distance));
  ASSERT_EQ(a.players.size(), b.players.size());
  for (size_t i = 0; i < a.players.size(); ++i) {
    const PlayerRoundMetrics &p = a.players[i], &q = b.players[i];
    EXPECT_TRUE(Same(p.regret, q.regret)) << "player " << i;
    EXPECT_TRUE(Same(p.realized_regret, q.realized_regret)) << "player " << i;
    EXPECT_TRUE(Same(p.dynamic_regret, q.dynamic_regret)) << "player " << i;
    EXPECT_TRUE(Same(p.payoff, q.payoff)) << "player " << i;
    EXPECT_TRUE(Same(p.average_payoff, q.average_payoff)) << "player " << i;
    EXPECT_EQ(p.strategy, q.strategy) << "player " << i;
  }
}

struct FastPathCase {
  std::string name;
  agents::FeedbackModel model;
  double sigma;
  std::string algorithm;
  bool report_strategy;  // false: submit no strategy (the played action stands for it)
};

// The fast path skips the checks only: fed the same (valid) submissions as SubmitAction, it gives
// bit-identical feedback and metrics round by round, noise draws included. Each side has its own
// learners with the same seeds, so a difference anywhere would also change later actions.
TEST(Match, SubmitActionUncheckedPlaysTheSameRoundsAsSubmitAction) {
  const std::vector<FastPathCase> cases = {
      {"full", agents::FeedbackModel::kFull, 0.0, "hedge", true},
      {"noisy", agents::FeedbackModel::kNoisy, 0.5, "hedge", true},
      {"counterfactual, noise", agents::FeedbackModel::kCounterfactual, 0.3, "hedge", true},
      {"counterfactual, no strategy", agents::FeedbackModel::kCounterfactual, 0.0, "hedge", false},
      {"bandit, noise", agents::FeedbackModel::kBandit, 0.2, "bandit-hedge", true},
  };
  constexpr int kRounds = 8;
  for (const FastPathCase& c : cases) {
    SCOPED_TRACE(c.name);
    MatchOptions options{.feedback = c.model, .sigma = c.sigma, .rounds = kRounds, .seed = 5};
    auto checked = Match::Create(ThreeByThree(), options);
    auto unchecked = Match::Create(ThreeByThree(), options);
    ASSERT_TRUE(checked.ok() && unchecked.ok()) << checked.status() << unchecked.status();
    std::vector<std::unique_ptr<agents::Learner>> checked_learners, unchecked_learners;
    for (int i = 0; i < 2; ++i) {
      auto a = agents::MakeLearner(c.algorithm, {}, (*checked)->ViewFor(i));
      auto b = agents::MakeLearner(c.algorithm, {}, (*unchecked)->ViewFor(i));
      ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
      checked_learners.push_back(*std::move(a));
      unchecked_learners.push_back(*std::move(b));
    }
    std::vector<agents::Feedback> checked_feedback, unchecked_feedback;
    int strategies_moved = 0;  // the learners must actually learn for the test to mean anything
    for (int t = 1; t <= kRounds; ++t) {
      SCOPED_TRACE(t);
      for (int i = 0; i < 2; ++i) {
        const agents::MixedStrategy& x = checked_learners[i]->strategy();
        const agents::MixedStrategy& y = unchecked_learners[i]->strategy();
        const agents::Action a = checked_learners[i]->Act();
        const agents::Action b = unchecked_learners[i]->Act();
        ASSERT_TRUE((*checked)->SubmitAction(i, a, c.report_strategy ? &x : nullptr).ok());
        (*unchecked)->SubmitActionUnchecked(i, b, c.report_strategy ? &y : nullptr);
        strategies_moved += (x.probabilities.array() != 1.0 / 3.0).any();
      }
      ASSERT_TRUE((*unchecked)->all_submitted());
      (*checked)->Resolve(&checked_feedback);
      (*unchecked)->Resolve(&unchecked_feedback);
      EXPECT_EQ((*unchecked)->round(), t + 1);
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(checked_feedback[i].round, unchecked_feedback[i].round);
        EXPECT_EQ(checked_feedback[i].payoff, unchecked_feedback[i].payoff);
        EXPECT_EQ(checked_feedback[i].payoff_vector, unchecked_feedback[i].payoff_vector);
        checked_learners[i]->Update(checked_feedback[i]);
        unchecked_learners[i]->Update(unchecked_feedback[i]);
      }
      ExpectSameMetrics((*checked)->Snapshot(), (*unchecked)->Snapshot());
    }
    EXPECT_TRUE((*unchecked)->finished());
    if (c.model != agents::FeedbackModel::kBandit) {
      EXPECT_GT(strategies_moved, 0);
    }
  }
}

struct NoiseStats {
  double mean = 0.0;
  double std = 0.0;
  double max_abs = 0.0;
};

// The noise of every component and payoff the players saw, against the true values.
NoiseStats CollectNoise(NoiseDistribution dist, double sigma, int rounds) {
  MatchOptions options;
  options.rounds = rounds;
  options.feedback = agents::FeedbackModel::kNoisy;
  options.noise = dist;
  options.sigma = sigma;
  options.seed = 11;
  auto match = MakeMatch(options);
  const Eigen::Vector2d v0(1.0, 0.5), v1(0.5, 1.0);
  double sum = 0, sum2 = 0, max_abs = 0;
  int64_t n = 0;
  for (const auto& round : PlayFixed(match.get(), rounds)) {
    const double xi[] = {round[0].payoff_vector[0] - v0[0],
                         round[0].payoff_vector[1] - v0[1],
                         round[0].payoff - 0.0,
                         round[1].payoff_vector[0] - v1[0],
                         round[1].payoff_vector[1] - v1[1],
                         round[1].payoff - 0.0};
    for (double e : xi) {
      sum += e;
      sum2 += e * e;
      max_abs = std::max(max_abs, std::abs(e));
      ++n;
    }
  }
  const double mean = sum / n;
  return {mean, std::sqrt(sum2 / n - mean * mean), max_abs};
}

// 20,000 rounds × 6 draws = 120,000 draws. The standard error of the mean is σ/√n ≈ 0.003σ (we
// allow 5 of them); that of the sample std is σ·√((κ−1)/4n) ≈ 0.002σ for Gaussian (κ = 3) and
// 0.0013σ for uniform (κ = 1.8) (we allow 2 %, i.e. ≥ 10 standard errors, seed fixed).
constexpr int kNoiseRounds = 20'000;

TEST(MatchNoise, GaussianHasMeanZeroAndStdSigma) {
  const double sigma = 0.7;
  const NoiseStats s = CollectNoise(NoiseDistribution::kGaussian, sigma, kNoiseRounds);
  EXPECT_NEAR(s.mean, 0.0, 5 * sigma / std::sqrt(6.0 * kNoiseRounds));
  EXPECT_NEAR(s.std, sigma, 0.02 * sigma);
  EXPECT_GT(s.max_abs, 3 * sigma);  // tails exist: P(|ξ| > 3σ) ≈ 0.27 % of 120,000 draws
}

TEST(MatchNoise, UniformHasMeanZeroStdSigmaAndBoundedSupport) {
  const double sigma = 0.7;
  const NoiseStats s = CollectNoise(NoiseDistribution::kUniform, sigma, kNoiseRounds);
  EXPECT_NEAR(s.mean, 0.0, 5 * sigma / std::sqrt(6.0 * kNoiseRounds));
  EXPECT_NEAR(s.std, sigma, 0.02 * sigma);
  EXPECT_LE(s.max_abs, sigma * std::sqrt(3.0));  // uniform on [−σ√3, σ√3]
  EXPECT_GT(s.max_abs, 0.99 * sigma * std::sqrt(3.0));
}

TEST(MatchNoise, SameSeedSameFeedbackOtherSeedOther) {
  MatchOptions options;
  options.rounds = 20;
  options.feedback = agents::FeedbackModel::kNoisy;
  options.sigma = 0.5;
  options.seed = 3;
  auto a = PlayFixed(MakeMatch(options).get(), 20);
  auto b = PlayFixed(MakeMatch(options).get(), 20);
  options.seed = 4;
  auto c = PlayFixed(MakeMatch(options).get(), 20);
  int differing = 0;
  for (int t = 0; t < 20; ++t) {
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(a[t][i].payoff_vector, b[t][i].payoff_vector);
      EXPECT_EQ(a[t][i].payoff, b[t][i].payoff);
      differing += a[t][i].payoff_vector != c[t][i].payoff_vector;
    }
  }
  EXPECT_EQ(differing, 40);  // continuous noise: every draw differs
}

TEST(MatchNoise, BanditPayoffNoiseIsOptional) {
  MatchOptions options;
  options.rounds = 1;
  options.feedback = agents::FeedbackModel::kBandit;
  options.sigma = 0.0;
  EXPECT_EQ(PlayFixed(MakeMatch(options).get(), 1)[0][1].payoff, 0.0);
  options.sigma = 0.5;
  EXPECT_NE(PlayFixed(MakeMatch(options).get(), 1)[0][1].payoff, 0.0);
}

}  // namespace
}  // namespace nashnet::server

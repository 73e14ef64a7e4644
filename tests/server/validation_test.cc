// ALGORITHMS.md validation targets 1–4, end to end through Simulate (Match + LocalSeat + learners).
// Fixed seeds; sizes chosen to run in about a second in Release.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"
#include "server/simulation.h"

namespace nashnet::server {
namespace {

class Collector : public RoundObserver {
 public:
  void OnRound(const RoundMetrics& m) override { rounds.push_back(m); }
  std::vector<RoundMetrics> rounds;
};

// A 3×3 game with a strict equilibrium a* = (0, 0) reached from the uniform start (action 0 is
// strictly dominant for both players): u0 = c0[a0] + 0.1·1{a0 = a1}, c0 = (1, .4, .2);
// u1 = c1[a1] + 0.1·1{a0 = a1}, c1 = (1, .7, .5). Gaps at a*: player 0 1.1 − .4 = .7 and .9,
// player 1 1.1 − .7 = .4 and .6, so Δ = 0.4. Payoffs in [0.2, 1.1].
std::shared_ptr<const games::NormalFormGame> DominanceGame() {
  const double c0[] = {1.0, 0.4, 0.2}, c1[] = {1.0, 0.7, 0.5};
  games::NormalFormGameData data;
  data.title = "dominance3x3";
  data.num_actions = {3, 3};
  data.payoffs.assign(2, std::vector<double>(9));
  for (int a1 = 0; a1 < 3; ++a1) {
    for (int a0 = 0; a0 < 3; ++a0) {
      const double bonus = a0 == a1 ? 0.1 : 0.0;
      data.payoffs[0][a0 + 3 * a1] = c0[a0] + bonus;
      data.payoffs[1][a0 + 3 * a1] = c1[a1] + bonus;
    }
  }
  return *games::NormalFormGame::Create(data);
}

// A plan around `game` with every player running hedge(gamma0, beta).
RunPlan HedgePlan(std::shared_ptr<const games::Game> game, int64_t rounds, int64_t record_every,
                  agents::FeedbackModel model, double sigma, double gamma0, double beta) {
  RunPlan plan;
  plan.spec.set_rounds(rounds);
  plan.spec.set_record_every(record_every);
  plan.game = std::move(game);
  for (int i = 0; i < plan.game->num_players(); ++i) {
    plan.learners.push_back({"hedge", {{"gamma0", gamma0}, {"beta", beta}}});
  }
  plan.match.rounds = rounds;
  plan.match.feedback = model;
  plan.match.sigma = sigma;
  return plan;
}

// Least-squares slope of log(distance) against Γ_t = Σ_{s<t} γ0/s^β (x(t) has taken t − 1 steps)
// over the recorded rounds whose distance lies in [lo, hi]. NaN if fewer than 5 points.
double FittedSlope(const std::vector<RoundMetrics>& rounds, double gamma0, double beta, double lo,
                   double hi) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  double gamma_sum = 0.0;
  int64_t summed_to = 0;  // Γ covers steps 1..summed_to
  for (const RoundMetrics& m : rounds) {
    while (summed_to < m.round - 1) gamma_sum += gamma0 / std::pow(++summed_to, beta);
    const double d = m.equilibrium_distance;
    if (!(d >= lo && d <= hi)) continue;
    const double y = std::log(d);
    n += 1;
    sx += gamma_sum;
    sy += y;
    sxx += gamma_sum * gamma_sum;
    sxy += gamma_sum * y;
  }
  if (n < 5) return NAN;
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

double StrictGap(const games::FiniteGame& game) {
  auto eqs = games::PureEquilibria(game);
  EXPECT_TRUE(eqs.ok());
  EXPECT_EQ(eqs->size(), 1u);
  EXPECT_TRUE(eqs->front().strict);
  return eqs->front().gap;
}

// Target 1: full information, constant step: log‖x(t) − a*‖₁ falls along a line of slope −Δ in
// Γ_t (P1). The fit window [1e-12, 1e-3] starts once the opponent is close to a* (so the rate
// has settled to the gap at a*) and stays clear of the 1e-16 floor of 1 − x in double.
TEST(ValidationTarget1, FullInformationConvergesAtRateDelta) {
  auto game = DominanceGame();
  const double delta = StrictGap(*game);
  ASSERT_NEAR(delta, 0.4, 1e-12);
  const double gamma0 = 0.2;
  auto plan = HedgePlan(game, 600, 1, agents::FeedbackModel::kFull, 0.0, gamma0, 0.0);
  Collector c;
  ASSERT_TRUE(Simulate(plan, 1, &c, {}).ok());
  const double slope = FittedSlope(c.rounds, gamma0, 0.0, 1e-12, 1e-3);
  std::printf("target 1: fitted slope %.4f, -Delta = %.4f\n", slope, -delta);
  EXPECT_NEAR(slope, -delta, 0.2 * delta);  // ALGORITHMS.md: within 20 % of −Δ
}

// Target 2: noisy payoff vectors, σ = 0.5 × payoff range, γ_t = γ0/t^0.6. Convergence holds with
// high probability (Σγ_t = ∞, Σγ_t² < ∞), so we ask for ≥ 8 of 10 seeds to reach distance
// < 1e-6. Once a run is in the fit window the noise still added to the score gaps has standard
// deviation σ·(Σ_{s>t0} γ_s²)^½ ≈ 0.45·0.6 ≈ 0.3 against a fitted span of log(1e-3/1e-10) ≈ 16,
// so the slope keeps P1's 20 % tolerance.
TEST(ValidationTarget2, NoisyFeedbackMostSeedsConvergeAndKeepTheSlope) {
  auto game = DominanceGame();
  const double delta = StrictGap(*game);
  const double sigma = 0.5 * game->payoff_range().width();
  const double gamma0 = 1.0, beta = 0.6;
  auto plan = HedgePlan(game, 20'000, 10, agents::FeedbackModel::kNoisy, sigma, gamma0, beta);
  int converged = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE(seed);
    Collector c;
    ASSERT_TRUE(Simulate(plan, seed, &c, {}).ok());
    if (!(c.rounds.back().equilibrium_distance < 1e-6)) continue;
    ++converged;
    const double slope = FittedSlope(c.rounds, gamma0, beta, 1e-10, 1e-3);
    std::printf("target 2: seed %d slope %.4f\n", static_cast<int>(seed), slope);
    EXPECT_NEAR(slope, -delta, 0.2 * delta);
  }
  EXPECT_GE(converged, 8);
}

// Target 3: learning-rate Hedge (η_t = η0/√t, η0 = √(8 ln|A|)/w) on zero-sum games whose only
// equilibrium is mixed. Cesa-Bianchi & Lugosi (Thm 2.3) bound its regret on the payoff vectors it
// is fed by w·(√(2T ln|A|) + √(ln|A|/8)) for every T. In a two-player zero-sum game the Nash gap of
// the empirical play equals (R_0(T) + R_1(T))/T exactly (payoffs bilinear, summing to zero): the
// test checks that identity at every record, which ties the two metrics together.
//
// Under full information from the uniform start, matching pennies and rock-paper-scissors sit at
// their equilibrium from round 1 (zero regret, trivially), so they run with counterfactual
// feedback (payoffs of every action against the opponent's played action): the pseudo-regret then
// differs from the learner's own regret by two martingales with increments in [−w, w], each
// below w·√(2T ln(4|A|/δ)) with probability 1 − δ (Azuma–Hoeffding, union bound over actions);
// δ = 10^-3. A biased matching pennies (u0 = [[2, −1], [−1, 1]], equilibrium (0.4, 0.6) for both)
// runs under full information, where the bound holds deterministically.
struct NoRegretCase {
  std::string name;
  std::shared_ptr<const games::Game> game;
  agents::FeedbackModel feedback;
  double max_final_gap;  // stated threshold on the empirical Nash gap at T = 10^5
};

void CheckNoRegret(const NoRegretCase& c) {
  SCOPED_TRACE(c.name);
  constexpr int64_t kRounds = 100'000;
  RunPlan plan;
  plan.spec.set_rounds(kRounds);
  plan.spec.set_record_every(1000);
  plan.game = c.game;
  plan.learners.assign(2, PlayerLearnerSpec{"hedge-lr", {}});
  plan.match.rounds = kRounds;
  plan.match.feedback = c.feedback;
  Collector rec;
  ASSERT_TRUE(Simulate(plan, 1, &rec, {}).ok());
  const double w = plan.game->payoff_range().width();
  double worst_ratio = 0.0;
  for (const RoundMetrics& m : rec.rounds) {
    if (m.round < 1000) continue;
    const double t = static_cast<double>(m.round);
    for (int i = 0; i < 2; ++i) {
      const double log_n = std::log(static_cast<double>(m.players[i].strategy.size()));
      double bound = w * (std::sqrt(2 * t * log_n) + std::sqrt(log_n / 8));
      if (c.feedback != agents::FeedbackModel::kFull) {
        bound += 2 * w * std::sqrt(2 * t * std::log(4 * std::exp(log_n) / 1e-3));
      }
      EXPECT_LE(m.players[i].regret, bound) << "round " << m.round;
      worst_ratio = std::max(worst_ratio, m.players[i].regret / std::sqrt(t));
    }
    const double identity = (m.players[0].regret + m.players[1].regret) / t;
    EXPECT_NEAR(m.empirical_nash_gap, identity, 1e-9) << "round " << m.round;
  }
  std::printf("target 3 (%s): max R/sqrt(T) over 1e3..1e5 %.4f, empirical Nash gap at 1e5 %.5f\n",
              c.name.c_str(), worst_ratio, rec.rounds.back().empirical_nash_gap);
  EXPECT_EQ(rec.rounds.back().round, kRounds);
  EXPECT_GT(rec.rounds.back().empirical_nash_gap, 0.0);  // the dynamics are not trivial
  EXPECT_LT(rec.rounds.back().empirical_nash_gap, c.max_final_gap);
}

std::shared_ptr<const games::Game> Catalogue(const std::string& name) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name(name);
  spec.set_rounds(1);
  auto plan = PlanRun(spec, ".");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan->game;
}

std::shared_ptr<const games::Game> BiasedMatchingPennies() {
  games::NormalFormGameData data;
  data.title = "biased_matching_pennies";
  data.num_actions = {2, 2};
  data.payoffs = {{2, -1, -1, 1}, {-2, 1, 1, -1}};
  return *games::NormalFormGame::Create(data);
}

// Thresholds: under full information the bound gives (R_0 + R_1)/T ≤ 2w·√(2 ln|A|/T) ≈ 0.030 at
// T = 10^5 for the biased game (w = 4); with counterfactual feedback the high-probability bound
// is looser, but the regret is O(√T) with a constant near 1 (measured gaps 0.003 and 0.011), so
// we ask for 0.03 there too.
TEST(ValidationTarget3, HedgeLrHasBoundedRegretAndEmpiricalPlayNearNash) {
  CheckNoRegret({"matching_pennies", Catalogue("matching_pennies"),
                 agents::FeedbackModel::kCounterfactual, 0.03});
  CheckNoRegret({"rock_paper_scissors", Catalogue("rock_paper_scissors"),
                 agents::FeedbackModel::kCounterfactual, 0.03});
  CheckNoRegret(
      {"biased_matching_pennies", BiasedMatchingPennies(), agents::FeedbackModel::kFull, 0.03});
}

// Target 4: bandit Hedge (payoff of the played action only) on a congestion game — a potential
// game — reaches a pure equilibrium. Four players choose between two parallel links, latency x
// (x = load share) and the constant 0.6: the pure equilibria are the six profiles with two players
// per link, all strict with gap 0.1 (.5 vs .6 on the first link, .75 vs .6 on the second).
// Bandit Hedge keeps the exploration ε_t = t^(−1/3) (≈ 0.0215 at T = 10^5), so its strategy stays
// ε_T·(1 − 1/|A_i|) away from a vertex per player: the distance floor is 2·Σ_i ε_T·(1 − 1/|A_i|)
// ≈ 0.086. We ask every seed to end within that floor + 0.05 (the ε-equilibrium of the target).
TEST(ValidationTarget4, BanditHedgeReachesAPureEquilibriumOfAPotentialGame) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name("parallel_links");
  (*spec.mutable_game()->mutable_params())["players"] = "4";
  (*spec.mutable_game()->mutable_params())["links"] = "2";
  (*spec.mutable_game()->mutable_params())["latency"] = "0,1;0.6";
  spec.mutable_learner()->set_algorithm("bandit-hedge");
  (*spec.mutable_learner()->mutable_params())["gamma0"] = 1.0;
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  spec.set_rounds(100'000);
  spec.set_record_every(10'000);
  auto plan = PlanRun(spec, ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  const auto& game = dynamic_cast<const games::FiniteGame&>(*plan->game);
  auto eqs = games::PureEquilibria(game);
  ASSERT_TRUE(eqs.ok());
  for (const auto& eq : *eqs) {
    std::printf("target 4: equilibrium (%d,%d,%d,%d) strict %d gap %.4f\n", eq.profile[0],
                eq.profile[1], eq.profile[2], eq.profile[3], eq.strict, eq.gap);
  }
  const double eps = std::pow(1e5, -1.0 / 3.0);
  const double floor = 2 * 4 * eps * (1 - 1.0 / 2);
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(seed);
    Collector c;
    ASSERT_TRUE(Simulate(*plan, seed, &c, {}).ok());
    const RoundMetrics& last = c.rounds.back();
    std::printf("target 4: seed %d distance %.4f (floor %.4f) nash gap %.4f\n",
                static_cast<int>(seed), last.equilibrium_distance, floor, last.nash_gap);
    EXPECT_LT(last.equilibrium_distance, floor + 0.05);
  }
}

}  // namespace
}  // namespace nashnet::server

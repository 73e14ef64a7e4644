#include "server/report/theory.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agents/bandit_hedge.h"
#include "agents/hedge.h"
#include "games/continuous_game.h"
#include "games/equilibrium.h"

namespace nashnet::server {
namespace {

double Param(const agents::LearnerParams& params, std::string_view name, double fallback) {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

// The dynamic-regret exponent of HDA with restarts tuned to V_T ~ T^ν' on a game with V_T ~ T^ν
// (theory.h); NaN without a known ν or without variation_exponent.
double HdaDynamicExponent(const games::Game& game, const agents::LearnerParams& params, int d) {
  if (game.action_kind() != games::ActionKind::kContinuous) return kNaN;
  const std::optional<double> nu =
      static_cast<const games::ContinuousGame&>(game).variation_exponent();
  const double tuned = Param(params, "variation_exponent", kNaN);
  if (!nu.has_value() || !std::isfinite(tuned)) return kNaN;
  const double blocks = 1.0 - (1.0 - tuned) / (d + 3.0);
  const double drift = (1.0 - tuned) * (d + 2.0) / (d + 3.0) + *nu;
  return std::min(1.0, std::max(blocks, drift));
}

}  // namespace

std::optional<double> StrictEquilibriumGap(const games::FiniteGame& game,
                                           std::span<const int> profile, int64_t max_profiles) {
  absl::StatusOr<std::vector<games::PureEquilibrium>> equilibria =
      games::PureEquilibria(game, max_profiles);
  if (!equilibria.ok()) return std::nullopt;
  for (const games::PureEquilibrium& e : *equilibria) {
    if (!std::equal(e.profile.begin(), e.profile.end(), profile.begin(), profile.end())) continue;
    if (!e.strict || !std::isfinite(e.gap) || !(e.gap > 0.0)) return std::nullopt;
    return e.gap;
  }
  return std::nullopt;
}

std::string ExponentText(double exponent) {
  for (int q = 1; q <= 16; ++q) {
    const double p = std::round(exponent * q);
    if (std::abs(exponent * q - p) < 1e-9) {
      if (q == 1) return absl::StrFormat("%.0f", p);
      return absl::StrFormat("%.0f/%d", p, q);
    }
  }
  return absl::StrFormat("%.3g", exponent);
}

absl::StatusOr<std::vector<LearnerTheory>> LearnerTheories(const RunPlan& plan) {
  const games::Game& game = *plan.game;
  std::vector<LearnerTheory> out;
  for (int p = 0; p < game.num_players(); ++p) {
    if (p >= static_cast<int>(plan.learners.size())) {
      return absl::InvalidArgumentError(absl::StrCat("the plan has no learner for player ", p));
    }
    const PlayerLearnerSpec& spec = plan.learners[p];
    agents::PlayerView view;
    view.player = p;
    view.num_players = game.num_players();
    view.payoff_range = game.payoff_range();
    view.feedback = plan.match.feedback;
    view.horizon = plan.match.rounds;
    int d = 0;
    if (game.action_kind() == games::ActionKind::kContinuous) {
      d = static_cast<const games::ContinuousGame&>(game).action_box(p).dimension();
    }
    LearnerTheory t;
    t.algorithm = spec.algorithm;
    if (spec.algorithm == "hedge") {
      agents::HedgeOptions o = agents::HedgeOptions::Defaults(view);
      t.step = agents::PowerSchedule{Param(spec.params, "gamma0", o.gamma0),
                                     Param(spec.params, "beta", o.beta)};
      t.regret_exponent = 0.5;
    } else if (spec.algorithm == "bandit-hedge") {
      agents::BanditHedgeOptions o = agents::BanditHedgeOptions::Defaults(view);
      t.step = agents::PowerSchedule{Param(spec.params, "gamma0", o.gamma0),
                                     Param(spec.params, "beta", o.beta)};
      const double e = Param(spec.params, "epsilon_exponent", o.epsilon_exponent);
      t.regret_exponent = Param(spec.params, "epsilon0", o.epsilon0) > 0.0 ? 1.0 - e : 0.5;
    } else if (spec.algorithm == "kernel-da") {
      t.regret_exponent =
          plan.match.feedback == agents::FeedbackModel::kBandit ? (d + 2.0) / (d + 3.0) : 0.5;
    } else if (spec.algorithm == "hda") {
      t.regret_exponent = (d + 1.0) / (d + 2.0);
      t.dynamic_regret_exponent = HdaDynamicExponent(game, spec.params, d);
    } else {
      t.regret_exponent = 0.5;  // hedge-lr and anything newer: the √T of no-regret Hedge
    }
    t.rate = absl::StrCat("T^(", ExponentText(t.regret_exponent), ")");
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace nashnet::server

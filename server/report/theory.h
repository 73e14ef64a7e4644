// What ALGORITHMS.md predicts for each player's learner, as the report's reference lines need it:
// the exponent α of the regret bound R(T) = O(T^α) and the step schedule γ_t (for Γ_t = Σγ_s).
//
//   hedge, hedge-lr   α = 1/2 (full-information Hedge, O(√(T ln|A|)))
//   bandit-hedge      α = 1 − epsilon_exponent (the cost Σε_t of uniform exploration; 2/3 by
//                     default), 1/2 when epsilon0 = 0
//   kernel-da         α = (d+2)/(d+3) under bandit feedback, 1/2 otherwise (P2)
//   hda               α = (d+1)/(d+2) (P3)
// and, for a game whose variation budget grows like V_T ~ T^ν (ContinuousGame::
// variation_exponent), the exponent of the dynamic regret of HDA restarted for a budget T^ν' (its
// variation_exponent ν', blocks B ~ T^((1−ν')(d+2)/(d+3)), hda.h): the larger of the static
// regret of T/B blocks, T·B^(−1/(d+2)) = T^(1 − (1−ν')/(d+3)), and the drift within the blocks,
// B·V_T = T^((1−ν')(d+2)/(d+3) + ν) — both (d+2+ν)/(d+3) when ν' = ν (ALGORITHMS.md target 6).
// Other learners and games: NaN (the theory does not say).
// γ_t = gamma0 / t^beta is defined for hedge and bandit-hedge only, with the learner's defaults
// (HedgeOptions::Defaults: 0.1 / payoff range, β = 0 under full feedback, 0.6 otherwise;
// BanditHedgeOptions: 0.1, 0.7) overridden by the spec's params.
//
// And P1's rate near a strict pure equilibrium a*: log ‖x(t) − a*‖₁ against Γ_t has slope ≈ −Δ,
// Δ = min_i min_{b≠a*_i} [u_i(a*) − u_i(b; a*_−i)] (StrictEquilibriumGap).
//
//   NASHNET_ASSIGN_OR_RETURN(std::vector<LearnerTheory> theory, LearnerTheories(plan));
//   std::optional<double> delta = StrictEquilibriumGap(game, {1, 1});   // PD: 1
//
// Thread safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/gibbs.h"
#include "games/finite_game.h"
#include "server/simulation.h"

namespace nashnet::server {

struct LearnerTheory {
  std::string algorithm;
  double regret_exponent = 0.5;               // α in R(T) = O(T^α)
  std::string rate;                           // "T^(1/2)", "T^(2/3)", ...
  std::optional<agents::PowerSchedule> step;  // γ_t when the learner has one
  double dynamic_regret_exponent = kNaN;      // see above; NaN when the theory does not say
};

// One entry per player of `plan`.
[[nodiscard]] absl::StatusOr<std::vector<LearnerTheory>> LearnerTheories(const RunPlan& plan);

// Δ of `profile` when it is a strict pure Nash equilibrium of `game` with a finite gap (someone
// can deviate); nullopt otherwise, and for games with more pure profiles than `max_profiles`
// (games::PureEquilibria enumerates them all; the record's distance column is NaN beyond
// MatchMetrics::kMaxProfilesForEquilibria anyway).
[[nodiscard]] std::optional<double> StrictEquilibriumGap(const games::FiniteGame& game,
                                                         std::span<const int> profile,
                                                         int64_t max_profiles = 1'000'000);

// "1/2", "2/3", "3/4", "13/16", ... for simple fractions (denominator <= 16), else "%.3g".
[[nodiscard]] std::string ExponentText(double exponent);

}  // namespace nashnet::server

// Equilibrium tools for finite games: best responses, pure Nash equilibria, Nash gap.
//
//   auto eqs = PureEquilibria(game);              // every pure NE, with strictness and gap Δ
//   double gap = NashGap(game, x);                // Σ_i [max_a u_i(a; x_-i) − u_i(x)] >= 0
//
// Thread safety: free functions over immutable games; safe to call concurrently.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "games/finite_game.h"

namespace nashnet::games {

struct PureEquilibrium {
  PureProfile profile;  // 0-based actions, player 1 first
  bool strict = false;  // every unilateral deviation loses strictly
  // Payoff gap Δ = min_i min_{b≠a*_i} [u_i(a*) − u_i(b; a*_−i)] for a strict equilibrium; else 0.
  // (A player with a single action imposes no constraint; if nobody can deviate, Δ = +inf.)
  double gap = 0.0;
};

// Indices of the actions maximising v (ties within `tolerance` of the max all count).
[[nodiscard]] std::vector<int> BestResponses(const Eigen::VectorXd& v, double tolerance = 0.0);

// Every pure Nash equilibrium of `game`, in profile order (Gambit order: player 1 fastest).
// Fails with ResourceExhausted if the game has more than `max_profiles` pure profiles.
// Payoffs are compared with a tie tolerance τ = 1e-12·max(1, payoff_range().width()), so that
// ties exact in real arithmetic survive rounding (49·fl(1/49) ≠ 1): a deviation gaining less than
// τ is a tie, so the profile is still an equilibrium but not strict, and Δ is taken over the
// deviations losing at least τ.
[[nodiscard]] absl::StatusOr<std::vector<PureEquilibrium>> PureEquilibria(
    const FiniteGame& game, int64_t max_profiles = 50'000'000);

// Nash gap (NashConv) of a mixed profile: Σ_i [max_a v_i(x)_a − <v_i(x), x_i>].
[[nodiscard]] double NashGap(const FiniteGame& game, const MixedProfile& x);

// The same from precomputed payoff vectors v[i] = v_i(x).
[[nodiscard]] double NashGapFromPayoffVectors(const MixedProfile& x,
                                              const std::vector<Eigen::VectorXd>& v);

// ‖x − a*‖₁ for a pure profile a* (= Σ_i 2·(1 − x_{i,a*_i})).
[[nodiscard]] double L1DistanceToPure(const MixedProfile& x, std::span<const int> profile);

}  // namespace nashnet::games

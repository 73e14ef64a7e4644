// FiniteGame: an N-player game with finite action sets A_1..A_N.
//
// Implementations: NormalFormGame (an explicit payoff tensor, normal_form_game.h) and the
// congestion/routing games of the catalogue (payoffs computed from loads). The batch methods fill
// every player's payoff vector at once so that a game can share work between players (a 2-player
// tensor game does two mat-vec products; a congestion game computes the loads once).
//
//   std::vector<Eigen::VectorXd> v;
//   game.MixedPayoffVectors(x, &v);   // v[i][a] = u_i(a; x_-i)
//
// Unchecked fast paths: callers pass profiles of the right shape (one entry per player, sizes
// num_actions(i), probabilities on the simplex); the match validates input at its boundary.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "games/game.h"

namespace nashnet::games {

// A mixed profile: x[i] is player i's probability vector over A_i.
using MixedProfile = std::vector<Eigen::VectorXd>;
// A pure profile: a[i] is player i's action index (0-based).
using PureProfile = std::vector<int>;

class FiniteGame : public Game {
 public:
  [[nodiscard]] ActionKind action_kind() const final { return ActionKind::kFinite; }

  // |A_i|, at least 1.
  [[nodiscard]] virtual int num_actions(int player) const = 0;

  // u_i(a) for a pure profile a.
  [[nodiscard]] virtual double PurePayoff(int player, std::span<const int> profile) const = 0;

  // (*v)[i][a] = u_i(a; x_-i) for every player i and action a (the mixed payoff vectors v_i(x)).
  // `v` is resized as needed; reuse it across calls to avoid allocation.
  virtual void MixedPayoffVectors(const MixedProfile& x, std::vector<Eigen::VectorXd>* v) const = 0;

  // (*v)[i][a] = u_i(a; a_-i) for every player i and action a (counterfactual payoff vectors).
  virtual void PurePayoffVectors(std::span<const int> profile,
                                 std::vector<Eigen::VectorXd>* v) const = 0;

  // Π_i |A_i| (saturating at INT64_MAX), the number of pure profiles.
  [[nodiscard]] int64_t num_profiles() const;

 protected:
  using Game::Game;
};

}  // namespace nashnet::games

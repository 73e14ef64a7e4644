// ContinuousGame: an N-player game whose players choose points in boxes K_i ⊂ R^{d_i}.
//
// Covers multi-player continuous games (Cournot) and single-player online problems whose losses
// change with the round (online_bumps, online_drift). Payoffs may depend on the round t (1-based);
// any randomness of a round's payoff function is a pure function of the game's seed and t, so the
// game stays immutable and thread-safe.
//
//   Eigen::VectorXd u;
//   game.PayoffsAgainst(0, t, profile, grid, &u);   // u[k] = u_0(grid.col(k); profile_-0) at round
//   t
//
// Unchecked fast paths: callers pass points inside the boxes and profiles of the right shape.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "games/game.h"

namespace nashnet::games {

// An axis-aligned box [lower, upper] in R^d (d = lower.size() >= 1, lower <= upper componentwise).
struct Box {
  Eigen::VectorXd lower;
  Eigen::VectorXd upper;
  [[nodiscard]] int dimension() const { return static_cast<int>(lower.size()); }
  [[nodiscard]] bool Contains(const Eigen::VectorXd& z) const {
    return z.size() == lower.size() && (z.array() >= lower.array()).all() &&
           (z.array() <= upper.array()).all();
  }
};

// A point profile: z[i] is player i's point in K_i.
using PointProfile = std::vector<Eigen::VectorXd>;

class ContinuousGame : public Game {
 public:
  [[nodiscard]] ActionKind action_kind() const final { return ActionKind::kContinuous; }

  // K_i, player i's action set.
  [[nodiscard]] virtual Box action_box(int player) const = 0;

  // (*u)[i] = u_i(z) at round t for the point profile z.
  virtual void Payoffs(int64_t round, const PointProfile& z, Eigen::VectorXd* u) const = 0;

  // (*u)[k] = u_i(points.col(k); z_-i) at round t: player i's payoff for each of its candidate
  // points (a d_i × m matrix) against the others' points in z (z[i] is ignored).
  virtual void PayoffsAgainst(int player, int64_t round, const PointProfile& z,
                              const Eigen::MatrixXd& points, Eigen::VectorXd* u) const = 0;

  // A known Nash equilibrium (or, for single-player online problems, nothing), used for the
  // distance-to-equilibrium metric. std::nullopt when none is known in closed form.
  [[nodiscard]] virtual std::optional<PointProfile> equilibrium() const = 0;

  // True when payoffs depend on the round (online problems); the variation V_T is tracked then.
  [[nodiscard]] virtual bool time_varying() const = 0;

  // ν when the game's variation budget is known to grow like V_T ~ T^ν (a drifting problem whose
  // drift is part of its definition); std::nullopt when it is unknown or not of that form. The
  // report's theoretical dynamic-regret rate uses it (ALGORITHMS.md target 6).
  [[nodiscard]] virtual std::optional<double> variation_exponent() const { return std::nullopt; }

 protected:
  using Game::Game;
};

}  // namespace nashnet::games

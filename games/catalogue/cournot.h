// CournotGame: N firms choose quantities q_i ∈ [0, q_max]; linear inverse demand P = a − b·Σ_j q_j
// (not truncated at 0, so payoffs are smooth and concave in one's own quantity); constant marginal
// cost c. Payoff = profit u_i(q) = q_i·(a − b·Σ_j q_j − c).
//
// Best response to the others' total S: q = clamp((a − c − b·S) / (2b), 0, q_max); the symmetric
// equilibrium is q_i = min(q*, q_max) with q* = (a − c) / (b·(N + 1)) (if q_max < q*, everybody at
// q_max is the equilibrium, as the unconstrained best response then exceeds q_max).
//
//   NASHNET_ASSIGN_OR_RETURN(auto game, CournotGame::Create({.players = 3}));
//   game->Payoffs(/*round=*/1, profile, &u);
//
// Thread safety: immutable after Create; const methods are safe concurrently.
#pragma once

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "games/continuous_game.h"

namespace nashnet::games {

struct CournotOptions {
  int players = 2;     // N >= 1
  double a = 1.0;      // demand intercept, > c
  double b = 1.0;      // demand slope, > 0
  double c = 0.0;      // marginal cost, >= 0
  double q_max = 1.0;  // capacity: each action set is [0, q_max], q_max > 0

  [[nodiscard]] absl::Status Validate() const;
};

class CournotGame final : public ContinuousGame {
 public:
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const CournotGame>> Create(
      CournotOptions options, std::string name = "cournot");

  // Game / ContinuousGame. payoff_range: [min(0, q_max·(a − c − b·N·q_max)), the monopoly profit
  // with capacity q_max].
  [[nodiscard]] int num_players() const override { return options_.players; }
  [[nodiscard]] PayoffRange payoff_range() const override { return range_; }
  [[nodiscard]] Box action_box(int player) const override;
  void Payoffs(int64_t round, const PointProfile& z, Eigen::VectorXd* u) const override;
  void PayoffsAgainst(int player, int64_t round, const PointProfile& z,
                      const Eigen::MatrixXd& points, Eigen::VectorXd* u) const override;
  [[nodiscard]] std::optional<PointProfile> equilibrium() const override;
  [[nodiscard]] bool time_varying() const override { return false; }

  [[nodiscard]] const CournotOptions& options() const { return options_; }
  // min(q*, q_max), every player's equilibrium quantity.
  [[nodiscard]] double equilibrium_quantity() const;

 private:
  CournotGame(CournotOptions options, std::string name);

  CournotOptions options_;
  PayoffRange range_;
};

}  // namespace nashnet::games

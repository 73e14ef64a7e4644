// Kernel dual averaging on a box K ⊂ R^d (ALGORITHMS.md "Continuous actions (P2)").
//
// The cumulative loss model Y lives on a uniform grid (`grid` cells per dimension); the learner
// plays the Gibbs density x_t ∝ exp(−η_t·Y_t) mixed with uniform exploration,
// x̃_t = (1 − ε_t)·x_t + ε_t·uniform(K), X_t ~ x̃_t (a cell, then a uniform point in it), and adds
// a loss estimate ℓ̂_t to Y. Losses come from payoffs: ℓ = (max − u) / (max − min) with the
// player's payoff range.
//   full / noisy   ℓ̂_t = ℓ_t at every cell centre (Feedback::payoff_function, called once per
//                  cell per round); η_t = eta0 / √t, no exploration.
//   bandit         kernel estimator ℓ̂_t(z) = ℓ_t(X_t)·K_δ(X_t, z) / x̃_t(X_t), K_δ(X_t, ·) the
//                  uniform density on the Euclidean ball of radius δ_t around X_t intersected with
//                  K, renormalised on the grid: the m cells whose centres lie in the ball share it
//                  (the cell of X_t alone when there are none), so each gets ℓ_t(X_t) / (m·x̃_c),
//                  x̃_c the mass of the cell X_t was drawn from. Distances are measured in the box
//                  scaled to [0, 1]^d.
//                  η_t = eta0·t^−(d+2)/(d+3), δ_t = bandwidth0·t^−1/(d+3), ε_t = min(1,
//                  epsilon0·t^−1/(d+3)).
// Defaults: full / noisy eta0 = 1, no exploration; bandit eta0 = 2 (so that η_t·t = 2·t^(1/4)
// separates loss gaps of ~0.1 within a few thousand rounds), bandwidth0 = 0.25, epsilon0 = 0.25.
// Counterfactual feedback does not exist for continuous games; it is rejected.
//
// grid = 0 (automatic) picks enough cells that the horizon's resolution is met: bandit, 8 cells
// per bandwidth δ_T; full / noisy, ⌈√T⌉ per dimension (a grid error below the O(√T) regret);
// T = 10^4 when the horizon is unknown; capped at kMaxAutoCells cells in all.
//
// Per round: O(cells) (full / noisy: one payoff_function call per cell).
// Thread safety: none; one learner per seat.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/box_grid.h"
#include "agents/gibbs.h"
#include "agents/learner.h"
#include "common/rng.h"

namespace nashnet::agents {

struct KernelDaOptions {
  double eta0 = 1.0;                 // η0 > 0
  double eta_exponent = 0.5;         // η_t = η0·t^(−exponent), in [0, 1]
  double bandwidth0 = 0.25;          // δ0 > 0 (bandit), in units of the box side
  double bandwidth_exponent = 0.25;  // δ_t = δ0·t^(−exponent), in [0, 1]
  double epsilon0 = 0.0;             // ε0 in [0, 1]: exploration at t = 1
  double epsilon_exponent = 0.25;    // ε_t = min(1, ε0·t^(−exponent)), in [0, 1]
  int grid = 0;                      // cells per dimension; 0 = automatic (see above)

  static constexpr int kMaxCells = 1 << 22;      // cap on grid^d (memory: a few doubles each)
  static constexpr int kMaxAutoCells = 1 << 14;  // cap on the automatic grid^d

  // ALGORITHMS.md's defaults for the view's dimension d and feedback model.
  [[nodiscard]] static KernelDaOptions Defaults(const PlayerView& view);
  // `dimension` is the box's d, to check grid^d against kMaxCells.
  [[nodiscard]] absl::Status Validate(int dimension) const;
  // The automatic grid for dimension d, horizon T (0 = unknown) and feedback model.
  [[nodiscard]] int AutoGrid(int dimension, int64_t horizon, bool bandit) const;
};

class KernelDaLearner final : public Learner {
 public:
  // InvalidArgument for invalid options, a finite action set or counterfactual feedback.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KernelDaLearner>> Create(
      const PlayerView& view, const KernelDaOptions& options);

  [[nodiscard]] const MixedStrategy& strategy() const override { return strategy_; }
  [[nodiscard]] Action Act() override;
  void Update(const Feedback& feedback) override;

  [[nodiscard]] const BoxGrid& grid() const { return grid_; }
  [[nodiscard]] int64_t round() const { return t_; }
  [[nodiscard]] double eta(int64_t t) const { return PowerSchedule{o_.eta0, o_.eta_exponent}(t); }
  [[nodiscard]] double bandwidth(int64_t t) const {
    return PowerSchedule{o_.bandwidth0, o_.bandwidth_exponent}(t);
  }
  [[nodiscard]] double exploration(int64_t t) const;

 private:
  KernelDaLearner(const PlayerView& view, const KernelDaOptions& options);
  void Refresh();  // x̃_t from Y_t
  void AddKernelEstimate(double loss);

  KernelDaOptions o_;
  bool bandit_;
  double payoff_max_;
  double payoff_width_;
  BoxGrid grid_;
  Rng rng_;
  int64_t t_ = 1;
  int last_cell_ = -1;
  Eigen::VectorXd last_point_;  // X_t
  Eigen::MatrixXd centres_;     // d × cells, box units
  Eigen::VectorXd point_;       // scratch: one centre
  Eigen::ArrayXd scores_;       // −Y_t, shifted to max 0
  Eigen::ArrayXd x_;            // x̃_t cell masses
  std::vector<int> ball_;       // scratch: cells in the kernel's ball
  MixedStrategy strategy_;
};

}  // namespace nashnet::agents

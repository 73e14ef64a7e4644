// Hierarchical dual averaging, HDA (ALGORITHMS.md "Continuous actions, zeroth order (P3)").
//
// The mixed strategy is piecewise constant on a dyadic partition of the box K ⊂ R^d that is
// refined over time: at round t the level is s_t = min(max_level, ⌊refinement·log2 t⌋) and the
// partition has 2^s_t equal cells, coordinate (s mod d) being halved when going from level s to
// s + 1 (round robin); children inherit their parent's cumulative loss Y. Then
//
//   p_t(C) ∝ vol(C)·exp(−η_t·Y_t(C))     C_t ~ p_t,  X_t ~ uniform(C_t),  observe ℓ_t(X_t)
//   Y_{t+1}(C_t) += ℓ_t(X_t) / p_t(C_t)    η_t = eta0·t^(−eta_exponent)
//
// (all cells of a level have the same volume, so p_t ∝ exp(−η_t·Y_t)). Losses come from
// payoffs: ℓ = (max − u) / (max − min) with the player's payoff range. HDA is a zeroth-order
// method: it uses only Feedback::payoff, the realized payoff, under every feedback model (full
// and noisy feedback work, but the payoff function they carry is not used). Counterfactual
// feedback does not exist for continuous games and is rejected.
//
// Defaults: refinement = d/(d+2) (cells of diameter ~ t^(−1/(d+2))), eta_exponent = (d+1)/(d+2),
// eta0 = 1, max_level = 20 (at most 2^20 cells), lowered so that 2^max_level·d <= 2^22.
//
// Per round: O(cells); a refinement copies the scores once (O(cells)).
// Thread safety: none; one learner per seat.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/box_grid.h"
#include "agents/gibbs.h"
#include "agents/learner.h"
#include "common/rng.h"

namespace nashnet::agents {

struct HdaOptions {
  double eta0 = 1.0;                // η0 > 0
  double eta_exponent = 2.0 / 3.0;  // η_t = η0·t^(−exponent), in [0, 1]
  double refinement = 1.0 / 3.0;    // s_t = ⌊refinement·log2 t⌋, in (0, 4]
  int max_level = 20;               // cap on s_t, in [0, kMaxLevel]

  static constexpr int kMaxLevel = 24;
  // Cap on cells × dimension, 2^max_level·d (the strategy stores two d-vectors per cell: 64 MiB).
  static constexpr int64_t kMaxCellCoordinates = int64_t{1} << 22;

  // ALGORITHMS.md's defaults for the view's dimension d.
  [[nodiscard]] static HdaOptions Defaults(const PlayerView& view);
  [[nodiscard]] absl::Status Validate() const;
  // Validate() and 2^max_level·dimension <= kMaxCellCoordinates.
  [[nodiscard]] absl::Status Validate(int dimension) const;
  // s_t, the level of round t's partition.
  [[nodiscard]] int Level(int64_t t) const;
};

class HdaLearner final : public Learner {
 public:
  // InvalidArgument for invalid options, a finite action set or counterfactual feedback.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HdaLearner>> Create(
      const PlayerView& view, const HdaOptions& options);

  [[nodiscard]] const MixedStrategy& strategy() const override { return strategy_; }
  [[nodiscard]] Action Act() override;
  void Update(const Feedback& feedback) override;

  [[nodiscard]] const BoxGrid& grid() const { return grid_; }
  [[nodiscard]] int level() const { return level_; }
  [[nodiscard]] int64_t round() const { return t_; }
  [[nodiscard]] double eta(int64_t t) const { return PowerSchedule{o_.eta0, o_.eta_exponent}(t); }

 private:
  HdaLearner(const PlayerView& view, const HdaOptions& options);
  void Refine();   // one level down: halve coordinate (level_ mod d)
  void Refresh();  // p_t from Y_t

  HdaOptions o_;
  double payoff_max_;
  double payoff_width_;
  games::Box box_;
  BoxGrid grid_;
  Rng rng_;
  int64_t t_ = 1;
  int level_ = 0;
  int last_cell_ = -1;
  Eigen::ArrayXd scores_;  // −Y_t per cell, shifted to max 0
  Eigen::ArrayXd p_;       // p_t
  MixedStrategy strategy_;
};

}  // namespace nashnet::agents

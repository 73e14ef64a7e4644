// Hierarchical dual averaging, HDA (ALGORITHMS.md "Continuous actions, zeroth order (P3)").
//
// The mixed strategy is piecewise constant on a dyadic partition of the box K ⊂ R^d that is
// refined over time: at round t the level is s_t = min(max_level, ⌊refinement·log2 t + offset⌋) and
// the partition has 2^s_t equal cells, coordinate (s mod d) being halved when going from level s to
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
// eta0 = 4, level_offset = 2, max_level = 20 (at most 2^20 cells), lowered so that
// 2^max_level·d <= 2^22. The exponents are P3's; the constants are not given by the rates. The
// partition's constant balances discretisation (L·diameter·T for L-Lipschitz losses) against
// estimation (~√(T·cells)): cells ~ (L²·T)^(d/(d+2)), i.e. level_offset ≈ (2d/(d+2))·log2 L —
// 2 for L ≈ 8 at d = 1. Measured (bandit, T = 32,000, 3 seeds, median static regret; eta0,
// level_offset): online_bumps(d=1, bumps=5, seed=3) 4,602 at (1, 0), 1,350 at (4, 2), kernel-DA
// 2,829; seed=7: 6,417, 2,199, kernel-DA 3,630; bumps=3, seed=11: 4,616, 2,282, kernel-DA 3,517;
// online_drift(d=1) 66, −4,850, kernel-DA 1,105 (bench/README.md, "HDA's constants").
//
// Restarts (for drifting losses; Besbes, Gur & Zeevi 2015): with a block length B, the learner
// starts afresh every B rounds (rounds 1, B+1, 2B+1, ...): one cell, zero scores, and the level
// and η schedules run on the round *within the block*, τ = 1..B. The RNG stream is not reset.
// Per block the static regret is ~B^((d+1)/(d+2)), and against the per-round minimisers the block
// pays ~B·(variation inside the block); over T/B blocks that is T·B^(−1/(d+2)) + B·V_T, smallest
// at B ~ (T/V_T)^((d+2)/(d+3)), giving P3's dynamic rate T^((d+2)/(d+3))·V_T^(1/(d+3)). Give B
// directly (restart_every), or the exponent ν of a variation budget V_T ~ T^ν together with a
// known horizon T: B = ⌈c·T^((1−ν)(d+2)/(d+3))⌉, c = restart_scale (c ~ (T^ν/V_T)^((d+2)/(d+3))
// when V_T is known up to its constant). Without either (the default) HDA never restarts.
//
//   HdaOptions o = HdaOptions::Defaults(view);   // view.horizon = T > 0
//   o.variation_exponent = 0.5;                   // V_T ~ √T: B = ⌈T^(3/8)⌉ for d = 1
//   NASHNET_ASSIGN_OR_RETURN(auto hda, HdaLearner::Create(view, o));
//
// Per round: O(cells); a refinement copies the scores once (O(cells)); a restart is O(1) plus
// the (small) one-cell reset, and a round that does not restart pays one integer comparison.
// Thread safety: none; one learner per seat.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <optional>

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
  double refinement = 1.0 / 3.0;    // s_t = ⌊refinement·log2 t + level_offset⌋, in (0, 4]
  // The partition's constant: 2^level_offset times more cells at every round, in [0, 24].
  double level_offset = 0.0;
  int max_level = 20;  // cap on s_t, in [0, kMaxLevel]
  // Restart every this many rounds (block length B >= 1); 0 = never. Not with
  // variation_exponent.
  int64_t restart_every = 0;
  // ν in [0, 1], the exponent of the variation budget V_T ~ T^ν: B = BlockLength(T, d). Needs a
  // known horizon (PlayerView.horizon > 0). Unset = no restarts (unless restart_every is given).
  std::optional<double> variation_exponent;
  // c > 0 in B = ⌈c·T^((1−ν)(d+2)/(d+3))⌉; used only with variation_exponent.
  double restart_scale = 1.0;

  static constexpr int kMaxLevel = 24;
  // Cap on cells × dimension, 2^max_level·d (the strategy stores two d-vectors per cell: 64 MiB).
  static constexpr int64_t kMaxCellCoordinates = int64_t{1} << 22;

  // ALGORITHMS.md's defaults for the view's dimension d.
  [[nodiscard]] static HdaOptions Defaults(const PlayerView& view);
  [[nodiscard]] absl::Status Validate() const;
  // Validate() and 2^max_level·dimension <= kMaxCellCoordinates.
  [[nodiscard]] absl::Status Validate(int dimension) const;
  // s_t, the level of round t's partition (t counted within the block when restarting).
  [[nodiscard]] int Level(int64_t t) const;
  // The block length for horizon T and dimension d: restart_every if > 0; else, with
  // variation_exponent ν, ⌈c·T^((1−ν)(d+2)/(d+3))⌉ (>= 1); else 0 (never restart).
  // InvalidArgument if variation_exponent is given and the horizon is unknown (0).
  [[nodiscard]] absl::StatusOr<int64_t> BlockLength(int64_t horizon, int dimension) const;
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
  // The block length B (0 = never restarts) and the current round within the block, τ in [1, B].
  [[nodiscard]] int64_t block_length() const { return block_length_; }
  [[nodiscard]] int64_t block_round() const { return tau_; }
  // η at block round τ.
  [[nodiscard]] double eta(int64_t t) const { return PowerSchedule{o_.eta0, o_.eta_exponent}(t); }

 private:
  HdaLearner(const PlayerView& view, const HdaOptions& options, int64_t block_length);
  void Restart();  // back to one cell and zero scores, τ = 1 (the RNG stream continues)
  void Refine();   // one level down: halve coordinate (level_ mod d)
  void Refresh();  // p_t from Y_t

  HdaOptions o_;
  double payoff_max_;
  double payoff_width_;
  games::Box box_;
  BoxGrid grid_;
  Rng rng_;
  int64_t block_length_;  // B, 0 = never restart
  int64_t t_ = 1;         // the round
  int64_t tau_ = 1;       // the round within the current block (= t_ without restarts)
  int level_ = 0;
  int last_cell_ = -1;
  Eigen::ArrayXd scores_;  // −Y_t per cell, shifted to max 0
  Eigen::ArrayXd p_;       // p_t
  MixedStrategy strategy_;
};

}  // namespace nashnet::agents

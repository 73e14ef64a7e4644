// Bandit Hedge (EXP3-like; ALGORITHMS.md "Bandit Hedge", the companion paper of P1).
//
//   x̃(t) = (1 − ε_t)·softmax(Y(t)) + ε_t·uniform        a(t) ~ x̃(t)
//   v̂_a  = u·1{a = a(t)} / x̃_a(t)                        (importance weighted, never clipped)
//   Y(t+1) = Y(t) + γ_t·v̂                                 γ_t = gamma0 / t^beta
//   ε_t = min(1, epsilon0 · t^(−epsilon_exponent))
//
// u is the realized payoff normalised to [0, 1] by the player's payoff range:
// u = (payoff − min) / (max − min) (noisy payoffs may fall outside [0, 1]; they are not clipped).
// Only Feedback::payoff is used, so the learner runs under any feedback model. The divisor is the
// probability actually used to sample, exploration included, so E[v̂] is exactly the normalised
// payoff vector. strategy() reports x̃ (what is sampled) and Action::probability is x̃_{a(t)}.
//
// Defaults: gamma0 = 0.1 (payoffs are already normalised), beta = 0.7, epsilon0 = 1,
// epsilon_exponent = 1/3. epsilon0 = 1 makes round 1 uniform (nothing is known yet) and keeps
// every importance weight 1/x̃_a <= |A|·t^(1/3); with beta = 0.7, Σγ_t²/ε_t ∝ Σ t^(−1.07) < ∞,
// the condition of ALGORITHMS.md, and the exploration still falls to ~2 % by t = 10^5.
//
// Thread safety: none; one learner per seat.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/gibbs.h"
#include "agents/learner.h"
#include "common/rng.h"

namespace nashnet::agents {

struct BanditHedgeOptions {
  double gamma0 = 0.1;                  // γ0 > 0, step at t = 1 (normalised payoffs)
  double beta = 0.7;                    // γ_t = γ0 / t^β, β in [0, 1]
  double epsilon0 = 1.0;                // ε0 in [0, 1]: exploration at t = 1
  double epsilon_exponent = 1.0 / 3.0;  // ε_t = min(1, ε0·t^(−exponent)), exponent in [0, 1]

  [[nodiscard]] static BanditHedgeOptions Defaults(const PlayerView& view);
  [[nodiscard]] absl::Status Validate() const;
  [[nodiscard]] PowerSchedule step() const { return {gamma0, beta}; }
  [[nodiscard]] double exploration(int64_t t) const;
};

class BanditHedgeLearner final : public Learner {
 public:
  // InvalidArgument for invalid options or a continuous action set.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BanditHedgeLearner>> Create(
      const PlayerView& view, const BanditHedgeOptions& options);

  [[nodiscard]] const MixedStrategy& strategy() const override { return strategy_; }
  // Draws a(t) ~ x̃(t) and remembers it for Update.
  [[nodiscard]] Action Act() override;
  // Updates with the action of the last Act() (ignored if Act() was not called this round).
  void Update(const Feedback& feedback) override;
  // The update as if `action` had been played: the estimator's entry point for tests.
  void UpdateWithAction(int action, const Feedback& feedback);

  [[nodiscard]] double step(int64_t t) const { return options_.step()(t); }
  [[nodiscard]] int64_t round() const { return t_; }
  // Y(t), shifted to max 0.
  [[nodiscard]] const Eigen::ArrayXd& scores() const { return scores_; }

 private:
  BanditHedgeLearner(const PlayerView& view, const BanditHedgeOptions& options);
  void Refresh();  // x̃(t) from Y(t) and ε_t

  BanditHedgeOptions options_;
  double payoff_min_;
  double payoff_width_;
  Rng rng_;
  int64_t t_ = 1;
  int last_action_ = -1;
  Eigen::ArrayXd scores_;  // Y(t), shifted to max 0
  Eigen::ArrayXd x_;       // x̃(t)
  MixedStrategy strategy_;
};

}  // namespace nashnet::agents

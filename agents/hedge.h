// Hedge (exponential weights) for finite action sets, in its two forms (ALGORITHMS.md, P1):
//
//   hedge     step-size form   Y(1) = 0,  x(t) = softmax(Y(t)),  Y(t+1) = Y(t) + γ_t·v̂(t),
//                              γ_t = gamma0 / t^beta           (the form whose rate P1 proves)
//   hedge-lr  learning-rate    S(1) = 0,  S(t+1) = S(t) + v̂(t),  x(t+1) = softmax(η_{t+1}·S(t+1)),
//             form             η_t = eta0 / t^eta_exponent      (classic O(√(T ln|A|)) regret)
//
// v̂(t) is Feedback::payoff_vector (full, noisy or counterfactual feedback); neither form accepts
// bandit feedback (use bandit-hedge). Feedback with a payoff vector of the wrong size or with
// non-finite entries, or whose step γ_t·v̂ overflows, is ignored (the round counter still
// advances). Scores are kept shifted to max 0 (gibbs.h), so x stays a distribution for ever.
//
//   HedgeOptions options = HedgeOptions::Defaults(view);   // ALGORITHMS.md's defaults
//   options.beta = 0.5;
//   NASHNET_ASSIGN_OR_RETURN(auto learner, HedgeLearner::Create(view, options));
//
// Per round: O(|A|) Eigen array operations, no allocation.
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

struct HedgeOptions {
  // γ0, the step at t = 1. ALGORITHMS.md: 0.1 / payoff range. > 0.
  double gamma0 = 0.1;
  // β in γ_t = γ0 / t^β, in [0, 1]. ALGORITHMS.md: 0 under exact (full) feedback, 0.6 under
  // noisy and counterfactual feedback (unbiased but noisy estimates need Σγ_t² < ∞).
  double beta = 0.0;

  // The defaults for `view`: gamma0 = 0.1 / payoff range, beta by feedback model.
  [[nodiscard]] static HedgeOptions Defaults(const PlayerView& view);
  [[nodiscard]] absl::Status Validate() const;
  [[nodiscard]] PowerSchedule step() const { return {gamma0, beta}; }
};

class HedgeLearner final : public Learner {
 public:
  // InvalidArgument for invalid options or a view that is not a finite game with a payoff
  // vector feedback model.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HedgeLearner>> Create(
      const PlayerView& view, const HedgeOptions& options);

  [[nodiscard]] const MixedStrategy& strategy() const override { return strategy_; }
  [[nodiscard]] Action Act() override;
  void Update(const Feedback& feedback) override;

  // γ_t, the step used by the update of round t (t >= 1).
  [[nodiscard]] double step(int64_t t) const { return options_.step()(t); }
  // The round whose strategy is current (1 before any update).
  [[nodiscard]] int64_t round() const { return t_; }
  [[nodiscard]] const HedgeOptions& options() const { return options_; }

 private:
  HedgeLearner(const PlayerView& view, const HedgeOptions& options);

  HedgeOptions options_;
  Rng rng_;
  int64_t t_ = 1;
  Eigen::ArrayXd scores_;   // Y(t), shifted to max 0
  MixedStrategy strategy_;  // x(t) = softmax(Y(t)), computed in place (the hot path)
};

struct HedgeLrOptions {
  // η0 in η_t = η0 / t^eta_exponent. ALGORITHMS.md: √(8 ln|A|) / payoff range. > 0.
  double eta0 = 1.0;
  // The decay exponent of η_t, in [0, 1]; 1/2 gives the O(√T) regret tuning.
  double eta_exponent = 0.5;

  [[nodiscard]] static HedgeLrOptions Defaults(const PlayerView& view);
  [[nodiscard]] absl::Status Validate() const;
  [[nodiscard]] PowerSchedule rate() const { return {eta0, eta_exponent}; }
};

class HedgeLrLearner final : public Learner {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HedgeLrLearner>> Create(
      const PlayerView& view, const HedgeLrOptions& options);

  [[nodiscard]] const MixedStrategy& strategy() const override { return strategy_; }
  [[nodiscard]] Action Act() override;
  void Update(const Feedback& feedback) override;

  // η_t, the learning rate of round t's strategy.
  [[nodiscard]] double rate(int64_t t) const { return options_.rate()(t); }
  [[nodiscard]] int64_t round() const { return t_; }
  [[nodiscard]] const HedgeLrOptions& options() const { return options_; }

 private:
  HedgeLrLearner(const PlayerView& view, const HedgeLrOptions& options);

  HedgeLrOptions options_;
  Rng rng_;
  int64_t t_ = 1;
  Eigen::ArrayXd scores_;   // S(t), shifted to max 0
  MixedStrategy strategy_;  // x(t) = softmax(η_t·S(t))
};

// Shared by the finite learners: the action drawn from `x` with `rng` (index and probability).
[[nodiscard]] Action DrawFiniteAction(const Eigen::ArrayXd& x, Rng* rng);
[[nodiscard]] Action DrawFiniteAction(const Eigen::VectorXd& x, Rng* rng);

// OK if `view` is a finite game with at least one action; InvalidArgument naming `algorithm`.
[[nodiscard]] absl::Status CheckFiniteView(std::string_view algorithm, const PlayerView& view);

}  // namespace nashnet::agents

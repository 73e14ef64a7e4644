#include "agents/hedge.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace nashnet::agents {
namespace {

double RangeOrOne(const PlayerView& view) {
  const double w = view.payoff_range.width();
  return (std::isfinite(w) && w > 0.0) ? w : 1.0;
}

// True if `feedback` carries a usable payoff vector for `n` actions.
bool HasPayoffVector(const Feedback& feedback, int64_t n) {
  return feedback.payoff_vector.size() == n && feedback.payoff_vector.allFinite();
}

}  // namespace

Action DrawFiniteAction(const Eigen::ArrayXd& x, Rng* rng) {
  Action action;
  action.index = SampleIndex(x, rng->Uniform());
  action.probability = x[action.index];
  return action;
}

Action DrawFiniteAction(const Eigen::VectorXd& x, Rng* rng) {
  Action action;
  action.index = SampleIndex(x, rng->Uniform());
  action.probability = x[action.index];
  return action;
}

absl::Status CheckFiniteView(std::string_view algorithm, const PlayerView& view) {
  if (!view.finite()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(algorithm),
                     " needs a finite action set, but the player's action set is a box in R^",
                     view.box.dimension(), " (use kernel-da or hda)"));
  }
  return absl::OkStatus();
}

// ---- hedge ----

HedgeOptions HedgeOptions::Defaults(const PlayerView& view) {
  HedgeOptions options;
  options.gamma0 = 0.1 / RangeOrOne(view);
  options.beta = view.feedback == FeedbackModel::kFull ? 0.0 : 0.6;
  return options;
}

absl::Status HedgeOptions::Validate() const {
  if (!(std::isfinite(gamma0) && gamma0 > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat("gamma0 must be > 0, got ", gamma0));
  }
  if (!(beta >= 0.0 && beta <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("beta must be in [0, 1], got ", beta));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HedgeLearner>> HedgeLearner::Create(const PlayerView& view,
                                                                   const HedgeOptions& options) {
  NASHNET_RETURN_IF_ERROR(CheckFiniteView("hedge", view));
  if (view.feedback == FeedbackModel::kBandit) {
    return absl::InvalidArgumentError(
        "hedge needs a payoff vector, but the feedback model is bandit (use bandit-hedge)");
  }
  NASHNET_RETURN_IF_ERROR(options.Validate());
  return std::unique_ptr<HedgeLearner>(new HedgeLearner(view, options));
}

HedgeLearner::HedgeLearner(const PlayerView& view, const HedgeOptions& options)
    : options_(options), rng_(view.seed), scores_(Eigen::ArrayXd::Zero(view.num_actions)) {
  GibbsFromShifted(scores_, 1.0, &strategy_.probabilities);
}

Action HedgeLearner::Act() { return DrawFiniteAction(strategy_.probabilities, &rng_); }

void HedgeLearner::Update(const Feedback& feedback) {
  const double gamma = step(t_);
  ++t_;
  if (feedback.payoff_vector.size() != scores_.size()) return;
  // Y += γ_t·v̂ in place (no scratch buffer); an increment that is not finite (a NaN or
  // infinite entry in v̂, or γ_t·v̂ beyond DBL_MAX) is ignored; this one pass is the only check.
  // Scores are
  // <= 0 before the update, so adding a finite increment cannot overflow upwards.
  const auto increment = gamma * feedback.payoff_vector.array();
  if (!increment.allFinite()) return;
  scores_ += increment;
  ShiftMaxToZero(&scores_);
  GibbsFromShifted(scores_, 1.0, &strategy_.probabilities);
}

// ---- hedge-lr ----

HedgeLrOptions HedgeLrOptions::Defaults(const PlayerView& view) {
  HedgeLrOptions options;
  const double n = std::max(2, view.num_actions);  // ln 1 = 0 would give a zero rate
  options.eta0 = std::sqrt(8.0 * std::log(n)) / RangeOrOne(view);
  return options;
}

absl::Status HedgeLrOptions::Validate() const {
  if (!(std::isfinite(eta0) && eta0 > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat("eta0 must be > 0, got ", eta0));
  }
  if (!(eta_exponent >= 0.0 && eta_exponent <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eta_exponent must be in [0, 1], got ", eta_exponent));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HedgeLrLearner>> HedgeLrLearner::Create(
    const PlayerView& view, const HedgeLrOptions& options) {
  NASHNET_RETURN_IF_ERROR(CheckFiniteView("hedge-lr", view));
  if (view.feedback == FeedbackModel::kBandit) {
    return absl::InvalidArgumentError(
        "hedge-lr needs a payoff vector, but the feedback model is bandit (use bandit-hedge)");
  }
  NASHNET_RETURN_IF_ERROR(options.Validate());
  return std::unique_ptr<HedgeLrLearner>(new HedgeLrLearner(view, options));
}

HedgeLrLearner::HedgeLrLearner(const PlayerView& view, const HedgeLrOptions& options)
    : options_(options), rng_(view.seed), scores_(Eigen::ArrayXd::Zero(view.num_actions)) {
  GibbsFromShifted(scores_, rate(1), &strategy_.probabilities);
}

Action HedgeLrLearner::Act() { return DrawFiniteAction(strategy_.probabilities, &rng_); }

void HedgeLrLearner::Update(const Feedback& feedback) {
  ++t_;
  // Malformed feedback adds nothing to S, but the rate still moves on: x = softmax(η_t·S).
  if (HasPayoffVector(feedback, scores_.size())) {
    scores_ += feedback.payoff_vector.array();
    ShiftMaxToZero(&scores_);
  }
  GibbsFromShifted(scores_, rate(t_), &strategy_.probabilities);
}

}  // namespace nashnet::agents

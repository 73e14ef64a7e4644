#include "agents/bandit_hedge.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "agents/hedge.h"
#include "common/status_macros.h"

namespace nashnet::agents {

BanditHedgeOptions BanditHedgeOptions::Defaults(const PlayerView& /*view*/) { return {}; }

absl::Status BanditHedgeOptions::Validate() const {
  if (!(std::isfinite(gamma0) && gamma0 > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat("gamma0 must be > 0, got ", gamma0));
  }
  if (!(beta >= 0.0 && beta <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("beta must be in [0, 1], got ", beta));
  }
  if (!(epsilon0 >= 0.0 && epsilon0 <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("epsilon0 must be in [0, 1], got ", epsilon0));
  }
  if (!(epsilon_exponent >= 0.0 && epsilon_exponent <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("epsilon_exponent must be in [0, 1], got ", epsilon_exponent));
  }
  return absl::OkStatus();
}

double BanditHedgeOptions::exploration(int64_t t) const {
  return std::min(1.0, PowerSchedule{epsilon0, epsilon_exponent}(t));
}

absl::StatusOr<std::unique_ptr<BanditHedgeLearner>> BanditHedgeLearner::Create(
    const PlayerView& view, const BanditHedgeOptions& options) {
  NASHNET_RETURN_IF_ERROR(CheckFiniteView("bandit-hedge", view));
  NASHNET_RETURN_IF_ERROR(options.Validate());
  return std::unique_ptr<BanditHedgeLearner>(new BanditHedgeLearner(view, options));
}

BanditHedgeLearner::BanditHedgeLearner(const PlayerView& view, const BanditHedgeOptions& options)
    : options_(options),
      payoff_min_(view.payoff_range.min),
      payoff_width_(view.payoff_range.width() > 0.0 ? view.payoff_range.width() : 1.0),
      rng_(view.seed),
      scores_(Eigen::ArrayXd::Zero(view.num_actions)),
      x_(view.num_actions) {
  Refresh();
}

void BanditHedgeLearner::Refresh() {
  const double epsilon = options_.exploration(t_);
  GibbsFromShifted(scores_, 1.0, &x_);
  x_ = (1.0 - epsilon) * x_ + epsilon / static_cast<double>(x_.size());
  strategy_.probabilities = x_.matrix();
}

Action BanditHedgeLearner::Act() {
  Action action = DrawFiniteAction(x_, &rng_);
  last_action_ = action.index;
  return action;
}

void BanditHedgeLearner::Update(const Feedback& feedback) {
  const int action = last_action_;
  last_action_ = -1;
  if (action < 0) {  // no action drawn this round: nothing to attribute the payoff to
    ++t_;
    Refresh();
    return;
  }
  UpdateWithAction(action, feedback);
}

void BanditHedgeLearner::UpdateWithAction(int action, const Feedback& feedback) {
  const double gamma = step(t_);
  ++t_;
  const double u = (feedback.payoff - payoff_min_) / payoff_width_;
  if (action >= 0 && action < scores_.size() && x_[action] > 0.0) {
    const double increment = gamma * u / x_[action];  // γ_t·v̂_a; the other entries are 0
    if (std::isfinite(increment)) {
      scores_[action] += increment;
      ShiftMaxToZero(&scores_);
    }
  }
  Refresh();
}

}  // namespace nashnet::agents

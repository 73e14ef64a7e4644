#include "agents/kernel_da.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace nashnet::agents {
namespace {

constexpr int64_t kAssumedHorizon = 10000;  // when the horizon is unknown
// Cap on bandwidth0 (box sides): a ball wider than √d already covers the whole normalised box.
constexpr double kMaxBandwidth0 = 1e6;

double WidthOrOne(const PlayerView& view) {
  const double w = view.payoff_range.width();
  return (std::isfinite(w) && w > 0.0) ? w : 1.0;
}

// grid^d, saturating above KernelDaOptions::kMaxCells.
int64_t CellCount(int grid, int d) {
  int64_t n = 1;
  for (int j = 0; j < d && n <= KernelDaOptions::kMaxCells; ++j) n *= grid;
  return n;
}

}  // namespace

KernelDaOptions KernelDaOptions::Defaults(const PlayerView& view) {
  const double d = std::max(1, view.box.dimension());
  KernelDaOptions o;
  if (view.feedback == FeedbackModel::kBandit) {
    o.eta0 = 2.0;
    o.eta_exponent = (d + 2.0) / (d + 3.0);
    o.epsilon0 = 0.25;
  } else {
    o.eta0 = 1.0;
    o.eta_exponent = 0.5;
    o.epsilon0 = 0.0;
  }
  o.bandwidth0 = 0.25;
  o.bandwidth_exponent = 1.0 / (d + 3.0);
  o.epsilon_exponent = 1.0 / (d + 3.0);
  o.grid = 0;
  return o;
}

absl::Status KernelDaOptions::Validate(int dimension) const {
  auto check = [](bool ok, std::string_view name, double v, std::string_view what) {
    return ok ? absl::OkStatus()
              : absl::InvalidArgumentError(
                    absl::StrCat(std::string(name), " must be ", std::string(what), ", got ", v));
  };
  NASHNET_RETURN_IF_ERROR(check(std::isfinite(eta0) && eta0 > 0.0, "eta0", eta0, "> 0"));
  NASHNET_RETURN_IF_ERROR(
      check(eta_exponent >= 0.0 && eta_exponent <= 1.0, "eta_exponent", eta_exponent, "in [0, 1]"));
  NASHNET_RETURN_IF_ERROR(check(bandwidth0 > 0.0 && bandwidth0 <= kMaxBandwidth0, "bandwidth0",
                                bandwidth0, "in (0, 1e6]"));
  NASHNET_RETURN_IF_ERROR(check(bandwidth_exponent >= 0.0 && bandwidth_exponent <= 1.0,
                                "bandwidth_exponent", bandwidth_exponent, "in [0, 1]"));
  NASHNET_RETURN_IF_ERROR(
      check(epsilon0 >= 0.0 && epsilon0 <= 1.0, "epsilon0", epsilon0, "in [0, 1]"));
  NASHNET_RETURN_IF_ERROR(check(epsilon_exponent >= 0.0 && epsilon_exponent <= 1.0,
                                "epsilon_exponent", epsilon_exponent, "in [0, 1]"));
  NASHNET_RETURN_IF_ERROR(check(grid >= 0, "grid", grid, ">= 1 (or 0 for automatic)"));
  if (CellCount(grid, dimension) > kMaxCells) {
    return absl::InvalidArgumentError(
        absl::StrCat("grid: ", grid, "^", dimension, " cells exceed the cap of ", kMaxCells));
  }
  return absl::OkStatus();
}

int KernelDaOptions::AutoGrid(int dimension, int64_t horizon, bool bandit) const {
  const int64_t T = horizon > 0 ? horizon : kAssumedHorizon;
  // Bandit: 8 cells per bandwidth δ_T (normalised units); full / noisy: ⌈√T⌉.
  const double wanted = bandit ? 8.0 / PowerSchedule{bandwidth0, bandwidth_exponent}(T)
                               : std::sqrt(static_cast<double>(T));
  const double cap = std::floor(std::pow(static_cast<double>(kMaxAutoCells), 1.0 / dimension));
  return static_cast<int>(std::clamp(std::ceil(wanted), 1.0, std::max(1.0, cap)));
}

absl::StatusOr<std::unique_ptr<KernelDaLearner>> KernelDaLearner::Create(
    const PlayerView& view, const KernelDaOptions& options) {
  NASHNET_RETURN_IF_ERROR(CheckContinuousView("kernel-da", view));
  if (view.feedback == FeedbackModel::kCounterfactual) {
    return absl::InvalidArgumentError(
        "kernel-da: counterfactual feedback is for finite games (use full, noisy or bandit)");
  }
  NASHNET_RETURN_IF_ERROR(options.Validate(view.box.dimension()));
  return std::unique_ptr<KernelDaLearner>(new KernelDaLearner(view, options));
}

KernelDaLearner::KernelDaLearner(const PlayerView& view, const KernelDaOptions& options)
    : o_(options),
      bandit_(view.feedback == FeedbackModel::kBandit),
      payoff_max_(view.payoff_range.max),
      payoff_width_(WidthOrOne(view)),
      rng_(view.seed) {
  const int d = view.box.dimension();
  if (o_.grid == 0) o_.grid = o_.AutoGrid(d, view.horizon, bandit_);
  grid_ = BoxGrid(view.box, Eigen::VectorXi::Constant(d, o_.grid));
  const int n = grid_.num_cells();
  centres_.resize(d, n);
  for (int c = 0; c < n; ++c) centres_.col(c) = grid_.Centre(c);
  point_.resize(d);
  scores_ = Eigen::ArrayXd::Zero(n);
  x_.resize(n);
  grid_.FillBounds(&strategy_);
  Refresh();
}

double KernelDaLearner::exploration(int64_t t) const {
  return std::min(1.0, PowerSchedule{o_.epsilon0, o_.epsilon_exponent}(t));
}

void KernelDaLearner::Refresh() {
  const double epsilon = exploration(t_);
  GibbsFromShifted(scores_, eta(t_), &x_);
  if (epsilon > 0.0) x_ = (1.0 - epsilon) * x_ + epsilon / static_cast<double>(x_.size());
  strategy_.probabilities = x_.matrix();
}

Action KernelDaLearner::Act() {
  Action action = grid_.Draw(x_, &rng_, &last_cell_);
  last_point_ = action.point;
  return action;
}

void KernelDaLearner::AddKernelEstimate(double loss) {
  // Cells whose normalised centres lie in the ball of radius δ_t around X_t (normalised).
  const int d = grid_.dimension();
  const double delta = bandwidth(t_);
  Eigen::VectorXd x(d);
  Eigen::VectorXi lo(d), hi(d);
  for (int j = 0; j < d; ++j) {
    const double side = grid_.box().upper[j] - grid_.box().lower[j];
    x[j] = side > 0.0 ? (last_point_[j] - grid_.box().lower[j]) / side : 0.5;
    const int n = grid_.counts()[j];
    // Clamped to [−1, n] before the cast: (x ± δ)·n can exceed the int range for a wide ball.
    const double first =
        std::clamp(std::ceil((x[j] - delta) * n - 0.5), -1.0, static_cast<double>(n));
    const double last =
        std::clamp(std::floor((x[j] + delta) * n - 0.5), -1.0, static_cast<double>(n));
    lo[j] = std::max(0, static_cast<int>(first));
    hi[j] = std::min(n - 1, static_cast<int>(last));
  }
  ball_.clear();
  if ((lo.array() <= hi.array()).all()) {
    Eigen::VectorXi i = lo;
    while (true) {
      double dist2 = 0.0;
      int c = 0;
      for (int j = 0; j < d; ++j) {
        const double z = (i[j] + 0.5) / grid_.counts()[j];
        dist2 += (z - x[j]) * (z - x[j]);
        c += i[j] * grid_.stride(j);
      }
      if (dist2 <= delta * delta) ball_.push_back(c);
      int j = 0;  // odometer over the index box [lo, hi]
      while (j < d && ++i[j] > hi[j]) i[j] = lo[j], ++j;
      if (j == d) break;
    }
  }
  if (ball_.empty()) ball_.push_back(last_cell_);
  const double increment = loss / (static_cast<double>(ball_.size()) * x_[last_cell_]);
  if (!std::isfinite(increment)) return;
  for (int c : ball_) scores_[c] -= increment;
}

void KernelDaLearner::Update(const Feedback& feedback) {
  if (bandit_) {
    if (last_cell_ >= 0 && std::isfinite(feedback.payoff)) {
      AddKernelEstimate((payoff_max_ - feedback.payoff) / payoff_width_);
    }
  } else if (feedback.payoff_function) {
    for (int c = 0; c < grid_.num_cells(); ++c) {
      point_ = centres_.col(c);
      const double loss = (payoff_max_ - feedback.payoff_function(point_)) / payoff_width_;
      if (std::isfinite(loss)) scores_[c] -= loss;
    }
  }
  last_cell_ = -1;
  ShiftMaxToZero(&scores_);
  ++t_;
  Refresh();
}

}  // namespace nashnet::agents

#include "agents/hda.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace nashnet::agents {

HdaOptions HdaOptions::Defaults(const PlayerView& view) {
  const double d = std::max(1, view.box.dimension());
  HdaOptions o;
  // The rates' exponents are P3's; the constants (η0, and 2^level_offset = 4 times the bare
  // t^(d/(d+2)) cells) were measured on the catalogue's online problems (hda.h).
  o.eta0 = 4.0;
  o.eta_exponent = (d + 1.0) / (d + 2.0);
  o.refinement = d / (d + 2.0);
  o.level_offset = 2.0;
  o.max_level = 20;
  while (o.max_level > 0 && (int64_t{1} << o.max_level) * d > kMaxCellCoordinates) --o.max_level;
  return o;
}

absl::Status HdaOptions::Validate() const {
  if (!(std::isfinite(eta0) && eta0 > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat("eta0 must be > 0, got ", eta0));
  }
  if (!(eta_exponent >= 0.0 && eta_exponent <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eta_exponent must be in [0, 1], got ", eta_exponent));
  }
  if (!(refinement > 0.0 && refinement <= 4.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("refinement must be in (0, 4], got ", refinement));
  }
  if (!(level_offset >= 0.0 && level_offset <= kMaxLevel)) {
    return absl::InvalidArgumentError(
        absl::StrCat("level_offset must be in [0, ", kMaxLevel, "], got ", level_offset));
  }
  if (max_level < 0 || max_level > kMaxLevel) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_level must be in [0, ", kMaxLevel, "], got ", max_level));
  }
  if (restart_every < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("restart_every must be >= 0 rounds (0 = never restart), got ", restart_every));
  }
  if (variation_exponent.has_value()) {
    const double nu = *variation_exponent;
    if (!(nu >= 0.0 && nu <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("variation_exponent must be in [0, 1], got ", nu));
    }
    if (restart_every > 0) {
      return absl::InvalidArgumentError(
          "give restart_every or variation_exponent, not both (both set the block length)");
    }
  }
  if (!(std::isfinite(restart_scale) && restart_scale > 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("restart_scale must be > 0, got ", restart_scale));
  }
  return absl::OkStatus();
}

absl::Status HdaOptions::Validate(int dimension) const {
  NASHNET_RETURN_IF_ERROR(Validate());
  // max_level <= 24 and the product is checked in doubles: no overflow for any dimension.
  if (static_cast<double>(int64_t{1} << max_level) * std::max(1, dimension) >
      static_cast<double>(kMaxCellCoordinates)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_level ", max_level, " is too fine for dimension ", dimension, ": 2^max_level·d = ",
        static_cast<double>(int64_t{1} << max_level) * dimension, " > 2^22 cell coordinates"));
  }
  return absl::OkStatus();
}

int HdaOptions::Level(int64_t t) const {
  // log2 of a power of two is exact; the 1e-9 absorbs the rounding of refinement·log2 t.
  const double s = std::floor(refinement * std::log2(static_cast<double>(t)) + level_offset + 1e-9);
  return static_cast<int>(std::clamp(s, 0.0, static_cast<double>(max_level)));
}

absl::StatusOr<int64_t> HdaOptions::BlockLength(int64_t horizon, int dimension) const {
  if (restart_every > 0) return restart_every;
  if (!variation_exponent.has_value()) return 0;
  if (horizon <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("variation_exponent needs a known horizon (the view's horizon is ", horizon,
                     "); give restart_every instead"));
  }
  const double d = std::max(1, dimension);
  const double exponent = (1.0 - *variation_exponent) * (d + 2.0) / (d + 3.0);
  // Clamped to [1, T]: a block as long as the horizon never restarts. The 1e-9 keeps an exact
  // integer product (e.g. c = 1, ν = 1) from rounding up.
  const double T = static_cast<double>(horizon);
  const double b = std::ceil(restart_scale * std::pow(T, exponent) - 1e-9);
  return static_cast<int64_t>(std::clamp(b, 1.0, T));
}

absl::StatusOr<std::unique_ptr<HdaLearner>> HdaLearner::Create(const PlayerView& view,
                                                               const HdaOptions& options) {
  NASHNET_RETURN_IF_ERROR(CheckContinuousView("hda", view));
  if (view.feedback == FeedbackModel::kCounterfactual) {
    return absl::InvalidArgumentError(
        "hda: counterfactual feedback is for finite games (use full, noisy or bandit)");
  }
  NASHNET_RETURN_IF_ERROR(options.Validate(view.box.dimension()));
  NASHNET_ASSIGN_OR_RETURN(const int64_t block_length,
                           options.BlockLength(view.horizon, view.box.dimension()));
  return std::unique_ptr<HdaLearner>(new HdaLearner(view, options, block_length));
}

HdaLearner::HdaLearner(const PlayerView& view, const HdaOptions& options, int64_t block_length)
    : o_(options),
      payoff_max_(view.payoff_range.max),
      payoff_width_(view.payoff_range.width() > 0.0 ? view.payoff_range.width() : 1.0),
      box_(view.box),
      grid_(view.box, Eigen::VectorXi::Ones(view.box.dimension())),
      rng_(view.seed),
      block_length_(block_length),
      scores_(Eigen::ArrayXd::Zero(1)),
      p_(1) {
  grid_.FillBounds(&strategy_);
  Refresh();
}

void HdaLearner::Restart() {
  tau_ = 1;
  level_ = 0;
  grid_ = BoxGrid(box_, Eigen::VectorXi::Ones(box_.dimension()));
  scores_.setZero(1);
  p_.resize(1);
  grid_.FillBounds(&strategy_);
}

void HdaLearner::Refine() {
  const int d = grid_.dimension();
  const int j = level_ % d;
  Eigen::VectorXi counts = grid_.counts();
  counts[j] *= 2;
  BoxGrid finer(box_, counts);
  Eigen::ArrayXd scores(finer.num_cells());
  for (int c = 0; c < finer.num_cells(); ++c) {
    // The parent: the same multi-index with coordinate j halved, in the coarser grid.
    int pc = 0;
    for (int k = 0; k < d; ++k) {
      const int ik = finer.Coordinate(c, k);
      pc += (k == j ? ik / 2 : ik) * grid_.stride(k);
    }
    scores[c] = scores_[pc];
  }
  grid_ = finer;
  scores_ = std::move(scores);
  p_.resize(grid_.num_cells());
  grid_.FillBounds(&strategy_);
  ++level_;
}

void HdaLearner::Refresh() {
  while (level_ < o_.Level(tau_)) Refine();
  GibbsFromShifted(scores_, eta(tau_), &p_);
  strategy_.probabilities = p_.matrix();
}

Action HdaLearner::Act() { return grid_.Draw(p_, &rng_, &last_cell_); }

void HdaLearner::Update(const Feedback& feedback) {
  if (last_cell_ >= 0 && std::isfinite(feedback.payoff)) {
    const double loss = (payoff_max_ - feedback.payoff) / payoff_width_;
    const double increment = loss / p_[last_cell_];
    if (std::isfinite(increment)) {
      scores_[last_cell_] -= increment;
      ShiftMaxToZero(&scores_);
    }
  }
  last_cell_ = -1;
  ++t_;
  if (++tau_ > block_length_ && block_length_ > 0) Restart();
  Refresh();
}

}  // namespace nashnet::agents

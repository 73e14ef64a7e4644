#include "agents/box_grid.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "agents/gibbs.h"

namespace nashnet::agents {

BoxGrid::BoxGrid(const games::Box& box, const Eigen::VectorXi& counts)
    : box_(box), counts_(counts), strides_(counts.size()), width_(counts.size()) {
  num_cells_ = 1;
  cell_volume_ = 1.0;
  double volume = 1.0;
  for (int j = 0; j < counts_.size(); ++j) {
    strides_[j] = num_cells_;
    num_cells_ *= counts_[j];
    width_[j] = (box_.upper[j] - box_.lower[j]) / counts_[j];
    volume *= width_[j];
  }
  if (volume > 0.0 && std::isfinite(volume)) cell_volume_ = volume;
}

int BoxGrid::CellOf(const Eigen::VectorXd& point) const {
  int c = 0;
  for (int j = 0; j < counts_.size(); ++j) {
    int i = 0;
    if (width_[j] > 0.0) {
      const double f = std::floor((point[j] - box_.lower[j]) / width_[j]);
      i = static_cast<int>(std::clamp(f, 0.0, static_cast<double>(counts_[j] - 1)));
    }
    c += i * strides_[j];
  }
  return c;
}

Eigen::VectorXd BoxGrid::Centre(int c) const {
  Eigen::VectorXd z(counts_.size());
  for (int j = 0; j < counts_.size(); ++j) {
    z[j] = box_.lower[j] + (Coordinate(c, j) + 0.5) * width_[j];
  }
  return z;
}

Action BoxGrid::Draw(const Eigen::ArrayXd& masses, Rng* rng, int* cell) const {
  *cell = SampleIndex(masses, rng->Uniform());
  Action action;
  action.point = UniformPoint(*cell, rng);
  action.probability = masses[*cell] / cell_volume_;
  return action;
}

Eigen::VectorXd BoxGrid::UniformPoint(int c, Rng* rng) const {
  Eigen::VectorXd z(counts_.size());
  for (int j = 0; j < counts_.size(); ++j) {
    const double lo = box_.lower[j] + Coordinate(c, j) * width_[j];
    z[j] = std::min(lo + width_[j] * rng->Uniform(), box_.upper[j]);
  }
  return z;
}

void BoxGrid::FillBounds(MixedStrategy* strategy) const {
  const int d = dimension();
  strategy->cell_lower.resize(d, num_cells_);
  strategy->cell_upper.resize(d, num_cells_);
  for (int c = 0; c < num_cells_; ++c) {
    for (int j = 0; j < d; ++j) {
      const int i = Coordinate(c, j);
      strategy->cell_lower(j, c) = box_.lower[j] + i * width_[j];
      strategy->cell_upper(j, c) =
          i + 1 == counts_[j] ? box_.upper[j] : box_.lower[j] + (i + 1) * width_[j];
    }
  }
}

absl::Status CheckContinuousView(std::string_view algorithm, const PlayerView& view) {
  const games::Box& box = view.box;
  if (view.finite() || box.dimension() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(algorithm),
                     " needs a continuous action set (a box in R^d), but the player has ",
                     view.num_actions, " actions (use hedge, hedge-lr or bandit-hedge)"));
  }
  if (box.upper.size() != box.lower.size() || !box.lower.allFinite() || !box.upper.allFinite() ||
      (box.upper.array() < box.lower.array()).any()) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(algorithm), ": the action box must have finite bounds with lower <= upper"));
  }
  return absl::OkStatus();
}

}  // namespace nashnet::agents

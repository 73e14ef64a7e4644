// BoxGrid: a regular grid of cells over a box K = [lower, upper] ⊂ R^d, with counts[j] cells
// along coordinate j. Cells are numbered with coordinate 0 varying fastest. The continuous
// learners (kernel-da, hda) keep one score per cell and report their strategy as the cells.
//
//   BoxGrid grid(box, Eigen::VectorXi::Constant(1, 64));   // 64 cells on an interval
//   int c = grid.CellOf(point);  Eigen::VectorXd z = grid.Centre(c);
//
// Thread safety: immutable after construction; const methods are safe concurrently.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "agents/learner.h"
#include "common/rng.h"
#include "games/continuous_game.h"

namespace nashnet::agents {

class BoxGrid {
 public:
  BoxGrid() = default;
  // counts[j] >= 1 and their product fits in an int (callers cap it).
  BoxGrid(const games::Box& box, const Eigen::VectorXi& counts);

  [[nodiscard]] int dimension() const { return static_cast<int>(counts_.size()); }
  [[nodiscard]] int num_cells() const { return num_cells_; }
  [[nodiscard]] const Eigen::VectorXi& counts() const { return counts_; }
  [[nodiscard]] const games::Box& box() const { return box_; }
  // Volume of one cell in the box's own units (1 if the box is degenerate).
  [[nodiscard]] double cell_volume() const { return cell_volume_; }

  // The multi-index of cell c, coordinate j in [0, counts[j]).
  [[nodiscard]] int Coordinate(int c, int j) const { return (c / strides_[j]) % counts_[j]; }
  [[nodiscard]] int stride(int j) const { return strides_[j]; }
  // The cell containing `point` (points outside K are clamped to it).
  [[nodiscard]] int CellOf(const Eigen::VectorXd& point) const;
  // The centre of cell c, in the box's units and in normalised units (K scaled to [0, 1]^d).
  [[nodiscard]] Eigen::VectorXd Centre(int c) const;
  [[nodiscard]] double NormalisedCentre(int c, int j) const {
    return (Coordinate(c, j) + 0.5) / counts_[j];
  }
  // A point drawn uniformly in cell c.
  [[nodiscard]] Eigen::VectorXd UniformPoint(int c, Rng* rng) const;
  // The continuous learners' draw: a cell by its mass (*cell), then a point uniformly inside it;
  // Action.probability is the density there, mass / cell volume.
  [[nodiscard]] Action Draw(const Eigen::ArrayXd& masses, Rng* rng, int* cell) const;
  // Fills strategy->cell_lower / cell_upper (d × cells) with the cells' bounds.
  void FillBounds(MixedStrategy* strategy) const;

 private:
  games::Box box_;
  Eigen::VectorXi counts_;
  Eigen::VectorXi strides_;
  Eigen::VectorXd width_;  // cell side lengths
  int num_cells_ = 0;
  double cell_volume_ = 1.0;
};

// OK if `view` is a continuous game with a non-empty box of finite bounds (lower <= upper);
// InvalidArgument naming `algorithm` otherwise.
[[nodiscard]] absl::Status CheckContinuousView(std::string_view algorithm, const PlayerView& view);

}  // namespace nashnet::agents

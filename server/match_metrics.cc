#include "server/match_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"

namespace nashnet::server {
namespace {

// Points per axis of a player's metric grid in dimension d: 512 (d = 1), 32 (d = 2), else about
// 4096^(1/d) (at least 1, so that the grid never exceeds ~4096 points).
int GridPointsPerAxis(int d) {
  if (d == 1) return 512;
  if (d == 2) return 32;
  int m = static_cast<int>(std::floor(std::pow(4096.0, 1.0 / d) + 1e-9));
  return std::max(m, 1);
}

// The full tensor grid over `box` with `m` points per axis (both ends included; m = 1: the centre).
Eigen::MatrixXd MakeGrid(const games::Box& box, int m) {
  const int d = box.dimension();
  int64_t count = 1;
  for (int k = 0; k < d; ++k) count *= m;
  Eigen::MatrixXd grid(d, count);
  for (int64_t col = 0; col < count; ++col) {
    int64_t rest = col;
    for (int k = 0; k < d; ++k) {
      const int64_t j = rest % m;
      rest /= m;
      const double lo = box.lower[k], hi = box.upper[k];
      grid(k, col) = m == 1 ? 0.5 * (lo + hi)
                            : lo + (hi - lo) * static_cast<double>(j) / static_cast<double>(m - 1);
    }
  }
  return grid;
}

}  // namespace

MatchMetrics::MatchMetrics(std::shared_ptr<const games::Game> game) : game_(std::move(game)) {}

absl::StatusOr<std::unique_ptr<MatchMetrics>> MatchMetrics::Create(
    std::shared_ptr<const games::Game> game) {
  if (game == nullptr) return absl::InvalidArgumentError("metrics: no game");
  std::unique_ptr<MatchMetrics> metrics(new MatchMetrics(std::move(game)));
  if (metrics->game_->action_kind() == games::ActionKind::kFinite) {
    metrics->finite_ = dynamic_cast<const games::FiniteGame*>(metrics->game_.get());
    if (metrics->finite_ == nullptr) {
      return absl::InvalidArgumentError("metrics: a finite game must implement FiniteGame");
    }
    metrics->InitFinite();
  } else {
    metrics->continuous_ = dynamic_cast<const games::ContinuousGame*>(metrics->game_.get());
    if (metrics->continuous_ == nullptr) {
      return absl::InvalidArgumentError("metrics: a continuous game must implement ContinuousGame");
    }
    metrics->InitContinuous();
  }
  return metrics;
}

void MatchMetrics::InitFinite() {
  num_players_ = finite_->num_players();
  cum_expected_payoff_.assign(num_players_, 0.0);
  cum_played_payoff_.assign(num_players_, 0.0);
  cum_dynamic_.assign(num_players_, 0.0);
  last_payoff_.assign(num_players_, kNaN);
  for (int i = 0; i < num_players_; ++i) {
    const int n = finite_->num_actions(i);
    cum_v_mixed_.push_back(Eigen::VectorXd::Zero(n));
    cum_v_pure_.push_back(Eigen::VectorXd::Zero(n));
    cum_x_.push_back(Eigen::VectorXd::Zero(n));
    last_x_.push_back(Eigen::VectorXd::Zero(n));
  }
  if (finite_->num_profiles() <= kMaxProfilesForEquilibria) {
    auto eqs = games::PureEquilibria(*finite_, kMaxProfilesForEquilibria);
    // The distance is a min over equilibria at every snapshot: beyond kMaxEquilibria (e.g. an
    // all-zero game, where every profile is one) it is not tracked and reads NaN.
    if (eqs.ok() && eqs->size() <= kMaxEquilibria) pure_equilibria_ = std::move(*eqs);
  }
}

void MatchMetrics::InitContinuous() {
  num_players_ = continuous_->num_players();
  cum_expected_payoff_.assign(num_players_, 0.0);
  cum_played_payoff_.assign(num_players_, 0.0);
  cum_dynamic_.assign(num_players_, 0.0);
  last_payoff_.assign(num_players_, kNaN);
  for (int i = 0; i < num_players_; ++i) {
    const games::Box box = continuous_->action_box(i);
    grid_.push_back(MakeGrid(box, GridPointsPerAxis(box.dimension())));
    const auto m = grid_.back().cols();
    cum_grid_.push_back(Eigen::VectorXd::Zero(m));
    grid_now_.push_back(Eigen::VectorXd::Zero(m));
    grid_prev_.push_back(Eigen::VectorXd::Zero(m));
    last_z_.push_back(Eigen::VectorXd::Zero(box.dimension()));
  }
  equilibrium_point_ = continuous_->equilibrium();
  time_varying_ = continuous_->time_varying();
}

void MatchMetrics::RecordFinite(const games::MixedProfile& x, std::span<const int> a,
                                const std::vector<Eigen::VectorXd>& v_mixed,
                                const std::vector<Eigen::VectorXd>& v_pure) {
  ++rounds_;
  double gap = 0.0;
  for (int i = 0; i < num_players_; ++i) {
    const double expected = v_mixed[i].dot(x[i]);
    const double best = v_mixed[i].maxCoeff();
    cum_v_mixed_[i] += v_mixed[i];
    cum_v_pure_[i] += v_pure[i];
    cum_x_[i] += x[i];
    last_x_[i] = x[i];
    cum_expected_payoff_[i] += expected;
    cum_played_payoff_[i] += v_pure[i][a[i]];
    cum_dynamic_[i] += best - expected;
    last_payoff_[i] = expected;
    gap += best - expected;
  }
  last_nash_gap_ = gap;
}

// E_{X ~ cells}[u_i(X; z_-i)] for a piecewise-uniform distribution: each cell's average payoff by
// the composite midpoint rule on q^d sub-cells (q = 8, 2, 2 for d = 1, 2, 3; 1 beyond), so coarse
// cells (HDA's first levels) are not judged by their centre alone.
double MatchMetrics::ExpectedOverCells(int player, int64_t round, const games::PointProfile& z,
                                       const agents::MixedStrategy& s) {
  const int d = static_cast<int>(s.cell_lower.rows());
  const int64_t cells = s.probabilities.size();
  const int q = d == 1 ? 8 : (d <= 3 ? 2 : 1);
  int64_t sub = 1;
  for (int j = 0; j < d; ++j) sub *= q;
  centres_.resize(d, cells * sub);  // reuses capacity when sizes repeat
  for (int64_t c = 0; c < cells; ++c) {
    for (int64_t k = 0; k < sub; ++k) {
      int64_t rest = k;
      for (int j = 0; j < d; ++j) {
        const double lo = s.cell_lower(j, c);
        const double width = s.cell_upper(j, c) - lo;
        centres_(j, c * sub + k) = lo + width * ((static_cast<double>(rest % q) + 0.5) / q);
        rest /= q;
      }
    }
  }
  continuous_->PayoffsAgainst(player, round, z, centres_, &centre_payoffs_);
  double expected = 0.0;
  for (int64_t c = 0; c < cells; ++c) {
    expected += s.probabilities[c] * centre_payoffs_.segment(c * sub, sub).mean();
  }
  return expected;
}

void MatchMetrics::RecordContinuous(int64_t round, const games::PointProfile& z,
                                    const Eigen::VectorXd& u_played,
                                    std::span<const agents::MixedStrategy* const> strategies) {
  ++rounds_;
  double gap = 0.0;
  double variation_step = 0.0;
  for (int i = 0; i < num_players_; ++i) {
    Eigen::VectorXd& now = grid_now_[i];
    continuous_->PayoffsAgainst(i, round, z, grid_[i], &now);
    const double best = now.maxCoeff();
    double expected = u_played[i];
    const agents::MixedStrategy* s = strategies[i];
    if (s != nullptr && s->probabilities.size() > 0) expected = ExpectedOverCells(i, round, z, *s);
    cum_grid_[i] += now;
    cum_expected_payoff_[i] += expected;
    cum_played_payoff_[i] += u_played[i];
    cum_dynamic_[i] += std::max(best, expected) - expected;
    last_payoff_[i] = expected;
    last_z_[i] = z[i];
    gap += std::max(0.0, best - u_played[i]);
    if (time_varying_) {
      if (rounds_ > 1) {
        variation_step = std::max(variation_step, (now - grid_prev_[i]).cwiseAbs().maxCoeff());
      }
      grid_prev_[i] = now;
    }
  }
  variation_ += variation_step;
  last_nash_gap_ = gap;
}

RoundMetrics MatchMetrics::Snapshot() const {
  RoundMetrics m;
  m.round = rounds_;
  m.players.resize(num_players_);
  if (rounds_ == 0) return m;
  const double t = static_cast<double>(rounds_);
  for (int i = 0; i < num_players_; ++i) {
    PlayerRoundMetrics& p = m.players[i];
    p.dynamic_regret = cum_dynamic_[i];
    p.payoff = last_payoff_[i];
    p.average_payoff = cum_expected_payoff_[i] / t;
  }
  m.nash_gap = last_nash_gap_;
  if (finite_ != nullptr) {
    SnapshotFinite(&m);
  } else {
    SnapshotContinuous(&m);
  }
  return m;
}

void MatchMetrics::SnapshotFinite(RoundMetrics* m) const {
  const double t = static_cast<double>(rounds_);
  games::MixedProfile mean(num_players_);
  for (int i = 0; i < num_players_; ++i) {
    PlayerRoundMetrics& p = m->players[i];
    p.regret = cum_v_mixed_[i].maxCoeff() - cum_expected_payoff_[i];
    p.realized_regret = cum_v_pure_[i].maxCoeff() - cum_played_payoff_[i];
    p.strategy = last_x_[i];
    mean[i] = cum_x_[i] / t;
  }
  std::vector<Eigen::VectorXd> v;
  finite_->MixedPayoffVectors(mean, &v);
  m->empirical_nash_gap = games::NashGapFromPayoffVectors(mean, v);
  if (pure_equilibria_.has_value() && !pure_equilibria_->empty()) {
    const games::PureEquilibrium* nearest = nullptr;
    double best = std::numeric_limits<double>::infinity();
    for (const games::PureEquilibrium& eq : *pure_equilibria_) {
      const double d = games::L1DistanceToPure(last_x_, eq.profile);
      if (d < best) {
        best = d;
        nearest = &eq;
      }
    }
    m->equilibrium_distance = best;
    for (int i = 0; i < num_players_; ++i) {
      m->players[i].equilibrium_distance = 1.0 - last_x_[i][nearest->profile[i]];
    }
  }
}

void MatchMetrics::SnapshotContinuous(RoundMetrics* m) const {
  double squared = 0.0;
  for (int i = 0; i < num_players_; ++i) {
    PlayerRoundMetrics& p = m->players[i];
    const double best_fixed = cum_grid_[i].maxCoeff();
    p.regret = best_fixed - cum_expected_payoff_[i];
    p.realized_regret = best_fixed - cum_played_payoff_[i];
    p.point = last_z_[i];
    if (equilibrium_point_.has_value()) {
      const double d = (last_z_[i] - (*equilibrium_point_)[i]).norm();
      p.equilibrium_distance = d;
      squared += d * d;
    }
  }
  if (equilibrium_point_.has_value()) m->equilibrium_distance = std::sqrt(squared);
  if (time_varying_) m->variation = variation_;
}

}  // namespace nashnet::server

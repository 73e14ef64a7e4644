// Test support: one-dimensional online problems on K = [0, 1] whose losses are combinations of a
// few basis functions with closed-form cell averages, and a driver that runs a continuous learner
// on them and measures its regret exactly (no sampling of the comparator, no Monte Carlo over the
// learner's mixed strategy):
//
//   ℓ_t(z) = Σ_k w_k(t)·f_k(z),    expected loss of a cell distribution = Σ_k w_k(t)·Σ_C
//   p(C)·f̄_k(C)
//
// with f̄_k(C) the exact average of f_k over the cell C. A loss whose shape moves (a tent whose
// tip drifts) is given instead as a function of (t, z) with its exact cell average over [lo, hi];
// its static regret is not computed. The learner is told u = 1 − ℓ (payoff range [0, 1]).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>
#include <vector>

#include "agents/learner.h"
#include "gtest/gtest.h"

namespace nashnet::agents::testing {

struct BasisFunction {
  std::function<double(double)> f;          // f(z)
  std::function<double(double)> primitive;  // F with F' = f
};

struct OnlineProblem {
  std::vector<BasisFunction> basis;
  // w[t-1][k], the weights of round t.
  std::vector<std::vector<double>> weights;
  // Σ_t min_z ℓ_t(z) for dynamic regret (computed by the problem's author, closed form).
  double sum_of_minima = 0.0;
  // A moving loss instead of basis and weights (used when `moving_horizon` > 0): ℓ_t(z) and its
  // exact average over the cell [lo, hi].
  int64_t moving_horizon = 0;
  std::function<double(int64_t, double)> moving_loss;
  std::function<double(int64_t, double, double)> moving_cell_mean;

  [[nodiscard]] int64_t horizon() const {
    return moving_horizon > 0 ? moving_horizon : static_cast<int64_t>(weights.size());
  }
  [[nodiscard]] double Loss(int64_t t, double z) const {
    if (moving_horizon > 0) return moving_loss(t, z);
    double l = 0.0;
    for (size_t k = 0; k < basis.size(); ++k) l += weights[t - 1][k] * basis[k].f(z);
    return l;
  }
  // min over a uniform grid of `points` points of Σ_t ℓ_t(z) (the best fixed point). At a smooth
  // minimum the grid error is second order in the spacing: < 1e-6 per round for 20001 points.
  [[nodiscard]] double BestFixedLoss(int points = 20001) const {
    std::vector<double> total(basis.size(), 0.0);
    for (const auto& w : weights) {
      for (size_t k = 0; k < basis.size(); ++k) total[k] += w[k];
    }
    double best = INFINITY;
    for (int i = 0; i < points; ++i) {
      const double z = static_cast<double>(i) / (points - 1);
      double l = 0.0;
      for (size_t k = 0; k < basis.size(); ++k) l += total[k] * basis[k].f(z);
      best = std::min(best, l);
    }
    return best;
  }
};

struct RegretResult {
  double static_regret = 0.0;  // Σ_t ⟨ℓ_t, x_t⟩ − min_z Σ_t ℓ_t(z) (NaN for a moving loss)
  double dynamic_regret = 0.0;  // Σ_t ⟨ℓ_t, x_t⟩ − Σ_t min_z ℓ_t(z)
};

// Runs learner `algorithm` on `problem` under `feedback` and returns its (expected) regret.
inline RegretResult RunOnline(const OnlineProblem& problem, std::string_view algorithm,
                              const LearnerParams& params, FeedbackModel feedback, uint64_t seed) {
  PlayerView view;
  view.box.lower = Eigen::VectorXd::Zero(1);
  view.box.upper = Eigen::VectorXd::Ones(1);
  view.payoff_range = {0.0, 1.0};
  view.feedback = feedback;
  view.horizon = problem.horizon();
  view.seed = seed;
  auto made = MakeLearner(algorithm, params, view);
  EXPECT_TRUE(made.ok()) << made.status();
  if (!made.ok()) return {};
  std::unique_ptr<Learner> learner = std::move(made).value();

  const size_t K = problem.basis.size();
  Eigen::MatrixXd cell_means;  // cells × K, recomputed when the partition changes
  int cached_cells = -1;
  double total_loss = 0.0;
  Feedback fb;
  for (int64_t t = 1; t <= problem.horizon(); ++t) {
    const MixedStrategy& x = learner->strategy();
    if (problem.moving_horizon > 0) {
      for (Eigen::Index c = 0; c < x.probabilities.size(); ++c) {
        if (x.probabilities[c] == 0.0) continue;
        total_loss += x.probabilities[c] *
                      problem.moving_cell_mean(t, x.cell_lower(0, c), x.cell_upper(0, c));
      }
    } else {
      const int cells = static_cast<int>(x.probabilities.size());
      if (cells != cached_cells) {
        cell_means.resize(cells, K);
        for (int c = 0; c < cells; ++c) {
          const double lo = x.cell_lower(0, c), hi = x.cell_upper(0, c);
          for (size_t k = 0; k < K; ++k) {
            cell_means(c, k) =
                (problem.basis[k].primitive(hi) - problem.basis[k].primitive(lo)) / (hi - lo);
          }
        }
        cached_cells = cells;
      }
      const Eigen::VectorXd per_basis = cell_means.transpose() * x.probabilities;
      for (size_t k = 0; k < K; ++k) total_loss += problem.weights[t - 1][k] * per_basis[k];
    }

    const Action a = learner->Act();
    fb.round = t;
    fb.payoff = 1.0 - problem.Loss(t, a.point[0]);
    if (feedback != FeedbackModel::kBandit) {
      fb.payoff_function = [&problem, t](const Eigen::VectorXd& z) {
        return 1.0 - problem.Loss(t, z[0]);
      };
    }
    learner->Update(fb);
  }
  const double static_regret = problem.moving_horizon > 0 ? std::numeric_limits<double>::quiet_NaN()
                                                          : total_loss - problem.BestFixedLoss();
  return {static_regret, total_loss - problem.sum_of_minima};
}

// Least-squares slope of log y against log x.
inline double LogLogSlope(const std::vector<double>& x, const std::vector<double>& y) {
  const int n = static_cast<int>(x.size());
  double mx = 0, my = 0;
  for (int i = 0; i < n; ++i) mx += std::log(x[i]) / n, my += std::log(y[i]) / n;
  double sxy = 0, sxx = 0;
  for (int i = 0; i < n; ++i) {
    sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
    sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
  }
  return sxy / sxx;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace nashnet::agents::testing

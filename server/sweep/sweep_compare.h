// SweepComparison: a sweep's folder (sweep_runner.h) read back for `nashnet report`: per game,
// per learner, statistics over seeds of what the cells' records say.
//
// Per cell (a finished one: summary.json with status "completed"):
//   final regret  the mean over players of summary.json's R_i(T) (index.csv's `regret`)
//   Nash gap      summary.json's nash_gap
//   seconds       summary.json's elapsed_seconds
//   exponent      the fitted regret exponent: the least-squares slope of ln R(t) against ln t,
//                 R(t) the mean over players of rounds.csv's p<i>_regret, over up to
//                 kExponentPoints log-spaced recorded rounds t in [T/100, T] with R(t) > 0
//                 (NaN with fewer than 3 such rounds)
//   P1 rate       for a finite game whose final profile (argmax of the final strategies) is a
//                 strict pure equilibrium a* with gap Δ, ended within kNearEquilibrium of it, and
//                 a learner with a step schedule γ_t: minus the least-squares slope of
//                 ln ‖x(t) − a*‖₁ against Γ_t = Σ_{s≤t} γ_s over the recorded rounds where
//                 0 < ‖x(t) − a*‖₁ < kNearEquilibrium (P1: ≈ Δ); NaN otherwise
// Per (game, learner), over its seeds: the median with a distribution-free confidence interval
// (MedianInterval), and the curve of R(t) — median, p25, p75 over seeds at each plotted round —
// for the chart; the learner's theoretical exponent α (theory.h, player 0's learner).
//
//   NASHNET_ASSIGN_OR_RETURN(SweepComparison c, CompareSweep("runs/s", 1000));
//
// Errors: NotFound for a folder without index.csv; InvalidArgument "file:line: what" for a
// malformed index.csv, spec.yaml or rounds.csv. Cells without a finished record are counted in
// `unfinished` and left out.
//
// Thread safety: free functions; the result is a value.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/report/record_data.h"
#include "server/round_metrics.h"

namespace nashnet::server {

inline constexpr int kExponentPoints = 50;

// The median of the finite `values` with a confidence interval for it from order statistics:
// [x_(k), x_(n+1−k)] (1-based, sorted) with the largest k such that 2·P(Binomial(n, 1/2) < k) ≤
// 1 − confidence, whose coverage is 1 − 2·P(Binomial(n, 1/2) < k) ≥ confidence. For n too small
// for any such k (n ≤ 5 at 95 %), [min, max] and its coverage 1 − 2^(1−n) (0 for n = 1).
struct MedianInterval {
  int n = 0;
  double median = kNaN;
  double lo = kNaN;
  double hi = kNaN;
  double coverage = 0.0;
};
[[nodiscard]] MedianInterval ComputeMedianInterval(std::vector<double> values,
                                                   double confidence = 0.95);

// −(least-squares slope of ln d against Γ) over the entries with 0 < d < kNearEquilibrium; NaN
// with fewer than 3.
[[nodiscard]] double FitConvergenceRate(const std::vector<double>& gamma,
                                        const std::vector<double>& distance);

// Least-squares slope of ln y against ln t over up to `points` log-spaced entries of (t, y) with
// t in [t_max/100, t_max] and y > 0 (t increasing); NaN with fewer than 3.
[[nodiscard]] double FitLogLogSlope(const std::vector<double>& t, const std::vector<double>& y,
                                    int points = kExponentPoints);

struct LearnerComparison {
  std::string learner;  // index.csv's learner label
  std::string params;   // "k=v;k=v"
  std::string algorithm;
  std::vector<uint64_t> seeds;
  MedianInterval regret, nash_gap, seconds, exponent;
  MedianInterval p1_rate;  // over the seeds where it applies
  double delta = kNaN;     // Δ of the equilibrium the first such seed reached
  double theory_exponent = kNaN;
  std::string theory_rate;     // "T^(1/2)"
  std::vector<double> rounds;  // plotted rounds
  ColumnStats regret_curve;    // mean-over-players R(t) over seeds at `rounds`
};

struct GameComparison {
  std::string game;  // index.csv's game label
  std::string game_name;
  int players = 0;
  std::string feedback;
  int64_t rounds = 0;
  std::vector<LearnerComparison> learners;  // in the index's order
};

struct SweepComparison {
  std::string name;  // the sweep's folder name
  int cells = 0;
  std::vector<std::string> unfinished;  // cell ids left out
  std::vector<GameComparison> games;    // in the index's order
};

[[nodiscard]] absl::StatusOr<SweepComparison> CompareSweep(const std::filesystem::path& dir,
                                                           int max_points);

}  // namespace nashnet::server

// SweepComparison: a sweep's folder (sweep_runner.h) read back for `nashnet report`: per game,
// per learner, statistics over seeds of what the cells' records say.
//
// Per cell (a finished one: summary.json with status "completed"):
//   final regret  the mean over players of summary.json's R_i(T) (index.csv's `regret`)
//   dynamic       the mean over players of summary.json's dynamic regret
//   variation     rounds.csv's last `variation`, V_T (0 for a game that does not vary)
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
// Per (game, learner, horizon T), over its seeds: the median with a distribution-free confidence
// interval (MedianInterval), and the curve of R(t) — median, p25, p75 over seeds at each plotted
// round — for the chart; the learner's theoretical exponent α (theory.h, player 0's learner).
// Per (game, learner) run at 3 or more horizons (a sweep game entry with `rounds: [...]`), the
// fit across horizons (HorizonFit): per seed, the least-squares slopes of ln R(T), ln R_dyn(T)
// and ln V_T against ln T over that seed's horizons, and their medians with intervals — the
// exponent of the dynamic regret against the variation budget (ALGORITHMS.md target 6: with
// V_T ~ T^ν, HDA's ≈ (d+2+ν)/(d+3)).
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
#include <optional>
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

// Least-squares slope of ln y against ln t over every entry with t > 0 and finite y > 0 (t in any
// order); NaN with fewer than 3 such entries or a single t.
[[nodiscard]] double FitPowerLaw(const std::vector<double>& t, const std::vector<double>& y);

struct LearnerComparison {
  std::string learner;  // index.csv's learner label
  std::string params;   // "k=v;k=v"
  std::string algorithm;
  int64_t horizon = 0;  // T
  std::vector<uint64_t> seeds;
  MedianInterval regret, dynamic_regret, variation, nash_gap, seconds, exponent;
  MedianInterval p1_rate;  // over the seeds where it applies
  double delta = kNaN;     // Δ of the equilibrium the first such seed reached
  double theory_exponent = kNaN;
  std::string theory_rate;     // "T^(1/2)"
  std::vector<double> rounds;  // plotted rounds
  ColumnStats regret_curve;    // mean-over-players R(t) over seeds at `rounds`
};

// One learner of one game across its horizons (3 or more).
struct HorizonFit {
  std::string learner;
  std::string algorithm;
  std::vector<int64_t> horizons;               // increasing
  std::vector<double> regret, dynamic_regret;  // medians over seeds, per horizon
  std::vector<double> variation;               // median V_T per horizon
  MedianInterval regret_exponent, dynamic_exponent, variation_exponent;  // over seeds
  double theory_exponent = kNaN;                                         // α of the static regret
  double theory_dynamic_exponent = kNaN;  // theory.h; NaN when the theory does not say
  std::optional<double> game_nu;          // the game's own ν (V_T ~ T^ν), when it declares one
};

struct GameComparison {
  std::string game;  // index.csv's game label
  std::string game_name;
  int players = 0;
  std::string feedback;
  int64_t rounds = 0;
  std::vector<LearnerComparison> learners;  // in the index's order (then by horizon)
  std::vector<HorizonFit> horizon_fits;     // learners run at 3 or more horizons
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

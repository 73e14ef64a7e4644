// RoundMetrics and RunSummary: what a match measures, per round and at the end of a run.
//
// Definitions are ALGORITHMS.md's ("Metrics"), computed from the true payoffs. These plain
// structs are what the run record (rounds.csv, summary.json), the summary table and — in the
// networked service — GetGame/WatchGame and the Prometheus exporter read.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace nashnet::server {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One player after round t (cumulative quantities are over rounds 1..t).
struct PlayerRoundMetrics {
  double regret = kNaN;           // static pseudo-regret R_i(t), from reported mixed strategies
  double realized_regret = kNaN;  // the same with the played actions
  double dynamic_regret = kNaN;   // Σ_s [max_a u_i(a; x_-i(s)) − u_i(x(s))]
  double payoff = kNaN;           // u_i(x(t)), expected payoff this round
  double average_payoff = kNaN;   // (1/t) Σ_s u_i(x(s))
  // 1 − x_{i,a*_i}(t) for the nearest pure equilibrium a*; NaN when no equilibrium is known.
  double equilibrium_distance = kNaN;
  Eigen::VectorXd strategy;  // finite games: x_i(t); continuous games: empty
  Eigen::VectorXd point;     // continuous games: the point played at t; finite: empty
};

// The whole game after round t.
struct RoundMetrics {
  int64_t round = 0;
  double nash_gap = kNaN;            // Nash gap of the current profile x(t)
  double empirical_nash_gap = kNaN;  // Nash gap of the time-averaged play (1/t) Σ_s x(s)
  // min over pure equilibria a* of ‖x(t) − a*‖₁ (continuous: ‖z(t) − z*‖₂); NaN if none known.
  double equilibrium_distance = kNaN;
  double variation = kNaN;  // online problems: V_t = Σ_{s<t} sup_z |ℓ_{s+1}(z) − ℓ_s(z)|
  std::vector<PlayerRoundMetrics> players;
};

// The end of one run (one seed): what summary.json and the summary table show.
struct PlayerSummary {
  std::string algorithm;  // what played the seat (an agent's own learner, or the spec's)
  std::map<std::string, double, std::less<>> params;  // its parameters as given (not defaults)
  Eigen::VectorXd strategy;  // final mixed strategy (finite) or final point (continuous)
  double regret = kNaN;
  double realized_regret = kNaN;
  double dynamic_regret = kNaN;
  double average_payoff = kNaN;
  // Hosted games (0 in simulations): what the seat went through.
  int64_t substituted_rounds = 0;  // rounds the straggler policy played for it
  int64_t missed_deadlines = 0;
  int64_t evictions = 0;
  int64_t resumes = 0;  // times an agent took the seat back with its resume token
};

struct RunSummary {
  int64_t rounds = 0;
  uint64_t seed = 0;
  // completed (the horizon), stopped, drained (resumable) or failed.
  std::string status = "completed";
  double nash_gap = kNaN;
  double empirical_nash_gap = kNaN;
  double equilibrium_distance = kNaN;
  double elapsed_seconds = kNaN;    // wall clock; with rounds_per_second, the fields that differ
                                    // between identical runs
  double rounds_per_second = kNaN;  // rounds / elapsed_seconds
  std::vector<PlayerSummary> players;
};

}  // namespace nashnet::server

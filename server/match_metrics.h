// MatchMetrics: the metric trackers of one match (ALGORITHMS.md, "Metrics"), fed the TRUE payoffs.
//
// The match calls one Record* per resolved round; everything cumulative is kept as running sums so
// a round costs O(players · actions) (finite) or O(players · grid points) (continuous) and
// allocates nothing in the steady state. Snapshot() derives the reported numbers on demand
// (regrets from the sums, the empirical Nash gap, distances to equilibrium).
//
//   NASHNET_ASSIGN_OR_RETURN(auto metrics, MatchMetrics::Create(game));
//   metrics->RecordFinite(x, a, v_mixed, v_pure);   // once per round
//   RoundMetrics m = metrics->Snapshot();
//
// Finite games: pseudo-regret from Σ_t v_i(x(t)) and Σ_t u_i(x(t)); realized regret from
// Σ_t v_i(a_-i(t)) and Σ_t u_i(a(t)); dynamic regret Σ_t [max v_i(x(t)) − u_i(x(t))]; the
// empirical play Σ_t x_i(t); the distance to the nearest pure equilibrium (the equilibria are
// enumerated once, when the game has at most kMaxProfilesForEquilibria pure profiles; else NaN).
//
// Continuous games: each player gets a metric grid on K_i (d = 1: 512 points, d = 2: 32×32,
// higher d: about 4096 points, each axis including both ends). Per round the payoff of every grid
// point against z_-i(t) is added to a running sum; static regret compares the best fixed grid point
// with the expected payoff of the reported cell distribution (cell centres weighted by mass) or,
// without a distribution, of the played point; realized regret uses the played point; dynamic
// regret the per-round grid maximum. The Nash gap is Σ_i max(0, max_grid u_i − u_i(z)); the
// equilibrium distance ‖z − z*‖₂ when the game knows z*; the variation V_t (time-varying games)
// is Σ_{s<t} max_i max_grid |u_i,s+1 − u_i,s|.
//
// Thread safety: none; owned and driven by one match.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/learner.h"
#include "games/continuous_game.h"
#include "games/equilibrium.h"
#include "games/finite_game.h"
#include "server/round_metrics.h"

namespace nashnet::server {

class MatchMetrics {
 public:
  // Pure equilibria are enumerated only for games with at most this many pure profiles.
  static constexpr int64_t kMaxProfilesForEquilibria = 1'000'000;
  // More pure equilibria than this and the distance to equilibrium is not tracked (NaN).
  static constexpr size_t kMaxEquilibria = 10'000;

  // Builds the trackers for `game` (a FiniteGame or a ContinuousGame).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MatchMetrics>> Create(
      std::shared_ptr<const games::Game> game);

  // Finite games, one round: x = the mixed profile played, a = the actions, v_mixed[i] = v_i(x),
  // v_pure[i] = v_i(a_-i), all from the true game. Unchecked: shapes must match the game.
  void RecordFinite(const games::MixedProfile& x, std::span<const int> a,
                    const std::vector<Eigen::VectorXd>& v_mixed,
                    const std::vector<Eigen::VectorXd>& v_pure);

  // Continuous games, one round `round`: z = the points played, u_played[i] = u_i(z) at `round`,
  // strategies[i] = player i's reported cell distribution or null. Unchecked.
  void RecordContinuous(int64_t round, const games::PointProfile& z,
                        const Eigen::VectorXd& u_played,
                        std::span<const agents::MixedStrategy* const> strategies);

  // Metrics after the last recorded round (round 0, all NaN, before any).
  [[nodiscard]] RoundMetrics Snapshot() const;

  // Rounds recorded so far.
  [[nodiscard]] int64_t rounds() const { return rounds_; }

  // Finite games: the pure equilibria (nullopt when not enumerated because the game is too big).
  [[nodiscard]] const std::optional<std::vector<games::PureEquilibrium>>& pure_equilibria() const {
    return pure_equilibria_;
  }

 private:
  // Expected payoff of player `player` under a reported piecewise-uniform cell distribution.
  [[nodiscard]] double ExpectedOverCells(int player, int64_t round, const games::PointProfile& z,
                                         const agents::MixedStrategy& s);
  explicit MatchMetrics(std::shared_ptr<const games::Game> game);
  void InitFinite();
  void InitContinuous();
  void SnapshotFinite(RoundMetrics* m) const;
  void SnapshotContinuous(RoundMetrics* m) const;

  std::shared_ptr<const games::Game> game_;
  const games::FiniteGame* finite_ = nullptr;
  const games::ContinuousGame* continuous_ = nullptr;
  int num_players_ = 0;
  int64_t rounds_ = 0;

  // Per player, both kinds.
  std::vector<double> cum_expected_payoff_;  // Σ_t u_i(x(t))
  std::vector<double> cum_played_payoff_;    // Σ_t u_i(a(t)) / u_i(z(t))
  std::vector<double> cum_dynamic_;          // Σ_t [max_a u_i(a; ·) − u_i(x(t))]
  std::vector<double> last_payoff_;          // u_i(x(t))
  double last_nash_gap_ = kNaN;

  // Finite games.
  std::vector<Eigen::VectorXd> cum_v_mixed_;  // Σ_t v_i(x(t))
  std::vector<Eigen::VectorXd> cum_v_pure_;   // Σ_t v_i(a_-i(t))
  std::vector<Eigen::VectorXd> cum_x_;        // Σ_t x_i(t)
  games::MixedProfile last_x_;                // x(t)
  std::optional<std::vector<games::PureEquilibrium>> pure_equilibria_;

  // Continuous games.
  std::vector<Eigen::MatrixXd> grid_;       // [i] d_i × m_i grid points of K_i
  std::vector<Eigen::VectorXd> cum_grid_;   // [i] Σ_t u_i(grid point; z_-i(t))
  std::vector<Eigen::VectorXd> grid_now_;   // [i] this round's grid payoffs
  std::vector<Eigen::VectorXd> grid_prev_;  // [i] last round's (time-varying games)
  Eigen::MatrixXd centres_;                 // scratch: sub-cell midpoints of reported cells
  Eigen::VectorXd centre_payoffs_;          // scratch: payoffs at those midpoints
  games::PointProfile last_z_;
  std::optional<games::PointProfile> equilibrium_point_;
  bool time_varying_ = false;
  double variation_ = 0.0;
};

}  // namespace nashnet::server

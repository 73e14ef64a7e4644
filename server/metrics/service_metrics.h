// ServiceMetrics: the coordinator's Prometheus registry — the service counters and histograms
// (agents, games, rounds, response times, deadline misses, evictions, rejections), the families of
// the per-game and per-player series, the aggregates over live games and the budget of detailed
// games. The metric list and its update rules are docs' issue-4 contract (metrics_contract.md).
//
//   ServiceMetricsOptions options{.detail_games = 64, .period_ms = 100};
//   NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<ServiceMetrics> metrics,
//   ServiceMetrics::Create(options)); NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<MetricsServer> http,
//                            MetricsServer::Start("127.0.0.1:0", metrics->registry()));
//   metrics->Rejected(RejectReason::kNotFound);          // any thread
//   std::unique_ptr<GameMetrics> g = metrics->ForGame("g1", GameShape::Of(game));
//   if (g->Due(round, final)) g->Publish(snapshot);      // the game's strand
//   g->End("horizon");
//
// Thread safety: every method may be called from any thread (counters, gauges and histograms are
// prometheus-cpp's atomics; Add/Remove of series take the family's lock, only at a game's start
// and end). The ServiceMetrics must outlive every GameMetrics it made.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "games/game.h"

namespace nashnet::server {

class GameMetrics;

struct ServiceMetricsOptions {
  int64_t detail_games = 64;  // live games with per-game/per-player series (--metrics-detail-games)
  int64_t period_ms = 100;    // a game publishes its gauges at most this often; 0 = every round
  std::string version = "";   // nashnet_build_info{version}; empty = the project's version

  [[nodiscard]] absl::Status Validate() const;
};

// Why a message (or RPC) was refused: nashnet_rejected_messages_total{reason}.
enum class RejectReason {
  kInvalidAction,    // bad shape, values, index or point
  kWrongRound,       // an action for another round (or a round already played for the seat)
  kProtocol,         // Action before Join, second Join, empty message, second action, ...
  kUnauthenticated,  // wrong join token, resume token or admin token
  kNotFound,         // unknown game
  kNoSeat,           // seat out of range, taken, local, or no free seat
  kLimit,            // --max-games, --max-seats, oversized fields
  kOther,            // anything else (game over or stopping, coordinator draining, bad spec)
};
inline constexpr int kNumRejectReasons = 8;
[[nodiscard]] std::string_view RejectReasonName(RejectReason reason);

// What a game's series look like: its players and, for finite games, each player's actions.
struct GameShape {
  int players = 0;
  bool finite = false;
  std::vector<int> num_actions;  // finite games: per player; else empty

  [[nodiscard]] static GameShape Of(const games::Game& game);
};

class ServiceMetrics {
 public:
  // Histogram buckets: 25 µs × 2^k up to ~ 30 s; the final Nash gap: 1e-6 … 1 by decades, 10.
  [[nodiscard]] static std::vector<double> DurationBuckets();
  [[nodiscard]] static std::vector<double> GapBuckets();
  // Per-player series only for players 0..kMaxDetailedPlayers-1; action probabilities only for
  // players with at most kMaxDetailedActions actions.
  static constexpr int kMaxDetailedPlayers = 32;
  static constexpr int kMaxDetailedActions = 16;

  // InvalidArgument naming the flag for bad options.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ServiceMetrics>> Create(
      const ServiceMetricsOptions& options);
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  [[nodiscard]] const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  [[nodiscard]] const ServiceMetricsOptions& options() const { return options_; }

  // Service events.
  void AgentConnected() { agents_connected_.Increment(); }
  void AgentDisconnected() { agents_connected_.Decrement(); }
  // A round resolved (a game's GameMetrics batches these: GameMetrics::RoundResolved).
  void RoundResolved(double seconds) {
    rounds_total_.Increment();
    round_duration_.Observe(seconds);
  }
  void AgentResponded(double seconds) { agent_response_.Observe(seconds); }
  void DeadlineMissed() { deadline_misses_.Increment(); }
  void Evicted() { evictions_.Increment(); }
  void Rejected(RejectReason reason) { rejected_[static_cast<int>(reason)]->Increment(); }

  // A game was created: counts it, takes a detail slot if one is free and creates its series.
  [[nodiscard]] std::unique_ptr<GameMetrics> ForGame(const std::string& id, const GameShape& shape);

 private:
  friend class GameMetrics;
  explicit ServiceMetrics(const ServiceMetricsOptions& options);
  [[nodiscard]] bool TakeSlot();
  void FreeSlot();
  void GameEnded(std::string_view reason);
  // The aggregates over live games: a game's contribution changes from (old_gap, old_worst) to
  // (gap, worst); `joins` / `leaves` when it starts / stops reporting. The sums are kept exactly
  // here (under live_mutex_, at most once per game per publish period) and Set() on the gauges,
  // so they are exactly 0 once no game reports (adding and subtracting through the gauges
  // left rounding residue, even negative sums).
  void UpdateLive(double old_gap, double old_worst, double gap, double worst, int delta_games);

  const ServiceMetricsOptions options_;
  const std::vector<double> duration_buckets_ = DurationBuckets();
  std::shared_ptr<prometheus::Registry> registry_;
  std::atomic<int64_t> detailed_{0};
  std::mutex live_mutex_;  // guards the three live_* fields below
  int64_t live_games_ = 0;
  double live_gap_sum_ = 0.0;
  double live_worst_sum_ = 0.0;

  prometheus::Gauge& agents_connected_;
  prometheus::Gauge& games_active_;
  prometheus::Counter& games_created_;
  prometheus::Family<prometheus::Counter>& games_ended_;
  prometheus::Counter& rounds_total_;
  prometheus::Histogram& round_duration_;
  prometheus::Histogram& agent_response_;
  prometheus::Counter& deadline_misses_;
  prometheus::Counter& evictions_;
  std::array<prometheus::Counter*, kNumRejectReasons> rejected_{};
  prometheus::Gauge& detailed_games_;

  // Per game (label game).
  prometheus::Family<prometheus::Gauge>& game_round_;
  prometheus::Family<prometheus::Gauge>& game_nash_gap_;
  prometheus::Family<prometheus::Gauge>& game_empirical_nash_gap_;
  prometheus::Family<prometheus::Gauge>& game_equilibrium_distance_;
  // Per player (labels game, player; action for the probabilities).
  prometheus::Family<prometheus::Gauge>& player_regret_;
  prometheus::Family<prometheus::Gauge>& player_realized_regret_;
  prometheus::Family<prometheus::Gauge>& player_dynamic_regret_;
  prometheus::Family<prometheus::Gauge>& player_average_regret_;
  prometheus::Family<prometheus::Gauge>& player_payoff_;
  prometheus::Family<prometheus::Gauge>& player_average_payoff_;
  prometheus::Family<prometheus::Gauge>& player_strategy_entropy_;
  prometheus::Family<prometheus::Gauge>& player_equilibrium_action_probability_;
  prometheus::Family<prometheus::Gauge>& player_strategy_probability_;
  // Aggregates over live games that published a round.
  prometheus::Gauge& live_games_reporting_;
  prometheus::Gauge& live_summed_nash_gap_;
  prometheus::Gauge& live_summed_worst_average_regret_;
  prometheus::Histogram& final_nash_gap_;
};

}  // namespace nashnet::server

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
// prometheus-cpp's atomics; Add/Remove of series take the family's lock, only when a game gets or
// loses its detail slot). Detail slots move between games under slots_mutex_, which is taken
// before any game's series mutex, never after. The ServiceMetrics must outlive every GameMetrics
// it made.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
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

// What a game's series look like: its players and, for finite games, each player's actions; for
// continuous games, each player's dimension and whether the losses vary with the round.
struct GameShape {
  int players = 0;
  bool finite = false;
  std::vector<int> num_actions;  // finite games: per player; else empty
  std::vector<int> dimensions;   // continuous games: per player; else empty
  bool time_varying = false;     // continuous games whose payoffs change with t: the variation V_t

  [[nodiscard]] static GameShape Of(const games::Game& game);
};

class ServiceMetrics {
 public:
  // Histogram buckets: 25 µs × 2^k up to ~ 30 s; the final Nash gap: 1e-6 … 1 by decades, 10.
  [[nodiscard]] static std::vector<double> DurationBuckets();
  [[nodiscard]] static std::vector<double> GapBuckets();
  // Per-player series only for players 0..kMaxDetailedPlayers-1; action probabilities only for
  // players with at most kMaxDetailedActions actions, played points only for players of at most
  // kMaxDetailedCoordinates dimensions.
  static constexpr int kMaxDetailedPlayers = 32;
  static constexpr int kMaxDetailedActions = 16;
  static constexpr int kMaxDetailedCoordinates = 16;

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

  // A game was created: counts it; the game is waiting (GameMetrics::SetRunning) and gets a
  // detail slot, with its series, if one is free.
  [[nodiscard]] std::unique_ptr<GameMetrics> ForGame(const std::string& id, const GameShape& shape);

 private:
  friend class GameMetrics;
  // The live games in the detail-slot queues (detail_slots.cc): each game is in at most one.
  using SlotQueue = std::list<GameMetrics*>;

  explicit ServiceMetrics(const ServiceMetricsOptions& options);
  // Detail slots (detail_slots.cc; each takes slots_mutex_, then the games' series mutexes).
  void AddGame(GameMetrics* game);
  void SetGameRunning(GameMetrics* game, bool running);
  void RemoveGame(GameMetrics* game);
  void GrantLocked(GameMetrics* game) ABSL_EXCLUSIVE_LOCKS_REQUIRED(slots_mutex_);
  void RevokeLocked(GameMetrics* game) ABSL_EXCLUSIVE_LOCKS_REQUIRED(slots_mutex_);
  void EnqueueLocked(GameMetrics* game, SlotQueue* queue)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(slots_mutex_);
  void DequeueLocked(GameMetrics* game) ABSL_EXCLUSIVE_LOCKS_REQUIRED(slots_mutex_);
  // A slot was freed: the running game that waited longest gets it, else the waiting game that
  // waited longest, else it stays free.
  void HandOverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(slots_mutex_);

  void GameEnded(std::string_view reason);
  // Seats of live games: vacant seats change by `vacant_delta`, `substituted` more seat-rounds.
  void SeatsChanged(int64_t vacant_delta, int64_t substituted);
  // The aggregates over live games: a game's contribution changes from (old_gap, old_worst) to
  // (gap, worst); `joins` / `leaves` when it starts / stops reporting. The sums are kept exactly
  // here (under live_mutex_, at most once per game per publish period) and Set() on the gauges,
  // so they are exactly 0 once no game reports (adding and subtracting through the gauges
  // left rounding residue, even negative sums).
  void UpdateLive(double old_gap, double old_worst, double gap, double worst, int delta_games);

  const ServiceMetricsOptions options_;
  const std::vector<double> duration_buckets_ = DurationBuckets();
  std::shared_ptr<prometheus::Registry> registry_;

  // Detail slots: the free ones, and the queues of live games (see game_metrics.h, "Detail").
  std::mutex slots_mutex_;
  int64_t free_slots_ ABSL_GUARDED_BY(slots_mutex_);
  SlotQueue running_without_slot_ ABSL_GUARDED_BY(slots_mutex_);  // first to get a freed slot
  SlotQueue waiting_without_slot_ ABSL_GUARDED_BY(slots_mutex_);  // next, if no running game
  SlotQueue waiting_with_slot_ ABSL_GUARDED_BY(slots_mutex_);     // a running game takes theirs
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
  prometheus::Gauge& vacant_seats_;
  prometheus::Counter& substituted_rounds_;

  // Per game (label game).
  prometheus::Family<prometheus::Gauge>& game_round_;
  prometheus::Family<prometheus::Gauge>& game_nash_gap_;
  prometheus::Family<prometheus::Gauge>& game_empirical_nash_gap_;
  prometheus::Family<prometheus::Gauge>& game_equilibrium_distance_;
  prometheus::Family<prometheus::Gauge>& game_variation_;
  prometheus::Family<prometheus::Gauge>& game_running_;
  prometheus::Family<prometheus::Gauge>& game_vacant_seats_;
  prometheus::Family<prometheus::Counter>& game_substituted_rounds_;
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
  prometheus::Family<prometheus::Gauge>& player_point_;
  // Aggregates over live games that published a round.
  prometheus::Gauge& live_games_reporting_;
  prometheus::Gauge& live_summed_nash_gap_;
  prometheus::Gauge& live_summed_worst_average_regret_;
  prometheus::Histogram& final_nash_gap_;
};

}  // namespace nashnet::server

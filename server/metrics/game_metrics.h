// GameMetrics: one hosted game's share of the exporter — its cached per-game and per-player series
// (while it holds a detail slot), its contribution to the aggregates over live games, its seats,
// and the rule of when it publishes.
//
//   std::unique_ptr<GameMetrics> g = service_metrics->ForGame("g1", GameShape::Of(game));
//   g->PublishSeats(/*vacant=*/2, /*substituted_total=*/0);   // whenever a seat fills or empties
//   g->SetRunning(true);                                     // Start: all seats taken
//   // after each resolved round t (and on the round-deadline timer with the latest round):
//   g->RoundResolved(seconds);
//   if (g->Due(t, /*final=*/t == horizon)) g->Publish(match.Snapshot());
//   g->SetRunning(false);                                    // paused: waiting for agents again
//   // once the game is over:
//   g->End("horizon");   // removes its series, frees the slot, observes the final Nash gap
//
// Publish rule: a round is due when it is newer than the last published one AND (nothing was
// published yet, OR the period has passed since the last publish, OR it is the final round). A
// game that just got a detail slot is due again at its last published round (its new series
// start at NaN). At most one Set per series per Publish. A stalled game may call Due/Publish from
// its deadline timer with its latest resolved round: the rounds before a stall go out once the
// period has passed, not only when the next round resolves.
//
// Detail: at most --metrics-detail-games live games have per-game and per-player series. Running
// games come first: a game that starts running takes a free slot, else the slot of the game that
// has been waiting longest (whose series are removed), else it queues for the next freed slot. A
// running game keeps its slot until it ends or stops running; a game that stops running (or ends)
// hands its slot to the running game that queued first, else to the waiting game that queued
// first. Games are waiting from ForGame until SetRunning(true).
//
// Thread safety: one game's strand uses a GameMetrics (not thread-safe itself); the
// ServiceMetrics it reports to is, and may give or take the game's slot from another game's
// strand (the series are guarded by series_mutex_). End() is idempotent; the destructor ends it
// (no reason counted) if nobody did.
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "server/metrics/service_metrics.h"
#include "server/round_metrics.h"

namespace nashnet::server {

class GameMetrics {
 public:
  ~GameMetrics();
  GameMetrics(const GameMetrics&) = delete;
  GameMetrics& operator=(const GameMetrics&) = delete;

  // Whether round `round` should be published at `now` (see the rule above).
  [[nodiscard]] bool Due(int64_t round, bool final,
                         std::chrono::steady_clock::time_point now) const;
  [[nodiscard]] bool Due(int64_t round, bool final) const {
    return Due(round, final, std::chrono::steady_clock::now());
  }
  // A round of this game was resolved in `seconds`. Kept here (no lock, no atomic) until
  // FlushRounds(), Publish() or End() adds it to nashnet_rounds_total and
  // nashnet_round_duration_seconds: a game whose rounds take microseconds pays no mutex per round.
  void RoundResolved(double seconds);
  // An agent of this game answered in `seconds`: batched like the rounds, into
  // nashnet_agent_response_seconds.
  void AgentResponded(double seconds);
  // A round resolved whose duration was not measured: it counts in nashnet_rounds_total only.
  // A game of local seats (rounds of a fraction of a microsecond, where two clock reads would
  // cost more than the round) times one round in kTimedRoundEvery and counts the others.
  void RoundCounted() { ++untimed_rounds_; }
  static constexpr int64_t kTimedRoundEvery = 64;
  void FlushRounds();
  // Sets the game's gauges (detailed games) and updates the aggregates from `m` (round m.round),
  // published at `now` (the period counts from it).
  void Publish(const RoundMetrics& m, std::chrono::steady_clock::time_point now);
  void Publish(const RoundMetrics& m) { Publish(m, std::chrono::steady_clock::now()); }
  // The game plays rounds (true: from Start, and again after a pause) or waits for agents
  // (false: a seat became vacant under the wait policy, the game was recovered or drained and its
  // agents have not resumed). Moves detail slots (see "Detail" above); no-op if unchanged.
  void SetRunning(bool running);
  // The game's remote seats without a connected agent now, and the seat-rounds its straggler
  // policy has played so far (a round with two substituted seats counts 2; non-decreasing, the
  // whole game's count — a recovered game passes its total from the journal). Call when a seat
  // fills or empties and with each Publish. Sets nashnet_game_vacant_seats and
  // nashnet_game_substituted_rounds_total (detailed games) and the service-wide
  // nashnet_vacant_seats and nashnet_substituted_rounds_total (which counts every increase this
  // process saw: a game's first call counts its whole total).
  void PublishSeats(int vacant, int64_t substituted_total);
  // The game is over: `reason` counts in nashnet_games_ended_total (empty: not counted).
  void End(std::string_view reason);

  // The publish period (--metrics-period-ms; zero: every round).
  [[nodiscard]] std::chrono::steady_clock::duration period() const { return period_; }

  // Whether the game has its detailed series now (a slot may come or go from another thread).
  [[nodiscard]] bool detailed() const { return detailed_.load(std::memory_order_relaxed); }
  [[nodiscard]] int64_t last_round() const { return last_round_; }

 private:
  friend class ServiceMetrics;
  GameMetrics(ServiceMetrics* service, std::string id, GameShape shape);

  // The detailed series (one instance while the game holds a slot).
  struct Player {
    prometheus::Gauge* regret = nullptr;
    prometheus::Gauge* realized_regret = nullptr;
    prometheus::Gauge* dynamic_regret = nullptr;
    prometheus::Gauge* average_regret = nullptr;
    prometheus::Gauge* payoff = nullptr;
    prometheus::Gauge* average_payoff = nullptr;
    prometheus::Gauge* entropy = nullptr;                  // finite games
    prometheus::Gauge* equilibrium_probability = nullptr;  // finite games
    std::vector<prometheus::Gauge*> probabilities;         // finite, <= kMaxDetailedActions actions
    std::vector<prometheus::Gauge*> point;  // continuous, <= kMaxDetailedCoordinates coordinates
  };
  struct Series {
    prometheus::Gauge* round = nullptr;
    prometheus::Gauge* nash_gap = nullptr;
    prometheus::Gauge* empirical_nash_gap = nullptr;
    prometheus::Gauge* equilibrium_distance = nullptr;
    prometheus::Gauge* variation = nullptr;  // time-varying continuous games
    prometheus::Gauge* running = nullptr;
    prometheus::Gauge* vacant_seats = nullptr;
    prometheus::Counter* substituted_rounds = nullptr;
    std::vector<Player> players;
  };

  // Called by ServiceMetrics under its slots mutex: create / remove the detailed series.
  void AddSeries(bool running);
  void RemoveSeries();
  void SetRunningSeries(bool running);
  void SetSeries(const RoundMetrics& m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(series_mutex_);

  ServiceMetrics* service_;
  const std::string id_;
  const GameShape shape_;
  bool ended_ = false;
  const std::chrono::steady_clock::duration period_;

  // The detail-slot bookkeeping, guarded by the ServiceMetrics' slots_mutex_.
  bool running_ = false;
  bool holds_slot_ = false;
  ServiceMetrics::SlotQueue* queue_ = nullptr;  // the queue this game is in, if any
  ServiceMetrics::SlotQueue::iterator queue_position_;

  // The detailed series and the seats they show; the slot may come and go from another thread.
  std::mutex series_mutex_;
  std::unique_ptr<Series> series_ ABSL_GUARDED_BY(series_mutex_);
  int vacant_ ABSL_GUARDED_BY(series_mutex_) = 0;
  int64_t substituted_total_ ABSL_GUARDED_BY(series_mutex_) = 0;
  std::atomic<bool> detailed_{false};
  std::atomic<bool> republish_{false};  // a slot was granted: the last round is due again
  // The last published round, for a new slot's nashnet_game_round (0 = none yet: never NaN, so
  // rate(nashnet_game_round[1m]) is a number from the first scrape on).
  std::atomic<int64_t> published_round_{0};

  // Rounds resolved and not yet flushed: count, duration sum, per-bucket counts (not cumulative).
  // Observations not yet handed to a prometheus histogram (whose Observe takes a mutex): count,
  // sum, per-bucket counts (not cumulative; the last is +Inf).
  struct PendingHistogram {
    int64_t count = 0;
    double sum = 0.0;
    std::vector<double> buckets;
    void Add(const std::vector<double>& bounds, double x);
    void FlushTo(prometheus::Histogram& histogram);
  };
  PendingHistogram pending_rounds_;
  PendingHistogram pending_responses_;
  int64_t untimed_rounds_ = 0;

  int64_t last_round_ = 0;
  // When the game last published; empty = never (the first round is always due: the steady
  // clock's epoch is the machine's boot, so no time point can stand for "never").
  std::optional<std::chrono::steady_clock::time_point> last_publish_;
  // This game's contribution to the aggregates (NaN counts as 0).
  bool reporting_ = false;
  double gap_ = 0.0;
  double worst_average_regret_ = 0.0;
  double final_gap_ = kNaN;  // the last published Nash gap
};

}  // namespace nashnet::server

// GameMetrics: one hosted game's share of the exporter — its cached per-game and per-player series
// (if it holds a detail slot), its contribution to the aggregates over live games, and the rule
// of when it publishes.
//
//   std::unique_ptr<GameMetrics> g = service_metrics->ForGame("g1", GameShape::Of(game));
//   // after each resolved round t:
//   g->RoundResolved(seconds);
//   if (g->Due(t, /*final=*/t == horizon)) g->Publish(match.Snapshot());
//   // once the game is over:
//   g->End("horizon");   // removes its series, frees the slot, observes the final Nash gap
//
// Publish rule: a round is due when it is newer than the last published one AND (nothing was
// published yet, OR the period has passed since the last publish, OR it is the final round). At
// most one Set per series per Publish.
//
// Thread safety: one game's strand uses a GameMetrics (not thread-safe itself); the
// ServiceMetrics it reports to is. End() is idempotent; the destructor ends it (no reason
// counted) if nobody did.
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  // The game is over: `reason` counts in nashnet_games_ended_total (empty: not counted).
  void End(std::string_view reason);

  [[nodiscard]] bool detailed() const { return detailed_; }
  [[nodiscard]] int64_t last_round() const { return last_round_; }

 private:
  friend class ServiceMetrics;
  GameMetrics(ServiceMetrics* service, const std::string& id, const GameShape& shape,
              bool detailed);

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
  };

  void RemoveSeries();

  ServiceMetrics* service_;
  const bool detailed_;
  bool ended_ = false;
  const std::chrono::steady_clock::duration period_;

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

  prometheus::Gauge* round_ = nullptr;
  prometheus::Gauge* nash_gap_ = nullptr;
  prometheus::Gauge* empirical_nash_gap_ = nullptr;
  prometheus::Gauge* equilibrium_distance_ = nullptr;
  std::vector<Player> players_;
};

}  // namespace nashnet::server

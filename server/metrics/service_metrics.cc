#include "server/metrics/service_metrics.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "games/continuous_game.h"
#include "games/finite_game.h"
#include "server/metrics/game_metrics.h"

#ifndef NASHNET_VERSION
#define NASHNET_VERSION "unknown"
#endif

namespace nashnet::server {
namespace {

// The longest publish period accepted (a day): beyond it a game would look frozen.
constexpr int64_t kMaxPeriodMs = 86400000;

constexpr std::array<std::string_view, kNumRejectReasons> kRejectNames = {
    "invalid_action", "wrong_round", "protocol", "unauthenticated",
    "not_found",      "no_seat",     "limit",    "other"};

// Every game-over reason, pre-created at 0 (GameOverReason without its prefix; COMPLETED is
// "horizon", the horizon was reached).
constexpr std::string_view kEndReasons[] = {"horizon", "stopped", "draining", "failed"};

prometheus::Family<prometheus::Gauge>& Gauges(prometheus::Registry& r, const std::string& name,
                                              const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
prometheus::Gauge& Gauge(prometheus::Registry& r, const std::string& name,
                         const std::string& help) {
  return Gauges(r, name, help).Add({});
}
prometheus::Counter& Counter(prometheus::Registry& r, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}
prometheus::Histogram& Histogram(prometheus::Registry& r, const std::string& name,
                                 const std::string& help, const std::vector<double>& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r).Add({}, buckets);
}

}  // namespace

absl::Status ServiceMetricsOptions::Validate() const {
  if (detail_games < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-detail-games: must be >= 0, got ", detail_games));
  }
  if (period_ms < 0 || period_ms > kMaxPeriodMs) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-period-ms: must be in [0, ", kMaxPeriodMs, "], got ", period_ms));
  }
  return absl::OkStatus();
}

std::string_view RejectReasonName(RejectReason reason) {
  return kRejectNames[static_cast<int>(reason)];
}

GameShape GameShape::Of(const games::Game& game) {
  GameShape shape;
  shape.players = game.num_players();
  shape.finite = game.action_kind() == games::ActionKind::kFinite;
  if (shape.finite) {
    const auto& finite = static_cast<const games::FiniteGame&>(game);
    for (int i = 0; i < shape.players; ++i) shape.num_actions.push_back(finite.num_actions(i));
  } else {
    const auto& continuous = static_cast<const games::ContinuousGame&>(game);
    for (int i = 0; i < shape.players; ++i) {
      shape.dimensions.push_back(continuous.action_box(i).dimension());
    }
    shape.time_varying = continuous.time_varying();
  }
  return shape;
}

std::vector<double> ServiceMetrics::DurationBuckets() {
  std::vector<double> buckets;
  for (double b = 25e-6; b < 30.0; b *= 2) buckets.push_back(b);  // 25 µs … 26.2 s
  return buckets;
}

std::vector<double> ServiceMetrics::GapBuckets() {
  return {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0};
}

absl::StatusOr<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Create(
    const ServiceMetricsOptions& options) {
  if (absl::Status st = options.Validate(); !st.ok()) return st;
  return std::unique_ptr<ServiceMetrics>(new ServiceMetrics(options));
}

ServiceMetrics::ServiceMetrics(const ServiceMetricsOptions& options)
    : options_(options),
      registry_(std::make_shared<prometheus::Registry>()),
      free_slots_(options.detail_games),
      agents_connected_(Gauge(*registry_, "nashnet_agents_connected",
                              "Remote seats that currently have a connected agent stream")),
      games_active_(
          Gauge(*registry_, "nashnet_games_active", "Games not over (waiting or running)")),
      games_created_(Counter(*registry_, "nashnet_games_created_total", "Games created")),
      games_ended_(prometheus::BuildCounter()
                       .Name("nashnet_games_ended_total")
                       .Help("Games ended, by reason (horizon, stopped, draining, failed)")
                       .Register(*registry_)),
      rounds_total_(Counter(*registry_, "nashnet_rounds_total", "Rounds resolved, all games")),
      round_duration_(Histogram(*registry_, "nashnet_round_duration_seconds",
                                "Round start to round resolved", DurationBuckets())),
      agent_response_(Histogram(*registry_, "nashnet_agent_response_seconds",
                                "Per remote seat and round: prompt sent (or round start, the "
                                "later) to its action accepted",
                                DurationBuckets())),
      deadline_misses_(Counter(*registry_, "nashnet_deadline_misses_total",
                               "Round deadlines that passed without the seat's action (under the "
                               "wait policy a stalled round counts once per deadline)")),
      evictions_(Counter(*registry_, "nashnet_evictions_total", "Seats evicted")),
      detailed_games_(Gauge(*registry_, "nashnet_metrics_detailed_games",
                            "Live games that currently have detailed per-game series")),
      vacant_seats_(Gauge(*registry_, "nashnet_vacant_seats",
                          "Remote seats of live games without a connected agent")),
      substituted_rounds_(Counter(*registry_, "nashnet_substituted_rounds_total",
                                  "Seat-rounds played by a straggler policy (missed deadline or "
                                  "vacant seat), all games")),
      game_round_(Gauges(*registry_, "nashnet_game_round", "Last published round of the game")),
      game_nash_gap_(
          Gauges(*registry_, "nashnet_game_nash_gap", "Nash gap of the current profile x(t)")),
      game_empirical_nash_gap_(Gauges(*registry_, "nashnet_game_empirical_nash_gap",
                                      "Nash gap of the time-averaged play")),
      game_equilibrium_distance_(Gauges(*registry_, "nashnet_game_equilibrium_distance",
                                        "Distance of the play to the nearest known equilibrium "
                                        "(NaN when none is known)")),
      game_variation_(Gauges(*registry_, "nashnet_game_variation",
                             "Variation budget V_t of a time-varying game's losses so far")),
      game_running_(Gauges(*registry_, "nashnet_game_running",
                           "1 while the game plays rounds, 0 while it waits for agents")),
      game_vacant_seats_(Gauges(*registry_, "nashnet_game_vacant_seats",
                                "Remote seats of the game without a connected agent")),
      game_substituted_rounds_(prometheus::BuildCounter()
                                   .Name("nashnet_game_substituted_rounds_total")
                                   .Help("Seat-rounds of the game played by its straggler policy "
                                         "(a round with two substituted seats counts 2)")
                                   .Register(*registry_)),
      player_regret_(
          Gauges(*registry_, "nashnet_player_regret", "Static pseudo-regret R_i(t) of the player")),
      player_realized_regret_(Gauges(*registry_, "nashnet_player_realized_regret",
                                     "Static regret of the played actions")),
      player_dynamic_regret_(
          Gauges(*registry_, "nashnet_player_dynamic_regret", "Dynamic regret of the player")),
      player_average_regret_(Gauges(*registry_, "nashnet_player_average_regret",
                                    "Static pseudo-regret divided by the round")),
      player_payoff_(Gauges(*registry_, "nashnet_player_payoff",
                            "Expected payoff of the player in the last published round")),
      player_average_payoff_(Gauges(*registry_, "nashnet_player_average_payoff",
                                    "Average expected payoff of the player so far")),
      player_strategy_entropy_(Gauges(*registry_, "nashnet_player_strategy_entropy",
                                      "Entropy (nats) of the player's mixed strategy")),
      player_equilibrium_action_probability_(
          Gauges(*registry_, "nashnet_player_equilibrium_action_probability",
                 "Probability of the player's action in the nearest pure equilibrium")),
      player_strategy_probability_(Gauges(*registry_, "nashnet_player_strategy_probability",
                                          "Probability of each action in the mixed strategy")),
      player_point_(Gauges(*registry_, "nashnet_player_point",
                           "Continuous games: each coordinate of the point the player played")),
      live_games_reporting_(Gauge(*registry_, "nashnet_live_games_reporting",
                                  "Live games that published at least one round")),
      live_summed_nash_gap_(Gauge(*registry_, "nashnet_live_summed_nash_gap",
                                  "Sum of the current Nash gaps of the reporting live games")),
      live_summed_worst_average_regret_(
          Gauge(*registry_, "nashnet_live_summed_worst_average_regret",
                "Sum over reporting live games of their largest player average regret")),
      final_nash_gap_(Histogram(*registry_, "nashnet_game_final_nash_gap",
                                "Nash gap of a game when it ended", GapBuckets())) {
  Gauges(*registry_, "nashnet_build_info", "nashnet build information (always 1)")
      .Add({{"version", options_.version.empty() ? NASHNET_VERSION : options_.version}})
      .Set(1);
  for (std::string_view reason : kEndReasons) games_ended_.Add({{"reason", std::string(reason)}});
  auto& rejected = prometheus::BuildCounter()
                       .Name("nashnet_rejected_messages_total")
                       .Help("Messages and requests refused, by reason")
                       .Register(*registry_);
  for (int k = 0; k < kNumRejectReasons; ++k) {
    rejected_[k] = &rejected.Add({{"reason", std::string(kRejectNames[k])}});
  }
}

ServiceMetrics::~ServiceMetrics() = default;

std::unique_ptr<GameMetrics> ServiceMetrics::ForGame(const std::string& id,
                                                     const GameShape& shape) {
  games_created_.Increment();
  games_active_.Increment();
  std::unique_ptr<GameMetrics> game(new GameMetrics(this, id, shape));
  AddGame(game.get());
  return game;
}

void ServiceMetrics::SeatsChanged(int64_t vacant_delta, int64_t substituted) {
  if (vacant_delta != 0) vacant_seats_.Increment(static_cast<double>(vacant_delta));
  if (substituted > 0) substituted_rounds_.Increment(static_cast<double>(substituted));
}

void ServiceMetrics::UpdateLive(double old_gap, double old_worst, double gap, double worst,
                                int delta_games) {
  std::lock_guard<std::mutex> lock(live_mutex_);
  live_games_ += delta_games;
  if (live_games_ <= 0) {
    live_games_ = 0;
    live_gap_sum_ = 0.0;
    live_worst_sum_ = 0.0;
  } else {
    live_gap_sum_ += gap - old_gap;
    live_worst_sum_ += worst - old_worst;
    // Nash gaps are >= 0: a sum below 0 is rounding residue.
    live_gap_sum_ = std::max(live_gap_sum_, 0.0);
  }
  live_games_reporting_.Set(static_cast<double>(live_games_));
  live_summed_nash_gap_.Set(live_gap_sum_);
  live_summed_worst_average_regret_.Set(live_worst_sum_);
}

void ServiceMetrics::GameEnded(std::string_view reason) {
  games_active_.Decrement();
  if (!reason.empty()) games_ended_.Add({{"reason", std::string(reason)}}).Increment();
}

}  // namespace nashnet::server

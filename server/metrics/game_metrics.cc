#include "server/metrics/game_metrics.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace nashnet::server {
namespace {

double OrZero(double x) { return std::isfinite(x) ? x : 0.0; }

// −Σ x log x in nats (0 log 0 = 0); NaN without a strategy.
double Entropy(const Eigen::VectorXd& x) {
  if (x.size() == 0) return kNaN;
  double h = 0.0;
  for (Eigen::Index a = 0; a < x.size(); ++a) {
    if (x[a] > 0) h -= x[a] * std::log(x[a]);
  }
  return h;
}

// gauges[k] = x[k] (NaN past x's end).
void SetVector(const std::vector<prometheus::Gauge*>& gauges, const Eigen::VectorXd& x) {
  for (size_t k = 0; k < gauges.size(); ++k) {
    const auto index = static_cast<Eigen::Index>(k);
    gauges[k]->Set(index < x.size() ? x[index] : kNaN);
  }
}

}  // namespace

GameMetrics::GameMetrics(ServiceMetrics* service, std::string id, GameShape shape)
    : service_(service),
      id_(std::move(id)),
      shape_(std::move(shape)),
      period_(std::chrono::milliseconds(service->options().period_ms)),
      pending_rounds_{.buckets = std::vector<double>(service->duration_buckets_.size() + 1, 0.0)},
      pending_responses_{.buckets =
                             std::vector<double>(service->duration_buckets_.size() + 1, 0.0)} {}

void GameMetrics::AddSeries(bool running) {
  ServiceMetrics& s = *service_;
  auto series = std::make_unique<Series>();
  const prometheus::Labels game{{"game", id_}};
  series->round = &s.game_round_.Add(game);
  series->nash_gap = &s.game_nash_gap_.Add(game);
  series->empirical_nash_gap = &s.game_empirical_nash_gap_.Add(game);
  series->equilibrium_distance = &s.game_equilibrium_distance_.Add(game);
  if (shape_.time_varying) series->variation = &s.game_variation_.Add(game);
  series->round->Set(static_cast<double>(published_round_.load(std::memory_order_relaxed)));
  for (prometheus::Gauge* g : {series->nash_gap, series->empirical_nash_gap,
                               series->equilibrium_distance, series->variation}) {
    if (g != nullptr) g->Set(kNaN);
  }
  series->running = &s.game_running_.Add(game);
  series->running->Set(running ? 1 : 0);
  series->vacant_seats = &s.game_vacant_seats_.Add(game);
  series->substituted_rounds = &s.game_substituted_rounds_.Add(game);
  const int n = std::min(shape_.players, ServiceMetrics::kMaxDetailedPlayers);
  series->players.resize(n);
  for (int i = 0; i < n; ++i) {
    const prometheus::Labels labels{{"game", id_}, {"player", std::to_string(i)}};
    Player& p = series->players[i];
    p.regret = &s.player_regret_.Add(labels);
    p.realized_regret = &s.player_realized_regret_.Add(labels);
    p.dynamic_regret = &s.player_dynamic_regret_.Add(labels);
    p.average_regret = &s.player_average_regret_.Add(labels);
    p.payoff = &s.player_payoff_.Add(labels);
    p.average_payoff = &s.player_average_payoff_.Add(labels);
    if (shape_.finite) {
      p.entropy = &s.player_strategy_entropy_.Add(labels);
      p.equilibrium_probability = &s.player_equilibrium_action_probability_.Add(labels);
      const int actions = shape_.num_actions[i];
      if (actions <= ServiceMetrics::kMaxDetailedActions) {
        for (int a = 0; a < actions; ++a) {
          prometheus::Labels with_action = labels;
          with_action["action"] = std::to_string(a);
          p.probabilities.push_back(&s.player_strategy_probability_.Add(with_action));
        }
      }
    } else if (static_cast<size_t>(i) < shape_.dimensions.size() &&
               shape_.dimensions[i] <= ServiceMetrics::kMaxDetailedCoordinates) {
      for (int k = 0; k < shape_.dimensions[i]; ++k) {
        prometheus::Labels with_coordinate = labels;
        with_coordinate["coordinate"] = std::to_string(k);
        p.point.push_back(&s.player_point_.Add(with_coordinate));
      }
    }
    for (prometheus::Gauge* g :
         {p.regret, p.realized_regret, p.dynamic_regret, p.average_regret, p.payoff,
          p.average_payoff, p.entropy, p.equilibrium_probability}) {
      if (g != nullptr) g->Set(kNaN);
    }
    for (prometheus::Gauge* g : p.probabilities) g->Set(kNaN);
    for (prometheus::Gauge* g : p.point) g->Set(kNaN);
  }
  std::lock_guard<std::mutex> lock(series_mutex_);
  series->vacant_seats->Set(vacant_);
  series->substituted_rounds->Increment(static_cast<double>(substituted_total_));
  series_ = std::move(series);
  detailed_.store(true, std::memory_order_relaxed);
  republish_.store(true, std::memory_order_relaxed);
}

void GameMetrics::SetRunningSeries(bool running) {
  std::lock_guard<std::mutex> lock(series_mutex_);
  if (series_ != nullptr) series_->running->Set(running ? 1 : 0);
}

GameMetrics::~GameMetrics() { End(""); }

bool GameMetrics::Due(int64_t round, bool final, std::chrono::steady_clock::time_point now) const {
  if (ended_) return false;
  // A slot was just granted: its series are NaN until the last round is published again.
  if (round >= 1 && round >= last_round_ && republish_.load(std::memory_order_relaxed)) return true;
  if (round <= last_round_) return false;
  if (final || period_.count() == 0 || !last_publish_.has_value()) return true;
  return now - *last_publish_ >= period_;
}

void GameMetrics::PendingHistogram::Add(const std::vector<double>& bounds, double x) {
  // The first bucket whose upper bound is >= x (le: less or equal); past the last: +Inf.
  const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), x) - bounds.begin();
  buckets[static_cast<size_t>(bucket)] += 1;
  sum += x;
  ++count;
}

void GameMetrics::PendingHistogram::FlushTo(prometheus::Histogram& histogram) {
  if (count == 0) return;
  if (count == 1) {
    histogram.Observe(sum);  // one bucket touched instead of all of them
  } else {
    histogram.ObserveMultiple(buckets, sum);
  }
  std::fill(buckets.begin(), buckets.end(), 0.0);
  sum = 0.0;
  count = 0;
}

void GameMetrics::RoundResolved(double seconds) {
  pending_rounds_.Add(service_->duration_buckets_, seconds);
}

void GameMetrics::AgentResponded(double seconds) {
  pending_responses_.Add(service_->duration_buckets_, seconds);
}

void GameMetrics::FlushRounds() {
  const int64_t rounds = untimed_rounds_ + pending_rounds_.count;
  if (rounds > 0) service_->rounds_total_.Increment(static_cast<double>(rounds));
  untimed_rounds_ = 0;
  pending_rounds_.FlushTo(service_->round_duration_);
  pending_responses_.FlushTo(service_->agent_response_);
}

void GameMetrics::Publish(const RoundMetrics& m, std::chrono::steady_clock::time_point now) {
  if (ended_) return;
  FlushRounds();
  last_round_ = m.round;
  last_publish_ = now;
  const double t = static_cast<double>(m.round);
  double worst = kNaN;
  for (const PlayerRoundMetrics& p : m.players) {
    const double average = p.regret / t;
    if (std::isfinite(average) && !(worst >= average)) worst = average;
  }
  // Aggregates: this game's contribution (NaN counts as 0), kept exactly by the service.
  const double gap = OrZero(m.nash_gap);
  const double worst_or_zero = OrZero(worst);
  if (!reporting_ || gap != gap_ || worst_or_zero != worst_average_regret_) {
    service_->UpdateLive(gap_, worst_average_regret_, gap, worst_or_zero, reporting_ ? 0 : 1);
    reporting_ = true;
  }
  gap_ = gap;
  worst_average_regret_ = worst_or_zero;
  final_gap_ = m.nash_gap;
  republish_.store(false, std::memory_order_relaxed);
  published_round_.store(m.round, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(series_mutex_);
  if (series_ != nullptr) SetSeries(m);
}

void GameMetrics::SetSeries(const RoundMetrics& m) {
  Series& s = *series_;
  const double t = static_cast<double>(m.round);
  s.round->Set(t);
  s.nash_gap->Set(m.nash_gap);
  s.empirical_nash_gap->Set(m.empirical_nash_gap);
  s.equilibrium_distance->Set(m.equilibrium_distance);
  if (s.variation != nullptr) s.variation->Set(m.variation);
  const size_t n = std::min(s.players.size(), m.players.size());
  for (size_t i = 0; i < n; ++i) {
    const PlayerRoundMetrics& pm = m.players[i];
    Player& p = s.players[i];
    p.regret->Set(pm.regret);
    p.realized_regret->Set(pm.realized_regret);
    p.dynamic_regret->Set(pm.dynamic_regret);
    p.average_regret->Set(pm.regret / t);
    p.payoff->Set(pm.payoff);
    p.average_payoff->Set(pm.average_payoff);
    if (p.entropy != nullptr) p.entropy->Set(Entropy(pm.strategy));
    if (p.equilibrium_probability != nullptr) {
      p.equilibrium_probability->Set(1.0 - pm.equilibrium_distance);
    }
    SetVector(p.probabilities, pm.strategy);
    SetVector(p.point, pm.point);
  }
}

void GameMetrics::SetRunning(bool running) {
  if (ended_) return;
  service_->SetGameRunning(this, running);
}

void GameMetrics::PublishSeats(int vacant, int64_t substituted_total) {
  if (ended_) return;
  std::lock_guard<std::mutex> lock(series_mutex_);
  const int64_t added = std::max<int64_t>(substituted_total - substituted_total_, 0);
  service_->SeatsChanged(vacant - vacant_, added);
  vacant_ = vacant;
  substituted_total_ += added;
  if (series_ != nullptr) {
    series_->vacant_seats->Set(vacant);
    if (added > 0) series_->substituted_rounds->Increment(static_cast<double>(added));
  }
}

void GameMetrics::End(std::string_view reason) {
  if (ended_) return;
  FlushRounds();
  ended_ = true;
  ServiceMetrics& s = *service_;
  s.RemoveGame(this);  // removes the series and hands the slot on
  {
    std::lock_guard<std::mutex> lock(series_mutex_);
    s.SeatsChanged(-vacant_, 0);
    vacant_ = 0;
  }
  if (reporting_) {
    s.UpdateLive(gap_, worst_average_regret_, 0.0, 0.0, -1);
    if (!std::isnan(final_gap_)) s.final_nash_gap_.Observe(final_gap_);
  }
  s.GameEnded(reason);
}

void GameMetrics::RemoveSeries() {
  std::unique_ptr<Series> series;
  {
    std::lock_guard<std::mutex> lock(series_mutex_);
    series = std::move(series_);
    detailed_.store(false, std::memory_order_relaxed);
  }
  if (series == nullptr) return;
  ServiceMetrics& s = *service_;
  s.game_round_.Remove(series->round);
  s.game_nash_gap_.Remove(series->nash_gap);
  s.game_empirical_nash_gap_.Remove(series->empirical_nash_gap);
  s.game_equilibrium_distance_.Remove(series->equilibrium_distance);
  if (series->variation != nullptr) s.game_variation_.Remove(series->variation);
  s.game_running_.Remove(series->running);
  s.game_vacant_seats_.Remove(series->vacant_seats);
  s.game_substituted_rounds_.Remove(series->substituted_rounds);
  for (Player& p : series->players) {
    s.player_regret_.Remove(p.regret);
    s.player_realized_regret_.Remove(p.realized_regret);
    s.player_dynamic_regret_.Remove(p.dynamic_regret);
    s.player_average_regret_.Remove(p.average_regret);
    s.player_payoff_.Remove(p.payoff);
    s.player_average_payoff_.Remove(p.average_payoff);
    if (p.entropy != nullptr) s.player_strategy_entropy_.Remove(p.entropy);
    if (p.equilibrium_probability != nullptr) {
      s.player_equilibrium_action_probability_.Remove(p.equilibrium_probability);
    }
    for (prometheus::Gauge* g : p.probabilities) s.player_strategy_probability_.Remove(g);
    for (prometheus::Gauge* g : p.point) s.player_point_.Remove(g);
  }
}

}  // namespace nashnet::server

#include "server/metrics/game_metrics.h"

#include <algorithm>
#include <cmath>

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

}  // namespace

GameMetrics::GameMetrics(ServiceMetrics* service, const std::string& id, const GameShape& shape,
                         bool detailed)
    : service_(service),
      detailed_(detailed),
      period_(std::chrono::milliseconds(service->options().period_ms)),
      pending_buckets_(service->duration_buckets_.size() + 1, 0.0) {
  if (!detailed_) return;
  ServiceMetrics& s = *service_;
  const prometheus::Labels game{{"game", id}};
  round_ = &s.game_round_.Add(game);
  nash_gap_ = &s.game_nash_gap_.Add(game);
  empirical_nash_gap_ = &s.game_empirical_nash_gap_.Add(game);
  equilibrium_distance_ = &s.game_equilibrium_distance_.Add(game);
  for (prometheus::Gauge* g : {round_, nash_gap_, empirical_nash_gap_, equilibrium_distance_}) {
    g->Set(kNaN);
  }
  const int n = std::min(shape.players, ServiceMetrics::kMaxDetailedPlayers);
  players_.resize(n);
  for (int i = 0; i < n; ++i) {
    const prometheus::Labels labels{{"game", id}, {"player", std::to_string(i)}};
    Player& p = players_[i];
    p.regret = &s.player_regret_.Add(labels);
    p.realized_regret = &s.player_realized_regret_.Add(labels);
    p.dynamic_regret = &s.player_dynamic_regret_.Add(labels);
    p.average_regret = &s.player_average_regret_.Add(labels);
    p.payoff = &s.player_payoff_.Add(labels);
    p.average_payoff = &s.player_average_payoff_.Add(labels);
    if (shape.finite) {
      p.entropy = &s.player_strategy_entropy_.Add(labels);
      p.equilibrium_probability = &s.player_equilibrium_action_probability_.Add(labels);
      const int actions = shape.num_actions[i];
      if (actions <= ServiceMetrics::kMaxDetailedActions) {
        for (int a = 0; a < actions; ++a) {
          prometheus::Labels with_action = labels;
          with_action["action"] = std::to_string(a);
          p.probabilities.push_back(&s.player_strategy_probability_.Add(with_action));
        }
      }
    }
    for (prometheus::Gauge* g :
         {p.regret, p.realized_regret, p.dynamic_regret, p.average_regret, p.payoff,
          p.average_payoff, p.entropy, p.equilibrium_probability}) {
      if (g != nullptr) g->Set(kNaN);
    }
    for (prometheus::Gauge* g : p.probabilities) g->Set(kNaN);
  }
}

GameMetrics::~GameMetrics() { End(""); }

bool GameMetrics::Due(int64_t round, bool final, std::chrono::steady_clock::time_point now) const {
  if (ended_ || round <= last_round_) return false;
  if (final || period_.count() == 0) return true;
  return now - last_publish_ >= period_;
}

void GameMetrics::RoundResolved(double seconds) {
  const std::vector<double>& bounds = service_->duration_buckets_;
  // The first bucket whose upper bound is >= seconds (le: less or equal); past the last: +Inf.
  const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin();
  pending_buckets_[static_cast<size_t>(bucket)] += 1;
  pending_seconds_ += seconds;
  ++pending_rounds_;
}

void GameMetrics::FlushRounds() {
  if (untimed_rounds_ > 0) {
    service_->rounds_total_.Increment(static_cast<double>(untimed_rounds_));
    untimed_rounds_ = 0;
  }
  if (pending_rounds_ == 0) return;
  service_->rounds_total_.Increment(static_cast<double>(pending_rounds_));
  service_->round_duration_.ObserveMultiple(pending_buckets_, pending_seconds_);
  std::fill(pending_buckets_.begin(), pending_buckets_.end(), 0.0);
  pending_seconds_ = 0.0;
  pending_rounds_ = 0;
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
  // Aggregates: this game's new contribution minus its old one (atomic adds; NaN counts as 0).
  ServiceMetrics& s = *service_;
  if (!reporting_) {
    reporting_ = true;
    s.live_games_reporting_.Increment();
  }
  const double gap = OrZero(m.nash_gap);
  const double worst_or_zero = OrZero(worst);
  if (gap != gap_) s.live_summed_nash_gap_.Increment(gap - gap_);
  if (worst_or_zero != worst_average_regret_) {
    s.live_summed_worst_average_regret_.Increment(worst_or_zero - worst_average_regret_);
  }
  gap_ = gap;
  worst_average_regret_ = worst_or_zero;
  final_gap_ = m.nash_gap;
  if (!detailed_) return;

  round_->Set(t);
  nash_gap_->Set(m.nash_gap);
  empirical_nash_gap_->Set(m.empirical_nash_gap);
  equilibrium_distance_->Set(m.equilibrium_distance);
  const size_t n = std::min(players_.size(), m.players.size());
  for (size_t i = 0; i < n; ++i) {
    const PlayerRoundMetrics& pm = m.players[i];
    Player& p = players_[i];
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
    for (size_t a = 0; a < p.probabilities.size(); ++a) {
      p.probabilities[a]->Set(static_cast<Eigen::Index>(a) < pm.strategy.size()
                                  ? pm.strategy[static_cast<Eigen::Index>(a)]
                                  : kNaN);
    }
  }
}

void GameMetrics::End(std::string_view reason) {
  if (ended_) return;
  FlushRounds();
  ended_ = true;
  ServiceMetrics& s = *service_;
  if (detailed_) {
    RemoveSeries();
    s.FreeSlot();
  }
  if (reporting_) {
    s.live_games_reporting_.Decrement();
    if (gap_ != 0.0) s.live_summed_nash_gap_.Decrement(gap_);
    if (worst_average_regret_ != 0.0) {
      s.live_summed_worst_average_regret_.Decrement(worst_average_regret_);
    }
    if (!std::isnan(final_gap_)) s.final_nash_gap_.Observe(final_gap_);
  }
  s.GameEnded(reason);
}

void GameMetrics::RemoveSeries() {
  ServiceMetrics& s = *service_;
  s.game_round_.Remove(round_);
  s.game_nash_gap_.Remove(nash_gap_);
  s.game_empirical_nash_gap_.Remove(empirical_nash_gap_);
  s.game_equilibrium_distance_.Remove(equilibrium_distance_);
  for (Player& p : players_) {
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
  }
  players_.clear();
}

}  // namespace nashnet::server

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
      pending_rounds_{.buckets = std::vector<double>(service->duration_buckets_.size() + 1, 0.0)},
      pending_responses_{.buckets =
                             std::vector<double>(service->duration_buckets_.size() + 1, 0.0)} {
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
    s.UpdateLive(gap_, worst_average_regret_, 0.0, 0.0, -1);
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

#include "server/service/metrics_wire.h"

#include <Eigen/Core>

namespace nashnet::server {
namespace {

// Copies a vector into a repeated double field (cleared first).
void ToRepeated(const Eigen::VectorXd& values, google::protobuf::RepeatedField<double>* out) {
  out->Clear();
  out->Reserve(static_cast<int>(values.size()));
  for (Eigen::Index i = 0; i < values.size(); ++i) out->Add(values[i]);
}

[[nodiscard]] Eigen::VectorXd FromRepeated(const google::protobuf::RepeatedField<double>& values) {
  Eigen::VectorXd out(values.size());
  for (int i = 0; i < values.size(); ++i) out[i] = values[i];
  return out;
}

}  // namespace

void RoundMetricsToProto(const RoundMetrics& metrics, v1::RoundMetrics* out) {
  out->Clear();
  out->set_round(metrics.round);
  out->set_nash_gap(metrics.nash_gap);
  out->set_empirical_nash_gap(metrics.empirical_nash_gap);
  out->set_equilibrium_distance(metrics.equilibrium_distance);
  out->set_variation(metrics.variation);
  out->mutable_players()->Reserve(static_cast<int>(metrics.players.size()));
  for (const PlayerRoundMetrics& player : metrics.players) {
    v1::PlayerMetrics* wire = out->add_players();
    wire->set_regret(player.regret);
    wire->set_realized_regret(player.realized_regret);
    wire->set_dynamic_regret(player.dynamic_regret);
    wire->set_payoff(player.payoff);
    wire->set_average_payoff(player.average_payoff);
    wire->set_equilibrium_distance(player.equilibrium_distance);
    ToRepeated(player.strategy, wire->mutable_strategy());
    ToRepeated(player.point, wire->mutable_point());
  }
}

RoundMetrics RoundMetricsFromProto(const v1::RoundMetrics& metrics) {
  RoundMetrics out;
  out.round = metrics.round();
  out.nash_gap = metrics.nash_gap();
  out.empirical_nash_gap = metrics.empirical_nash_gap();
  out.equilibrium_distance = metrics.equilibrium_distance();
  out.variation = metrics.variation();
  out.players.reserve(metrics.players_size());
  for (const v1::PlayerMetrics& wire : metrics.players()) {
    PlayerRoundMetrics& player = out.players.emplace_back();
    player.regret = wire.regret();
    player.realized_regret = wire.realized_regret();
    player.dynamic_regret = wire.dynamic_regret();
    player.payoff = wire.payoff();
    player.average_payoff = wire.average_payoff();
    player.equilibrium_distance = wire.equilibrium_distance();
    player.strategy = FromRepeated(wire.strategy());
    player.point = FromRepeated(wire.point());
  }
  return out;
}

void RunSummaryToProto(const RunSummary& summary, v1::GameSummary* out) {
  out->Clear();
  out->set_rounds(summary.rounds);
  out->set_seed(summary.seed);
  out->set_nash_gap(summary.nash_gap);
  out->set_empirical_nash_gap(summary.empirical_nash_gap);
  out->set_equilibrium_distance(summary.equilibrium_distance);
  out->set_elapsed_seconds(summary.elapsed_seconds);
  out->set_rounds_per_second(summary.rounds_per_second);
  out->set_status(summary.status);
  out->mutable_players()->Reserve(static_cast<int>(summary.players.size()));
  for (const PlayerSummary& player : summary.players) {
    v1::PlayerSummary* wire = out->add_players();
    wire->set_algorithm(player.algorithm);
    ToRepeated(player.strategy, wire->mutable_strategy());
    wire->set_regret(player.regret);
    wire->set_realized_regret(player.realized_regret);
    wire->set_dynamic_regret(player.dynamic_regret);
    wire->set_average_payoff(player.average_payoff);
    for (const auto& [name, value] : player.params) (*wire->mutable_params())[name] = value;
    wire->set_substituted_rounds(player.substituted_rounds);
    wire->set_missed_deadlines(player.missed_deadlines);
    wire->set_evictions(player.evictions);
    wire->set_resumes(player.resumes);
  }
}

RunSummary RunSummaryFromProto(const v1::GameSummary& summary) {
  RunSummary out;
  out.rounds = summary.rounds();
  out.seed = summary.seed();
  out.nash_gap = summary.nash_gap();
  out.empirical_nash_gap = summary.empirical_nash_gap();
  out.equilibrium_distance = summary.equilibrium_distance();
  out.elapsed_seconds = summary.elapsed_seconds();
  out.rounds_per_second = summary.rounds_per_second();
  out.status = summary.status();
  out.players.reserve(summary.players_size());
  for (const v1::PlayerSummary& wire : summary.players()) {
    PlayerSummary& player = out.players.emplace_back();
    player.algorithm = wire.algorithm();
    player.strategy = FromRepeated(wire.strategy());
    player.regret = wire.regret();
    player.realized_regret = wire.realized_regret();
    player.dynamic_regret = wire.dynamic_regret();
    player.average_payoff = wire.average_payoff();
    for (const auto& [name, value] : wire.params()) player.params[name] = value;
    player.substituted_rounds = wire.substituted_rounds();
    player.missed_deadlines = wire.missed_deadlines();
    player.evictions = wire.evictions();
    player.resumes = wire.resumes();
  }
  return out;
}

}  // namespace nashnet::server

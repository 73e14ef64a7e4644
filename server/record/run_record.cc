// summary.json, the aggregate over seeds, and the RunRecord folder (see run_record.h).
#include "server/record/run_record.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/record/redact_secrets.h"
#include "server/record/run_file.h"

namespace nashnet::server {
namespace {

using Json = nlohmann::ordered_json;

// A number, or null for NaN / infinities (JSON has neither).
Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

Json Vector(const Eigen::VectorXd& values) {
  Json out = Json::array();
  for (Eigen::Index k = 0; k < values.size(); ++k) out.push_back(Number(values[k]));
  return out;
}

Json StatsJson(const MetricStats& s) {
  return Json{{"median", Number(s.median)}, {"p25", Number(s.p25)}, {"p75", Number(s.p75)},
              {"min", Number(s.min)},       {"max", Number(s.max)}, {"count", s.count}};
}

// Linear interpolation between order statistics of sorted, non-empty `v` at quantile q.
double Quantile(const std::vector<double>& v, double q) {
  const double position = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(position));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double fraction = position - static_cast<double>(lo);
  return fraction == 0.0 ? v[lo] : v[lo] + fraction * (v[hi] - v[lo]);
}

template <typename Field>
MetricStats StatsOf(const std::vector<RunSummary>& summaries, Field field) {
  std::vector<double> values;
  values.reserve(summaries.size());
  for (const RunSummary& s : summaries) values.push_back(field(s));
  return ComputeStats(std::move(values));
}

}  // namespace

std::string SummaryJson(const RunSummary& summary) {
  Json players = Json::array();
  for (const PlayerSummary& p : summary.players) {
    Json params = Json::object();
    for (const auto& [name, value] : p.params) params[name] = Number(value);
    players.push_back(Json{{"algorithm", p.algorithm},
                           {"params", std::move(params)},
                           {"strategy", Vector(p.strategy)},
                           {"regret", Number(p.regret)},
                           {"realized_regret", Number(p.realized_regret)},
                           {"dynamic_regret", Number(p.dynamic_regret)},
                           {"average_payoff", Number(p.average_payoff)},
                           {"substituted_rounds", p.substituted_rounds},
                           {"missed_deadlines", p.missed_deadlines},
                           {"evictions", p.evictions},
                           {"resumes", p.resumes}});
  }
  const Json json{{"rounds", summary.rounds},
                  {"seed", summary.seed},
                  {"status", summary.status},
                  {"nash_gap", Number(summary.nash_gap)},
                  {"empirical_nash_gap", Number(summary.empirical_nash_gap)},
                  {"equilibrium_distance", Number(summary.equilibrium_distance)},
                  {"elapsed_seconds", Number(summary.elapsed_seconds)},
                  {"rounds_per_second", Number(summary.rounds_per_second)},
                  {"players", std::move(players)}};
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

MetricStats ComputeStats(std::vector<double> values) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  MetricStats stats;
  stats.count = static_cast<int>(values.size());
  if (values.empty()) return stats;
  std::sort(values.begin(), values.end());
  stats.min = values.front();
  stats.max = values.back();
  stats.median = Quantile(values, 0.5);
  stats.p25 = Quantile(values, 0.25);
  stats.p75 = Quantile(values, 0.75);
  return stats;
}

absl::StatusOr<AggregateSummary> AggregateSummaries(const std::vector<RunSummary>& summaries) {
  if (summaries.empty()) return absl::InvalidArgumentError("no seed summaries to aggregate");
  const std::size_t num_players = summaries.front().players.size();
  for (const RunSummary& s : summaries) {
    if (s.players.size() != num_players) {
      return absl::InvalidArgumentError(absl::StrCat("seed ", s.seed, " has ", s.players.size(),
                                                     " players, expected ", num_players));
    }
  }
  AggregateSummary out;
  for (const RunSummary& s : summaries) out.seeds.push_back(s.seed);
  out.rounds = summaries.front().rounds;
  out.nash_gap = StatsOf(summaries, [](const RunSummary& s) { return s.nash_gap; });
  out.empirical_nash_gap =
      StatsOf(summaries, [](const RunSummary& s) { return s.empirical_nash_gap; });
  out.equilibrium_distance =
      StatsOf(summaries, [](const RunSummary& s) { return s.equilibrium_distance; });
  out.elapsed_seconds = StatsOf(summaries, [](const RunSummary& s) { return s.elapsed_seconds; });
  out.rounds_per_second =
      StatsOf(summaries, [](const RunSummary& s) { return s.rounds_per_second; });
  for (std::size_t p = 0; p < num_players; ++p) {
    PlayerAggregate player;
    player.algorithm = summaries.front().players[p].algorithm;
    player.regret = StatsOf(summaries, [p](const RunSummary& s) { return s.players[p].regret; });
    player.realized_regret =
        StatsOf(summaries, [p](const RunSummary& s) { return s.players[p].realized_regret; });
    player.dynamic_regret =
        StatsOf(summaries, [p](const RunSummary& s) { return s.players[p].dynamic_regret; });
    player.average_payoff =
        StatsOf(summaries, [p](const RunSummary& s) { return s.players[p].average_payoff; });
    Eigen::Index entries = summaries.front().players[p].strategy.size();
    for (const RunSummary& s : summaries) {
      entries = std::min(entries, s.players[p].strategy.size());
    }
    for (Eigen::Index k = 0; k < entries; ++k) {
      player.strategy.push_back(
          StatsOf(summaries, [p, k](const RunSummary& s) { return s.players[p].strategy[k]; }));
    }
    out.players.push_back(std::move(player));
  }
  return out;
}

std::string AggregateJson(const AggregateSummary& aggregate) {
  Json players = Json::array();
  for (const PlayerAggregate& p : aggregate.players) {
    Json strategy = Json::array();
    for (const MetricStats& s : p.strategy) strategy.push_back(StatsJson(s));
    players.push_back(Json{{"algorithm", p.algorithm},
                           {"regret", StatsJson(p.regret)},
                           {"realized_regret", StatsJson(p.realized_regret)},
                           {"dynamic_regret", StatsJson(p.dynamic_regret)},
                           {"average_payoff", StatsJson(p.average_payoff)},
                           {"strategy", std::move(strategy)}});
  }
  const Json json{{"seeds", aggregate.seeds},
                  {"rounds", aggregate.rounds},
                  {"nash_gap", StatsJson(aggregate.nash_gap)},
                  {"empirical_nash_gap", StatsJson(aggregate.empirical_nash_gap)},
                  {"equilibrium_distance", StatsJson(aggregate.equilibrium_distance)},
                  {"elapsed_seconds", StatsJson(aggregate.elapsed_seconds)},
                  {"rounds_per_second", StatsJson(aggregate.rounds_per_second)},
                  {"players", std::move(players)}};
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

absl::StatusOr<RunRecord> RunRecord::Create(const std::filesystem::path& dir,
                                            const v1::RunSpec& spec) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return absl::AlreadyExistsError(absl::StrCat(dir.string(), ": exists and is not a folder"));
    }
    if (!std::filesystem::is_empty(dir, ec)) {
      return absl::AlreadyExistsError(
          absl::StrCat(dir.string(), ": folder is not empty (choose another --out or remove it)"));
    }
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  }
  RunRecord record(dir, spec.seeds() > 1);
  NASHNET_RETURN_IF_ERROR(
      WriteFileAtomically(dir / "spec.yaml", WriteRunSpecYaml(Redacted(spec))));  // no join token
  return record;
}

std::filesystem::path RunRecord::SeedDir(uint64_t seed) const {
  return multi_seed_ ? dir_ / absl::StrCat("seed-", seed) : dir_;
}

absl::StatusOr<std::unique_ptr<RoundsCsvWriter>> RunRecord::OpenRounds(
    uint64_t seed, std::shared_ptr<const games::Game> game) const {
  const std::filesystem::path dir = SeedDir(seed);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  }
  return RoundsCsvWriter::Open(dir, std::move(game));
}

absl::Status RunRecord::CommitSeed(uint64_t seed, RoundsCsvWriter* rounds,
                                   const RunSummary& summary) const {
  NASHNET_RETURN_IF_ERROR(rounds->Commit());
  return WriteFileAtomically(SeedDir(seed) / "summary.json", SummaryJson(summary));
}

absl::Status RunRecord::CommitAggregate(const std::vector<RunSummary>& summaries) const {
  NASHNET_ASSIGN_OR_RETURN(AggregateSummary aggregate, AggregateSummaries(summaries));
  return WriteFileAtomically(dir_ / "summary.json", AggregateJson(aggregate));
}

}  // namespace nashnet::server

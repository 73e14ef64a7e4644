#include "cli/summary_table.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli_util.h"
#include "server/record/run_file.h"
#include "server/record/string_view_compat.h"

namespace nashnet::cli {
namespace {

using server::Av;
constexpr int kTopEntries = 3;

// "prisoners_dilemma · 1000 rounds · seed 1 · feedback noisy (gaussian, sigma 0.5)".
std::string Heading(const SummaryContext& context, std::string_view seeds) {
  const v1::FeedbackSpec& f = context.spec.feedback();
  std::string feedback(Av(server::FeedbackModelName(f.model())));
  if (f.sigma() > 0) {
    absl::StrAppend(&feedback, " (", Av(server::NoiseDistributionName(f.noise())), ", sigma ",
                    Cell(f.sigma()), ")");
  }
  return absl::StrCat(context.game_name, " - ", context.spec.rounds(), " rounds - ", Av(seeds),
                      " - feedback ", feedback, "\n");
}

// Finite games: the largest entries of the strategy ("a1 0.998, a0 0.002"); continuous games:
// the point ("(0.31, 0.72)").
std::string Strategy(const SummaryContext& context, const std::vector<double>& values) {
  if (values.empty()) return "-";
  if (context.continuous) {
    std::string out = "(";
    for (std::size_t k = 0; k < values.size(); ++k) {
      absl::StrAppend(&out, k > 0 ? ", " : "", Cell(values[k]));
    }
    out.push_back(')');
    return out;
  }
  std::vector<int> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return values[a] > values[b] || (!std::isnan(values[a]) && std::isnan(values[b]));
  });
  std::string out;
  const int shown = std::min<int>(kTopEntries, static_cast<int>(order.size()));
  for (int k = 0; k < shown; ++k) {
    absl::StrAppend(&out, k > 0 ? ", " : "", "a", order[k], " ", Cell(values[order[k]]));
  }
  if (static_cast<int>(order.size()) > shown) {
    absl::StrAppend(&out, ", ... (", order.size() - shown, " more)");
  }
  return out;
}

std::string Stats(const server::MetricStats& s) {
  if (s.count == 0) return "-";
  return absl::StrCat(Cell(s.median), " [", Cell(s.min), ", ", Cell(s.max), "]");
}

// Rounds per second: whole numbers from 100 up ("48350"), else three digits ("2.5").
std::string Rate(double value) {
  if (std::isnan(value)) return "-";
  return value >= 100 ? absl::StrFormat("%.0f", value) : absl::StrFormat("%.3g", value);
}

const std::vector<std::string> kPlayerHeader = {
    "player", "algorithm", "regret", "realized", "dynamic", "avg payoff", "final strategy"};

}  // namespace

SummaryContext ContextOf(const server::RunPlan& plan) {
  return SummaryContext{.game_name = server::GameDisplayName(plan),
                        .continuous = plan.game->action_kind() == games::ActionKind::kContinuous,
                        .spec = plan.spec};
}

std::string RenderRunSummary(const server::RunPlan& plan, const server::RunSummary& summary) {
  return RenderRunSummary(ContextOf(plan), summary);
}

std::string RenderAggregateSummary(const server::RunPlan& plan,
                                   const server::AggregateSummary& aggregate) {
  return RenderAggregateSummary(ContextOf(plan), aggregate);
}

std::string RenderRunSummary(const SummaryContext& context, const server::RunSummary& summary) {
  std::string out = Heading(context, absl::StrCat("seed ", summary.seed));
  Table game({"nash gap", Cell(summary.nash_gap)});
  game.AddRow({"empirical nash gap", Cell(summary.empirical_nash_gap)});
  game.AddRow({"equilibrium distance", Cell(summary.equilibrium_distance)});
  game.AddRow({"elapsed", absl::StrFormat("%.3g s", summary.elapsed_seconds)});
  game.AddRow({"rounds/s", Rate(summary.rounds_per_second)});
  out += game.Render(2);
  Table players(kPlayerHeader);
  for (std::size_t i = 0; i < summary.players.size(); ++i) {
    const server::PlayerSummary& p = summary.players[i];
    std::vector<double> strategy(p.strategy.data(), p.strategy.data() + p.strategy.size());
    players.AddRow({absl::StrCat(i), p.algorithm, Cell(p.regret), Cell(p.realized_regret),
                    Cell(p.dynamic_regret), Cell(p.average_payoff), Strategy(context, strategy)});
  }
  absl::StrAppend(&out, "\n", players.Render(2));
  return out;
}

std::string RenderAggregateSummary(const SummaryContext& context,
                                   const server::AggregateSummary& aggregate) {
  std::string seeds = absl::StrCat(aggregate.seeds.size(), " seeds");
  if (!aggregate.seeds.empty()) {
    absl::StrAppend(&seeds, " (", aggregate.seeds.front(), "..", aggregate.seeds.back(), ")");
  }
  std::string out = Heading(context, seeds);
  out += "  median [min, max] over seeds\n";
  Table game({"nash gap", Stats(aggregate.nash_gap)});
  game.AddRow({"empirical nash gap", Stats(aggregate.empirical_nash_gap)});
  game.AddRow({"equilibrium distance", Stats(aggregate.equilibrium_distance)});
  game.AddRow({"elapsed per seed", absl::StrFormat("%.3g s", aggregate.elapsed_seconds.median)});
  const server::MetricStats& rate = aggregate.rounds_per_second;
  game.AddRow({"rounds/s per seed", rate.count == 0
                                        ? "-"
                                        : absl::StrCat(Rate(rate.median), " [", Rate(rate.min),
                                                       ", ", Rate(rate.max), "]")});
  out += game.Render(2);
  Table players(kPlayerHeader);
  for (std::size_t i = 0; i < aggregate.players.size(); ++i) {
    const server::PlayerAggregate& p = aggregate.players[i];
    std::vector<double> medians;
    for (const server::MetricStats& s : p.strategy) medians.push_back(s.median);
    players.AddRow({absl::StrCat(i), p.algorithm, Stats(p.regret), Stats(p.realized_regret),
                    Stats(p.dynamic_regret), Stats(p.average_payoff),
                    absl::StrCat(Strategy(context, medians), medians.empty() ? "" : " (medians)")});
  }
  absl::StrAppend(&out, "\n", players.Render(2));
  return out;
}

}  // namespace nashnet::cli

#include "server/report/charts.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "games/continuous_game.h"
#include "games/finite_game.h"
#include "server/report/report.h"
#include "server/report/svg_chart.h"

namespace nashnet::server {
namespace {

// Adds a median line with, for several seeds, its min–max and p25–p75 bands.
void AddStats(SvgChart* chart, const RecordData& data, std::string name,
              const std::vector<double>& x, ColumnStats s) {
  const int i = chart->AddSeries(std::move(name), x, std::move(s.median));
  if (!data.multi_seed) return;
  chart->AddBand(i, std::move(s.min), std::move(s.max), 0.12);
  chart->AddBand(i, std::move(s.p25), std::move(s.p75), 0.25);
}

// Divides every statistic by the round (order statistics commute with a positive scale).
ColumnStats PerRound(ColumnStats s, const std::vector<double>& rounds) {
  for (auto* v : {&s.median, &s.p25, &s.p75, &s.min, &s.max}) {
    for (size_t k = 0; k < v->size() && k < rounds.size(); ++k) (*v)[k] /= rounds[k];
  }
  return s;
}

std::string PlayersNote(int shown, int players) {
  return shown < players ? absl::StrCat("players 0–", shown - 1, " of ", players, " shown") : "";
}

// Γ_t = Σ_{s≤t} γ_s at every kept round (one pass up to the last round).
std::vector<double> CumulativeSteps(const agents::PowerSchedule& step,
                                    const std::vector<double>& rounds) {
  std::vector<double> out;
  double sum = 0.0;
  int64_t s = 0;
  for (double r : rounds) {
    const auto t = static_cast<int64_t>(r);
    while (s < t) sum += step(++s);
    out.push_back(sum);
  }
  return out;
}

// The index of the largest finite value of `v` (ties: the first), or -1.
int ArgMax(const std::vector<double>& v) {
  int best = -1;
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isfinite(v[i]) && (best < 0 || v[i] > v[best])) best = static_cast<int>(i);
  }
  return best;
}

// P1's reference on the convergence chart (report.h): points (Γ, distance) of the line of slope
// −Δ in (Γ, ln distance).
struct EquilibriumLine {
  std::string profile;  // "(1, 1)"
  double delta = 0.0;
  std::vector<double> x, y;
};

// The line for the median distance against `gamma` (Γ_t at data.rounds), or nullopt when the
// game is not finite, the final median strategies' argmax profile a* is not a strict pure
// equilibrium, or the final median distance is not below kNearEquilibrium. It runs from the first
// point below kNearEquilibrium to the last Γ, stopping at the smallest positive distance any seed
// reached (so that it stays within the data's range on the log axis).
std::optional<EquilibriumLine> PaperRateLine(const RecordData& data,
                                             const std::vector<double>& gamma) {
  const games::Game& game = *data.plan.game;
  if (game.action_kind() != games::ActionKind::kFinite) return std::nullopt;
  const auto& finite = static_cast<const games::FiniteGame&>(game);
  games::PureProfile profile;
  std::vector<std::string> labels;
  for (int p = 0; p < finite.num_players(); ++p) {
    std::vector<double> last;
    for (int a = 0; a < finite.num_actions(p); ++a) {
      const ColumnStats s = data.Column(absl::StrCat("p", p, "_x", a));
      last.push_back(s.median.empty() ? NAN : s.median.back());
    }
    profile.push_back(ArgMax(last));
    if (profile.back() < 0) return std::nullopt;
    labels.push_back(absl::StrCat(profile.back()));
  }
  const std::optional<double> delta = StrictEquilibriumGap(finite, profile);
  if (!delta.has_value()) return std::nullopt;
  const ColumnStats d = data.Column("equilibrium_distance");
  if (d.median.empty() || !(d.median.back() < kNearEquilibrium)) return std::nullopt;
  size_t k = 0;
  while (k < d.median.size() && !(d.median[k] < kNearEquilibrium && d.median[k] > 0.0)) ++k;
  if (k + 1 >= d.median.size() || k >= gamma.size() || !(gamma.back() > gamma[k])) {
    return std::nullopt;
  }
  double floor = d.median[k];
  for (double v : d.min) {
    if (v > 0.0 && v < floor) floor = v;
  }
  // y = d_k · exp(−Δ (Γ − Γ_k)), ending at the last Γ or where it reaches `floor`.
  const double x1 = std::min(gamma.back(), gamma[k] + std::log(d.median[k] / floor) / *delta);
  if (!(x1 > gamma[k])) return std::nullopt;
  EquilibriumLine line;
  line.profile = absl::StrCat("(", absl::StrJoin(labels, ", "), ")");
  line.delta = *delta;
  line.x = {gamma[k], x1};
  line.y = {d.median[k], d.median[k] * std::exp(-*delta * (x1 - gamma[k]))};
  return line;
}

}  // namespace

std::string RegretChart(const RecordData& data, const std::vector<LearnerTheory>& theory,
                        int shown) {
  const int players = data.plan.game->num_players();
  SvgChart chart({.title = "Regret R_i(t) per player (log-log)",
                  .x_label = "round t",
                  .y_label = "static regret R_i(t)",
                  .x_scale = AxisScale::kLog,
                  .y_scale = AxisScale::kLog,
                  .note = absl::StrCat("dashed: the theory's rate, anchored at the last point",
                                       shown < players ? "; " : "", PlayersNote(shown, players))});
  // Per rate: the largest final regret among the players with that rate.
  std::vector<std::pair<double, double>> anchors;  // (exponent, final regret)
  for (int p = 0; p < shown; ++p) {
    ColumnStats s = data.Column(absl::StrCat("p", p, "_regret"));
    const double last = s.median.empty() ? NAN : s.median.back();
    AddStats(&chart, data, absl::StrCat("player ", p, " (", theory[p].algorithm, ")"), data.rounds,
             std::move(s));
    bool found = false;
    for (auto& a : anchors) {
      if (a.first != theory[p].regret_exponent) continue;
      found = true;
      if (std::isfinite(last) && (!std::isfinite(a.second) || last > a.second)) a.second = last;
    }
    if (!found) anchors.emplace_back(theory[p].regret_exponent, last);
  }
  const double t0 = data.rounds.front(), t1 = data.rounds.back();
  for (const auto& [alpha, last] : anchors) {
    if (!(last > 0.0) || !(t1 > t0)) continue;
    chart.AddReference(absl::StrCat("∝ T^", ExponentText(alpha)), {t0, t1},
                       {last * std::pow(t0 / t1, alpha), last});
  }
  return chart.Render();
}

std::string AverageRegretChart(const RecordData& data, const std::vector<LearnerTheory>& theory,
                               int shown) {
  SvgChart chart({.title = "Average regret R_i(t)/t per player",
                  .x_label = "round t",
                  .y_label = "R_i(t) / t",
                  .x_scale = AxisScale::kLog,
                  .note = PlayersNote(shown, data.plan.game->num_players())});
  for (int p = 0; p < shown; ++p) {
    AddStats(&chart, data, absl::StrCat("player ", p, " (", theory[p].algorithm, ")"), data.rounds,
             PerRound(data.Column(absl::StrCat("p", p, "_regret")), data.rounds));
  }
  return chart.Render();
}

std::string ConvergenceChart(const RecordData& data, const std::vector<LearnerTheory>& theory) {
  ChartOptions o{.title = "Nash gap and distance to equilibrium",
                 .y_label = "(log scale)",
                 .y_scale = AxisScale::kLog};
  std::vector<double> x = data.rounds;
  if (theory[0].step.has_value()) {
    const agents::PowerSchedule& g = *theory[0].step;
    x = CumulativeSteps(g, data.rounds);
    o.x_label = "Γ_t = Σ_{s≤t} γ_s";
    bool same = true;
    for (const LearnerTheory& t : theory) {
      same = same && t.step.has_value() && t.step->c0 == g.c0 && t.step->exponent == g.exponent;
    }
    o.note = absl::StrFormat("γ_t = %.3g / t^%.3g of player 0 (%s)%s", g.c0, g.exponent,
                             theory[0].algorithm,
                             same ? "" : "; the players' step schedules differ: player 0's");
  } else {
    o.x_label = "round t";
    o.x_scale = AxisScale::kLog;
    o.note = absl::StrCat(theory[0].algorithm, " (player 0) has no step schedule γ_t: against t");
  }
  std::optional<EquilibriumLine> line;
  if (theory[0].step.has_value()) line = PaperRateLine(data, x);
  if (line.has_value()) absl::StrAppend(&o.note, "; dashed: P1's rate near a* = ", line->profile);
  SvgChart chart(std::move(o));
  for (const char* column : {"nash_gap", "empirical_nash_gap", "equilibrium_distance"}) {
    ColumnStats s = data.Column(column);
    const bool any = std::any_of(s.median.begin(), s.median.end(),
                                 [](double v) { return std::isfinite(v) && v > 0.0; });
    if (!any) continue;
    const std::string name = std::string(column) == "nash_gap"             ? "Nash gap"
                             : std::string(column) == "empirical_nash_gap" ? "empirical Nash gap"
                                                                           : "‖x(t) − a*‖₁";
    AddStats(&chart, data, name, x, std::move(s));
  }
  if (line.has_value()) {
    chart.AddReference(absl::StrFormat("slope −Δ = −%.2f", line->delta), std::move(line->x),
                       std::move(line->y));
  }
  return chart.Render();
}

std::string StrategyChart(const RecordData& data, int p, int max_actions) {
  const games::Game& game = *data.plan.game;
  const bool finite = game.action_kind() == games::ActionKind::kFinite;
  const int n = finite ? static_cast<const games::FiniteGame&>(game).num_actions(p)
                       : static_cast<const games::ContinuousGame&>(game).action_box(p).dimension();
  std::vector<std::pair<double, int>> order;  // (-final median, entry)
  std::vector<ColumnStats> stats(n);
  for (int a = 0; a < n; ++a) {
    stats[a] = data.Column(absl::StrCat("p", p, finite ? "_x" : "_z", a));
    const double last = stats[a].median.empty() ? NAN : stats[a].median.back();
    order.emplace_back(std::isfinite(last) ? -last : 0.0, a);
  }
  const int shown = std::min(n, max_actions);
  if (shown < n) std::stable_sort(order.begin(), order.end());
  std::sort(order.begin(), order.begin() + shown,
            [](const auto& a, const auto& b) { return a.second < b.second; });
  ChartOptions o{.title = finite ? absl::StrCat("Strategy of player ", p, ": x_", p, "(t)")
                                 : absl::StrCat("Point played by player ", p, ": z_", p, "(t)"),
                 .x_label = "round t",
                 .y_label = finite ? "probability" : "coordinate",
                 .x_scale = AxisScale::kLog};
  if (finite) o.fixed_y = true, o.y_min = 0.0, o.y_max = 1.0;
  if (shown < n) {
    o.note = absl::StrCat("the ", shown, " of ", n, finite ? " actions" : " coordinates",
                          " with the largest final value");
  }
  SvgChart chart(std::move(o));
  for (int k = 0; k < shown; ++k) {
    const int a = order[k].second;
    AddStats(&chart, data, absl::StrCat(finite ? "action " : "z", a), data.rounds,
             std::move(stats[a]));
  }
  return chart.Render();
}

}  // namespace nashnet::server

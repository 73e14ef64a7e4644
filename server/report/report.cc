#include "server/report/report.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "games/continuous_game.h"
#include "games/finite_game.h"
#include "server/record/run_record.h"
#include "server/record/string_view_compat.h"
#include "server/report/record_data.h"
#include "server/report/svg_chart.h"
#include "server/report/theory.h"

namespace nashnet::server {
namespace {

using Json = nlohmann::json;

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
  return chart.Render();
}

std::string StrategyChart(const RecordData& data, int p, const ReportOptions& options) {
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
  const int shown = std::min(n, options.max_actions);
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

// "0.123" or, for an aggregate {median, p25, p75, ...}, "0.123 [0.1, 0.2]".
std::string SummaryCell(const Json& v) {
  auto num = [](const Json& x) {
    return x.is_number() ? absl::StrFormat("%.4g", x.get<double>()) : std::string("–");
  };
  if (v.is_object() && v.contains("median")) {
    return absl::StrCat(num(v["median"]), " [", num(v.value("p25", Json())), ", ",
                        num(v.value("p75", Json())), "]");
  }
  if (v.is_string()) return HtmlEscape(v.get<std::string>());
  return num(v);
}

std::string SummaryTables(const RecordData& data) {
  if (data.summary.is_null()) {
    return absl::StrCat("<p class=\"warn\">", HtmlEscape(data.summary_note), "</p>\n");
  }
  const Json& s = data.summary;
  std::string html =
      absl::StrCat("<h2>Summary", data.multi_seed ? " (median [p25, p75] over seeds)" : "",
                   "</h2>\n<table><tr>");
  const char* kRun[] = {
      "rounds",          "nash_gap",         "empirical_nash_gap", "equilibrium_distance",
      "elapsed_seconds", "rounds_per_second"};
  for (const char* k : kRun) absl::StrAppend(&html, "<th>", k, "</th>");
  absl::StrAppend(&html, "</tr>\n<tr>");
  for (const char* k : kRun)
    absl::StrAppend(&html, "<td>", SummaryCell(s.value(k, Json())), "</td>");
  absl::StrAppend(&html, "</tr></table>\n<table><tr><th>player</th>");
  const char* kPlayer[] = {"algorithm", "regret", "realized_regret", "dynamic_regret",
                           "average_payoff"};
  for (const char* k : kPlayer) absl::StrAppend(&html, "<th>", k, "</th>");
  absl::StrAppend(&html, "</tr>\n");
  const Json players = s.value("players", Json::array());
  for (size_t p = 0; p < players.size() && p < 100; ++p) {
    absl::StrAppend(&html, "<tr><td>", p, "</td>");
    for (const char* k : kPlayer) {
      absl::StrAppend(&html, "<td>", SummaryCell(players[p].value(k, Json())), "</td>");
    }
    absl::StrAppend(&html, "</tr>\n");
  }
  if (players.size() > 100) absl::StrAppend(&html, "<tr><td colspan=\"6\">…</td></tr>\n");
  return html + "</table>\n";
}

std::string SpecTable(const RecordData& data, const std::vector<LearnerTheory>& theory) {
  const v1::RunSpec& spec = data.plan.spec;
  std::string feedback(FeedbackModelName(spec.feedback().model()));
  if (spec.feedback().sigma() > 0.0) {
    absl::StrAppend(&feedback, ", ", Av(NoiseDistributionName(spec.feedback().noise())),
                    " noise σ = ", absl::StrFormat("%.4g", spec.feedback().sigma()));
  }
  std::set<std::string> learners;
  for (size_t p = 0; p < data.plan.learners.size(); ++p) {
    std::string text = data.plan.learners[p].algorithm;
    std::vector<std::string> params;
    for (const auto& [k, v] : data.plan.learners[p].params) {
      params.push_back(absl::StrFormat("%s=%.4g", k, v));
    }
    if (!params.empty()) absl::StrAppend(&text, " {", absl::StrJoin(params, ", "), "}");
    absl::StrAppend(&text, ", regret ", theory[p].rate);
    learners.insert(text);
  }
  std::string seeds = absl::StrCat(data.seeds.size());
  if (data.seeds.size() > 1) {
    absl::StrAppend(&seeds, " (", data.seeds.front(), "–", data.seeds.back(), ")");
  } else {
    absl::StrAppend(&seeds, " (seed ", data.seeds.front(), ")");
  }
  const std::pair<const char*, std::string> rows[] = {
      {"game",
       absl::StrCat(data.plan.game->name(), " — ", data.plan.game->num_players(), " players")},
      {"feedback", feedback},
      {"rounds", absl::StrCat(spec.rounds(), " (", data.total_rows, " recorded, every ",
                              spec.record_every(), "; ", data.rounds.size(), " plotted)")},
      {"seeds", seeds},
      {"learners", absl::StrJoin(learners, "; ")}};
  std::string html = "<table class=\"spec\">\n";
  for (const auto& [k, v] : rows) {
    absl::StrAppend(&html, "<tr><th>", k, "</th><td>", HtmlEscape(v), "</td></tr>\n");
  }
  return html + "</table>\n";
}

constexpr char kStyle[] = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
td{font-variant-numeric:tabular-nums}.warn{color:#a00}
svg.chart{display:block;margin:12px 0;font:11px sans-serif}
svg.chart .title{font-size:13px;font-weight:600}svg.chart .note{fill:#555}
svg.chart .grid{stroke:#eee}svg.chart .frame{stroke:#999}
svg.chart path.series{stroke-width:1.6;stroke-linejoin:round}
pre{background:#f6f6f6;padding:8px;overflow:auto}
</style>
)";

// The self-check read by tests through headless Chromium (report.h).
constexpr char kSelfCheck[] = R"(<script>
(function () {
  var charts = document.querySelectorAll('svg.chart'), drawn = 0, series = 0;
  charts.forEach(function (c) {
    var n = 0;
    c.querySelectorAll('path.series').forEach(function (p) {
      var b = p.getBBox();
      if (b.width > 0 || b.height > 0) n++;
    });
    series += n;
    if (n > 0) drawn++;
  });
  document.body.dataset.charts = charts.length;
  document.body.dataset.drawnCharts = drawn;
  document.body.dataset.drawnSeries = series;
})();
</script>
)";

}  // namespace

absl::Status ReportOptions::Validate() const {
  if (max_points < 10) return absl::InvalidArgumentError("max_points must be >= 10");
  if (max_players < 1) return absl::InvalidArgumentError("max_players must be >= 1");
  if (max_actions < 1) return absl::InvalidArgumentError("max_actions must be >= 1");
  return absl::OkStatus();
}

absl::StatusOr<std::string> RenderReport(const std::filesystem::path& dir,
                                         const ReportOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  NASHNET_ASSIGN_OR_RETURN(RecordData data, LoadRecord(dir, options.max_points));
  NASHNET_ASSIGN_OR_RETURN(std::vector<LearnerTheory> theory, LearnerTheories(data.plan));
  const int players = data.plan.game->num_players();
  const int shown = std::min(players, options.max_players);
  const std::string title =
      data.plan.spec.name().empty() ? data.plan.game->name() : data.plan.spec.name();
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>nashnet report: ",
      HtmlEscape(title), "</title>\n", kStyle,
      "</head>\n<body>\n<h1>nashnet report: ", HtmlEscape(title), "</h1>\n",
      SpecTable(data, theory), SummaryTables(data), "<h2>Regret</h2>\n",
      RegretChart(data, theory, shown), AverageRegretChart(data, theory, shown),
      "<h2>Convergence</h2>\n", ConvergenceChart(data, theory), "<h2>Strategies</h2>\n");
  for (int p = 0; p < shown; ++p) absl::StrAppend(&html, StrategyChart(data, p, options));
  if (shown < players) {
    absl::StrAppend(&html, "<p>Players ", shown, "–", players - 1, " not drawn.</p>\n");
  }
  absl::StrAppend(&html, "<h2>spec.yaml</h2>\n<pre>", HtmlEscape(WriteRunSpecYaml(data.plan.spec)),
                  "</pre>\n<p class=\"note\">Generated by <code>nashnet report</code> from ",
                  HtmlEscape(dir.string()), ". ",
                  data.multi_seed ? "Lines: median over seeds; bands: p25–p75 and min–max. " : "",
                  "Rows thinned to at most ~", options.max_points,
                  " per series (stride plus log-spaced rows; exact values).</p>\n", kSelfCheck,
                  "</body></html>\n");
  return html;
}

absl::Status WriteReport(const std::filesystem::path& dir, const std::filesystem::path& out,
                         const ReportOptions& options, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(out, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat(out.string(), ": already exists (--force to overwrite)"));
  }
  NASHNET_ASSIGN_OR_RETURN(std::string html, RenderReport(dir, options));
  return WriteFileAtomically(out, html);
}

}  // namespace nashnet::server

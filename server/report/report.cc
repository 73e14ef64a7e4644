#include "server/report/report.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/record/run_record.h"
#include "server/record/string_view_compat.h"
#include "server/report/charts.h"
#include "server/report/record_data.h"
#include "server/report/svg_chart.h"
#include "server/report/theory.h"

namespace nashnet::server {
namespace {

using Json = nlohmann::json;

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
  if (data.seeds.size() > 1 && data.seeds.back() - data.seeds.front() + 1 == data.seeds.size()) {
    absl::StrAppend(&seeds, " (", data.seeds.front(), "–", data.seeds.back(), ")");
  } else if (data.seeds.size() > 1) {
    absl::StrAppend(&seeds, " (", absl::StrJoin(data.seeds, ", "), ")");
  } else {
    absl::StrAppend(&seeds, " (seed ", data.seeds.front(), ")");
  }
  if (!data.missing_seeds.empty()) {
    absl::StrAppend(&seeds, "; without rounds.csv: ", absl::StrJoin(data.missing_seeds, ", "));
  }
  std::vector<std::pair<const char*, std::string>> rows = {
      {"game",
       absl::StrCat(GameDisplayName(data.plan), " — ", data.plan.game->num_players(), " players")},
      {"feedback", feedback},
      {"rounds", absl::StrCat(spec.rounds(), " (", data.total_rows, " recorded, every ",
                              spec.record_every(), "; ", data.rounds.size(), " plotted)")},
      {"seeds", seeds},
      {"learners", absl::StrJoin(learners, "; ")}};
  if (const std::string per_round = data.SeedsPerRound(); !per_round.empty()) {
    rows.insert(rows.begin() + 4, {"seeds per round", per_round});
  }
  std::string html = "<table class=\"spec\">\n";
  for (const auto& [k, v] : rows) {
    absl::StrAppend(&html, "<tr><th>", k, "</th><td>", HtmlEscape(v), "</td></tr>\n");
  }
  return html + "</table>\n";
}

// Says which rounds have fewer than all seeds, when the seeds recorded different rounds.
std::string SeedsNote(const RecordData& data) {
  std::string html;
  if (!data.missing_seeds.empty()) {
    absl::StrAppend(
        &html, "<p class=\"warn\">No rounds.csv for seed",
        data.missing_seeds.size() > 1 ? "s " : " ", absl::StrJoin(data.missing_seeds, ", "),
        " (the run stopped before recording it): left out; the charts are over the ",
        data.seeds.size(), " other", data.seeds.size() > 1 ? " seeds" : " seed", ".</p>\n");
  }
  const std::string per_round = data.SeedsPerRound();
  if (per_round.empty()) return html;
  std::vector<std::string> seeds;
  for (size_t s = 0; s < data.tables.size(); ++s) {
    const RoundsTable& t = data.tables[s];
    seeds.push_back(absl::StrCat("seed ", data.seeds[s], ": ", t.total_rows, " rows"));
  }
  return absl::StrCat(
      html, "<p class=\"warn\">The seeds recorded different rounds (",
      HtmlEscape(absl::StrJoin(seeds, ", ")),
      "), e.g. a stopped run or a record_every change. Each line and band is over the seeds that "
      "recorded that round (a round recorded by only some of the seeds reaching it is left out): ",
      HtmlEscape(per_round), ".</p>\n");
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
      data.plan.spec.name().empty() ? GameDisplayName(data.plan) : data.plan.spec.name();
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>nashnet report: ",
      HtmlEscape(title), "</title>\n", kStyle,
      "</head>\n<body>\n<h1>nashnet report: ", HtmlEscape(title), "</h1>\n",
      SpecTable(data, theory), SummaryTables(data), SeedsNote(data), "<h2>Regret</h2>\n",
      RegretChart(data, theory, shown), AverageRegretChart(data, theory, shown),
      "<h2>Convergence</h2>\n", ConvergenceChart(data, theory), "<h2>Strategies</h2>\n");
  for (int p = 0; p < shown; ++p)
    absl::StrAppend(&html, StrategyChart(data, p, options.max_actions));
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
  if (out.has_parent_path() && !std::filesystem::is_directory(out.parent_path(), ec)) {
    std::filesystem::create_directories(out.parent_path(), ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot create the folder ",
                                              out.parent_path().string(), ": ", ec.message()));
    }
  }
  return WriteFileAtomically(out, html);
}

}  // namespace nashnet::server

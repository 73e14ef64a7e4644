#include "server/sweep/sweep_report.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/record/run_record.h"
#include "server/report/svg_chart.h"
#include "server/report/theory.h"
#include "server/sweep/sweep_compare.h"

namespace nashnet::server {
namespace {

namespace fs = std::filesystem;

std::string Num(double v) { return std::isfinite(v) ? absl::StrFormat("%.4g", v) : "–"; }

// "median [lo, hi]".
std::string IntervalCell(const MedianInterval& m) {
  if (m.n == 0) return "–";
  if (m.n == 1) return Num(m.median);
  return absl::StrCat(Num(m.median), " [", Num(m.lo), ", ", Num(m.hi), "]");
}

// " (k seeds)" when P1's rate applies to only some of the learner's seeds.
std::string P1Seeds(const LearnerComparison& l) {
  if (l.p1_rate.n == 0 || l.p1_rate.n == static_cast<int>(l.seeds.size())) return "";
  return absl::StrCat(" (", l.p1_rate.n, " seeds)");
}

std::string ComparisonTable(const SweepComparison& c) {
  std::string html =
      "<table class=\"comparison\"><tr><th>game</th><th>learner</th><th>params</th><th>T</th>"
      "<th>seeds</th><th>final regret R(T)</th><th>dynamic regret</th><th>Nash gap</th>"
      "<th>seconds</th>"
      "<th>fitted exponent</th><th>theory α</th><th>P1 rate</th><th>Δ</th>"
      "<th>CI coverage</th></tr>\n";
  for (const GameComparison& g : c.games) {
    for (const LearnerComparison& l : g.learners) {
      absl::StrAppend(&html, "<tr><td>", HtmlEscape(g.game), "</td><td>", HtmlEscape(l.learner),
                      "</td><td>", HtmlEscape(l.params), "</td><td>", l.horizon, "</td><td>",
                      l.seeds.size(), "</td><td>", IntervalCell(l.regret), "</td><td>",
                      IntervalCell(l.dynamic_regret), "</td><td>", IntervalCell(l.nash_gap),
                      "</td><td>", IntervalCell(l.seconds), "</td><td>", IntervalCell(l.exponent),
                      "</td><td>", ExponentText(l.theory_exponent), " (", HtmlEscape(l.algorithm),
                      ")</td><td>", IntervalCell(l.p1_rate), P1Seeds(l), "</td><td>", Num(l.delta),
                      "</td><td>",
                      l.regret.n > 1 ? absl::StrFormat("%.1f%%", 100 * l.regret.coverage) : "–",
                      "</td></tr>\n");
    }
  }
  return html + "</table>\n";
}

// The largest horizon the learner `label` ran at in game `g` (its curve is the one drawn).
int64_t LongestHorizon(const GameComparison& g, const std::string& label) {
  int64_t longest = 0;
  for (const LearnerComparison& l : g.learners) {
    if (l.learner == label) longest = std::max(longest, l.horizon);
  }
  return longest;
}

// "T = 2000", or "T = 2000 to 64000 (6 horizons; the chart shows each learner's longest)".
std::string HorizonText(const GameComparison& g) {
  std::vector<int64_t> horizons;
  for (const LearnerComparison& l : g.learners) horizons.push_back(l.horizon);
  std::sort(horizons.begin(), horizons.end());
  horizons.erase(std::unique(horizons.begin(), horizons.end()), horizons.end());
  if (horizons.size() <= 1) return absl::StrCat("T = ", g.rounds);
  return absl::StrCat("T = ", horizons.front(), " to ", horizons.back(), " (", horizons.size(),
                      " horizons; the chart shows each learner's longest)");
}

// The medians of `values`, joined: "120, 340, 910".
std::string NumList(const std::vector<double>& values) {
  std::vector<std::string> text;
  for (double v : values) text.push_back(Num(v));
  return absl::StrJoin(text, ", ");
}

// Per learner run at several horizons: the fits across T (sweep_compare.h, HorizonFit).
std::string HorizonTable(const GameComparison& g) {
  std::string html =
      "<table class=\"horizons\"><tr><th>learner</th><th>horizons T</th><th>V_T (median)</th>"
      "<th>V_T exponent</th><th>R(T) (median)</th><th>R(T) exponent</th><th>theory α</th>"
      "<th>dynamic R(T) (median)</th><th>dynamic exponent</th><th>theory</th></tr>\n";
  for (const HorizonFit& f : g.horizon_fits) {
    std::vector<std::string> horizons;
    for (int64_t t : f.horizons) horizons.push_back(absl::StrCat(t));
    const std::string nu =
        f.game_nu.has_value() ? absl::StrCat(" (ν = ", Num(*f.game_nu), ")") : "";
    absl::StrAppend(&html, "<tr><td>", HtmlEscape(f.learner), "</td><td>",
                    absl::StrJoin(horizons, ", "), "</td><td>", NumList(f.variation), "</td><td>",
                    IntervalCell(f.variation_exponent), nu, "</td><td>", NumList(f.regret),
                    "</td><td>", IntervalCell(f.regret_exponent), "</td><td>",
                    ExponentText(f.theory_exponent), "</td><td>", NumList(f.dynamic_regret),
                    "</td><td>", IntervalCell(f.dynamic_exponent), "</td><td>",
                    std::isfinite(f.theory_dynamic_exponent)
                        ? absl::StrCat(ExponentText(f.theory_dynamic_exponent), " (",
                                       HtmlEscape(f.algorithm), ")")
                        : "–",
                    "</td></tr>\n");
  }
  return html + "</table>\n";
}

// Final dynamic regret against the horizon, log-log, one line per learner, with T^α of the theory
// where it says.
std::string HorizonChart(const GameComparison& g) {
  SvgChart chart(
      {.title = absl::StrCat("Dynamic regret against the horizon T: ", g.game),
       .x_label = "horizon T",
       .y_label = "dynamic R(T)",
       .x_scale = AxisScale::kLog,
       .y_scale = AxisScale::kLog,
       .note = "lines: median over seeds of each horizon's final value; dashed: theory"});
  for (const HorizonFit& f : g.horizon_fits) {
    std::vector<double> t(f.horizons.begin(), f.horizons.end());
    chart.AddSeries(f.learner, t, f.dynamic_regret);
    const double last = f.dynamic_regret.back();
    if (std::isfinite(f.theory_dynamic_exponent) && last > 0.0 && t.back() > t.front()) {
      chart.AddReference(absl::StrCat(f.learner, " ∝ T^", ExponentText(f.theory_dynamic_exponent)),
                         {t.front(), t.back()},
                         {last * std::pow(t.front() / t.back(), f.theory_dynamic_exponent), last});
    }
  }
  return chart.Render();
}

std::string GameChart(const GameComparison& g) {
  SvgChart chart({.title = absl::StrCat("Regret R(t), mean over players: ", g.game),
                  .x_label = "round t",
                  .y_label = "R(t)",
                  .x_scale = AxisScale::kLog,
                  .y_scale = AxisScale::kLog,
                  .note = "lines: median over seeds; bands: p25–p75; dashed: T^α of the theory"});
  std::vector<std::pair<double, double>> anchors;  // (α, largest final median)
  double t0 = 0, t1 = 0;
  for (const LearnerComparison& l : g.learners) {
    if (l.rounds.empty() || l.horizon < LongestHorizon(g, l.learner)) continue;
    ColumnStats s = l.regret_curve;
    const double last = s.median.back();
    const int i = chart.AddSeries(l.learner, l.rounds, std::move(s.median));
    if (l.seeds.size() > 1) chart.AddBand(i, std::move(s.p25), std::move(s.p75), 0.22);
    t0 = t0 == 0 ? l.rounds.front() : std::min(t0, l.rounds.front());
    t1 = std::max(t1, l.rounds.back());
    auto it = std::find_if(anchors.begin(), anchors.end(),
                           [&](const auto& a) { return a.first == l.theory_exponent; });
    if (it == anchors.end()) {
      anchors.emplace_back(l.theory_exponent, last);
    } else if (std::isfinite(last) && (!std::isfinite(it->second) || last > it->second)) {
      it->second = last;
    }
  }
  for (const auto& [alpha, last] : anchors) {
    if (!(last > 0.0) || !(t1 > t0)) continue;
    chart.AddReference(absl::StrCat("∝ T^", ExponentText(alpha)), {t0, t1},
                       {last * std::pow(t0 / t1, alpha), last});
  }
  return chart.Render();
}

constexpr char kStyle[] = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:14px;margin-top:18px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
td{font-variant-numeric:tabular-nums}.warn{color:#a00}.note{color:#555}
svg.chart{display:block;margin:12px 0;font:11px sans-serif}
svg.chart .title{font-size:13px;font-weight:600}svg.chart .note{fill:#555}
svg.chart .grid{stroke:#eee}svg.chart .frame{stroke:#999}
svg.chart path.series{stroke-width:1.6;stroke-linejoin:round}
</style>
)";

}  // namespace

bool IsSweepFolder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "index.csv", ec) && !fs::exists(dir / "spec.yaml", ec);
}

absl::StatusOr<std::string> RenderSweepReport(const fs::path& dir, const ReportOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  NASHNET_ASSIGN_OR_RETURN(SweepComparison c, CompareSweep(dir, options.max_points));
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>nashnet sweep: ",
      HtmlEscape(c.name), "</title>\n", kStyle,
      "</head>\n<body>\n<h1>nashnet sweep: ", HtmlEscape(c.name), "</h1>\n<p>", c.cells, " cells, ",
      c.cells - c.unfinished.size(), " finished; ", c.games.size(),
      c.games.size() == 1 ? " game" : " games", ".</p>\n");
  if (!c.unfinished.empty()) {
    absl::StrAppend(&html, "<p class=\"warn\">Left out (no finished record): ",
                    HtmlEscape(absl::StrJoin(c.unfinished, ", ")), ".</p>\n");
  }
  absl::StrAppend(
      &html, "<h2>Learners compared (median [CI] over seeds)</h2>\n", ComparisonTable(c),
      "<p class=\"note\">Final regret: the mean over players of R_i(T). Fitted exponent: the "
      "least-squares slope of ln R(t) against ln t over up to ",
      kExponentPoints,
      " log-spaced recorded rounds in [T/100, T] (where R(t) &gt; 0), per seed. [lo, hi]: a "
      "distribution-free confidence interval for the median from order statistics, coverage ≥ "
      "95 % with 6 seeds or more; with fewer seeds it is [min, max] and the coverage column says "
      "what it is (1 − 2^(1−n)). Theory α: ALGORITHMS.md's regret rate of player 0's "
      "learner. P1 rate: −slope of ln ‖x(t) − a*‖₁ against Γ_t = Σγ_s where the run ends within "
      "0.1 of a strict pure equilibrium a* (P1: ≈ Δ, a*'s payoff gap; over the seeds that "
      "did).</p>\n");
  for (const GameComparison& g : c.games) {
    absl::StrAppend(&html, "<h2>", HtmlEscape(g.game), "</h2>\n<p>", HtmlEscape(g.game_name), " — ",
                    g.players, " players, ", HtmlEscape(g.feedback), " feedback, ", HorizonText(g),
                    "</p>\n", GameChart(g));
    if (!g.horizon_fits.empty()) {
      absl::StrAppend(
          &html, "<h3>Across horizons (each T its own runs)</h3>\n", HorizonTable(g),
          "<p class=\"note\">Exponents: per seed, the least-squares slope of ln(final value) "
          "against ln T over the horizons; median [CI] over seeds. Dynamic regret: "
          "Σ_t [max_z u_t(z) − u_t(x_t)] against the per-round best; V_T = Σ_t sup_z "
          "|ℓ_{t+1} − ℓ_t|, the variation budget it is measured against. Theory: ALGORITHMS.md "
          "target 6, HDA restarted for V_T ~ T^ν' has dynamic regret ~ T^((d+2+ν)/(d+3)) "
          "when ν' = ν (theory.h).</p>\n",
          HorizonChart(g));
    }
  }
  absl::StrAppend(&html, "<p class=\"note\">Generated by <code>nashnet report</code> from ",
                  HtmlEscape(dir.string()), ".</p>\n</body></html>\n");
  return html;
}

absl::Status WriteSweepReport(const fs::path& dir, const fs::path& out,
                              const ReportOptions& options, bool overwrite) {
  std::error_code ec;
  if (!overwrite && fs::exists(out, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat(out.string(), ": already exists (--force to overwrite)"));
  }
  NASHNET_ASSIGN_OR_RETURN(std::string html, RenderSweepReport(dir, options));
  if (out.has_parent_path() && !fs::is_directory(out.parent_path(), ec)) {
    fs::create_directories(out.parent_path(), ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot create the folder ",
                                              out.parent_path().string(), ": ", ec.message()));
    }
  }
  return WriteFileAtomically(out, html);
}

}  // namespace nashnet::server

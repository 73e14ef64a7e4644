// The sweep report: its statistics against numbers computed by hand from the cells' own
// summary.json files, the confidence interval and the log-log fit against closed forms.
#include "server/sweep/sweep_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "server/sweep/sweep_compare.h"
#include "server/sweep/sweep_file.h"
#include "server/sweep/sweep_runner.h"
#include "tests/test_files.h"

namespace nashnet::server {
namespace {

namespace fs = std::filesystem;
using test::ReadFile;
using test::TempDir;

constexpr char kSweep[] = R"(name: report
base: {rounds: 3000, record_every: 10, feedback: {model: noisy, sigma: 0.5}, seed: 20}
seeds: 3
games: [matching_pennies, stag_hunt]
learners: [hedge, hedge-lr]
)";

// Plays the sweep `text` in-process into `out`; every cell must finish.
void RunInto(const fs::path& out, const char* text = kSweep) {
  absl::StatusOr<SweepFile> sweep = ParseSweepFile(text, "report.yaml");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  absl::StatusOr<std::vector<RunPlan>> plans = PlanSweep(*sweep);
  ASSERT_TRUE(plans.ok()) << plans.status();
  const auto run = RunSweep(*sweep, *plans, out, {.jobs = 2});
  ASSERT_TRUE(run.ok()) << run.status();
  for (const absl::Status& failure : run->failures) ASSERT_TRUE(failure.ok()) << failure;
}

// The mean over players of the final regret, as summary.json of `cell` says.
double CellRegret(const fs::path& cell) {
  const nlohmann::json s = nlohmann::json::parse(ReadFile(cell / "summary.json"));
  double sum = 0;
  for (const auto& p : s["players"]) sum += p["regret"].get<double>();
  return sum / s["players"].size();
}

double Median3(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[1];
}

TEST(SweepReport, TableNumbersAreMediansOfTheCellsSummaries) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  RunInto(out);
  absl::StatusOr<SweepComparison> c = CompareSweep(out, 1000);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->cells, 12);
  EXPECT_TRUE(c->unfinished.empty());
  ASSERT_EQ(c->games.size(), 2u);
  EXPECT_EQ(c->games[1].game, "stag_hunt");
  ASSERT_EQ(c->games[1].learners.size(), 2u);
  for (const GameComparison& g : c->games) {
    for (const LearnerComparison& l : g.learners) {
      SCOPED_TRACE(g.game + " " + l.learner);
      std::vector<double> regret, gap, seconds;
      for (uint64_t seed : {20, 21, 22}) {
        const fs::path cell =
            out / "cells" / (g.game + "__" + l.learner + "__seed-" + std::to_string(seed));
        regret.push_back(CellRegret(cell));
        const nlohmann::json s = nlohmann::json::parse(ReadFile(cell / "summary.json"));
        gap.push_back(s["nash_gap"].get<double>());
        seconds.push_back(s["elapsed_seconds"].get<double>());
      }
      EXPECT_EQ(l.seeds, (std::vector<uint64_t>{20, 21, 22}));
      EXPECT_EQ(l.regret.n, 3);
      EXPECT_DOUBLE_EQ(l.regret.median, Median3(regret));
      EXPECT_EQ(l.regret.lo, *std::min_element(regret.begin(), regret.end()));
      EXPECT_EQ(l.regret.hi, *std::max_element(regret.begin(), regret.end()));
      EXPECT_DOUBLE_EQ(l.regret.coverage, 0.75);  // 3 seeds: [min, max] covers 1 − 2^(1−3)
      EXPECT_DOUBLE_EQ(l.nash_gap.median, Median3(gap));
      EXPECT_DOUBLE_EQ(l.seconds.median, Median3(seconds));
      EXPECT_EQ(l.theory_exponent, 0.5);  // hedge and hedge-lr: √T (ALGORITHMS.md, P1)
      EXPECT_EQ(l.exponent.n, 3);
      // The curve's last point is the final regret (rounds.csv's last row = summary.json).
      EXPECT_EQ(l.rounds.back(), 3000);
      EXPECT_DOUBLE_EQ(l.regret_curve.median.back(), Median3(regret));
    }
  }
  // The page shows those numbers as "median [lo, hi]".
  absl::StatusOr<std::string> html = RenderSweepReport(out, {});
  ASSERT_TRUE(html.ok()) << html.status();
  const LearnerComparison& l = c->games[0].learners[1];
  const std::string cell =
      absl::StrFormat("%.4g [%.4g, %.4g]", l.regret.median, l.regret.lo, l.regret.hi);
  EXPECT_NE(
      html->find("<td>matching_pennies</td><td>hedge-lr</td><td></td><td>3000</td><td>3</td><td>" +
                 cell),
      std::string::npos)
      << cell;
  EXPECT_EQ(std::count(html->begin(), html->end(), '\n') > 10, true);
  size_t charts = 0;
  for (size_t at = html->find("<svg class=\"chart\""); at != std::string::npos;
       at = html->find("<svg class=\"chart\"", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 2u);  // one per game
}

TEST(SweepReport, UnfinishedCellsAreLeftOutAndNamed) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  RunInto(out);
  fs::remove(out / "cells/stag_hunt__hedge__seed-21/summary.json");
  absl::StatusOr<SweepComparison> c = CompareSweep(out, 1000);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->unfinished, std::vector<std::string>{"stag_hunt__hedge__seed-21"});
  EXPECT_EQ(c->games[1].learners[0].seeds, (std::vector<uint64_t>{20, 22}));
  absl::StatusOr<std::string> html = RenderSweepReport(out, {});
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("Left out (no finished record): stag_hunt__hedge__seed-21."),
            std::string::npos);
  EXPECT_TRUE(IsSweepFolder(out));
  EXPECT_FALSE(IsSweepFolder(out / "cells/stag_hunt__hedge__seed-20"));
  EXPECT_TRUE(absl::IsNotFound(CompareSweep(tmp.path(), 1000).status()));
}

TEST(SweepReport, HedgeAtAStrictEquilibriumConvergesAtRateDelta) {
  // ALGORITHMS.md, validation target 1: exact feedback, constant step, a strict equilibrium
  // (prisoner's dilemma: (defect, defect), Δ = 1): the fitted −slope of ln‖x − a*‖₁ against Γ_t
  // is within 20 % of Δ.
  TempDir tmp;
  absl::StatusOr<SweepFile> sweep = ParseSweepFile(
      "base: {rounds: 3000, record_every: 10, seed: 1, feedback: full}\n"
      "games: [prisoners_dilemma, matching_pennies]\nlearners: [hedge]\n",
      "pd.yaml");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  absl::StatusOr<std::vector<RunPlan>> plans = PlanSweep(*sweep);
  ASSERT_TRUE(plans.ok());
  const auto run = RunSweep(*sweep, *plans, tmp.path() / "out", {.jobs = 1});
  ASSERT_TRUE(run.ok()) << run.status();
  absl::StatusOr<SweepComparison> c = CompareSweep(tmp.path() / "out", 1000);
  ASSERT_TRUE(c.ok()) << c.status();
  const LearnerComparison& pd = c->games[0].learners[0];
  EXPECT_EQ(pd.delta, 1.0);
  ASSERT_EQ(pd.p1_rate.n, 1);
  EXPECT_NEAR(pd.p1_rate.median, 1.0, 0.2);
  // Matching pennies has no pure equilibrium: P1's rate does not apply.
  const LearnerComparison& mp = c->games[1].learners[0];
  EXPECT_EQ(mp.p1_rate.n, 0);
  EXPECT_TRUE(std::isnan(mp.delta));
}

// ALGORITHMS.md target 6 as the report shows it: online_drift with V_T ~ T^ν, HDA restarted for
// that budget, five horizons (each its own runs), three seeds.
constexpr char kDriftSweep[] = R"(name: drift
base: {record_every: 50, feedback: bandit, seed: 1}
seeds: 3
grids:
  - games:
      - {game: {name: online_drift, params: {nu: 0.75, seed: 1}}, label: drift,
         rounds: [1000, 2000, 4000, 8000, 16000]}
    learners:
      - {algorithm: hda, params: {variation_exponent: 0.75, restart_scale: 10}, label: restarts}
      - hda
)";

// The mean over players of summary.json's dynamic regret of `cell`.
double CellDynamicRegret(const fs::path& cell) {
  const nlohmann::json s = nlohmann::json::parse(ReadFile(cell / "summary.json"));
  return s["players"][0]["dynamic_regret"].get<double>();
}

TEST(SweepReport, DynamicRegretAcrossHorizonsFollowsTheVariationBudget) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  ASSERT_NO_FATAL_FAILURE(RunInto(out, kDriftSweep));
  absl::StatusOr<SweepComparison> c = CompareSweep(out, 1000);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->games.size(), 1u);
  const GameComparison& g = c->games[0];
  // One table row per learner and horizon, in increasing T.
  ASSERT_EQ(g.learners.size(), 10u);
  EXPECT_EQ(g.learners[0].horizon, 1000);
  EXPECT_EQ(g.learners[4].horizon, 16000);
  EXPECT_EQ(g.learners[4].learner, "restarts");
  EXPECT_EQ(g.learners[5].learner, "hda");
  ASSERT_EQ(g.horizon_fits.size(), 2u);
  const HorizonFit& restarts = g.horizon_fits[0];
  const HorizonFit& plain = g.horizon_fits[1];
  EXPECT_EQ(restarts.horizons, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000}));
  // The medians are the cells' own summary.json numbers.
  for (size_t k = 0; k < restarts.horizons.size(); ++k) {
    std::vector<double> dynamic;
    for (uint64_t seed : {1, 2, 3}) {
      dynamic.push_back(CellDynamicRegret(
          out / "cells" /
          absl::StrFormat("drift__restarts__T-%d__seed-%d", restarts.horizons[k], seed)));
    }
    EXPECT_DOUBLE_EQ(restarts.dynamic_regret[k], Median3(dynamic));
  }
  // The budget the record measured grows like T^ν (the path reflects a few times: not exactly).
  ASSERT_TRUE(restarts.game_nu.has_value());
  EXPECT_EQ(*restarts.game_nu, 0.75);
  EXPECT_NEAR(restarts.variation_exponent.median, 0.75, 0.02);
  // Theory: (d+2+ν)/(d+3) = 15/16 for the tuned restarts; nothing for HDA without them.
  EXPECT_DOUBLE_EQ(restarts.theory_dynamic_exponent, (3 + 0.75) / 4);
  EXPECT_TRUE(std::isnan(plain.theory_dynamic_exponent));
  RecordProperty("dynamic_exponent_restarts",
                 ::testing::PrintToString(restarts.dynamic_exponent.median));
  RecordProperty("dynamic_exponent_plain", ::testing::PrintToString(plain.dynamic_exponent.median));
  SCOPED_TRACE(::testing::Message()
               << "restarts " << restarts.dynamic_exponent.median << " ["
               << restarts.dynamic_exponent.lo << ", " << restarts.dynamic_exponent.hi
               << "], plain " << plain.dynamic_exponent.median);
  EXPECT_NEAR(restarts.dynamic_exponent.median, (3 + 0.75) / 4, 0.05);
  EXPECT_GT(plain.dynamic_exponent.median, 0.99);  // never restarting: linear
  // The page: the horizons table and its chart, next to the game's chart.
  absl::StatusOr<std::string> html = RenderSweepReport(out, {});
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_NE(html->find("<table class=\"horizons\">"), std::string::npos);
  EXPECT_NE(html->find("<td>restarts</td><td>1000, 2000, 4000, 8000, 16000</td>"),
            std::string::npos);
  EXPECT_NE(html->find("15/16 (hda)"), std::string::npos);
  EXPECT_NE(html->find("bandit feedback, T = 1000 to 16000 (5 horizons;"), std::string::npos);
  size_t charts = 0;
  for (size_t at = html->find("<svg class=\"chart\""); at != std::string::npos;
       at = html->find("<svg class=\"chart\"", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 2u);
}

TEST(FitPowerLaw, RecoversThePowerAndSkipsWhatALogCannotTake) {
  EXPECT_NEAR(
      FitPowerLaw({1000, 2000, 4000, 8000}, {3 * std::pow(1000, 0.8), 3 * std::pow(2000, 0.8),
                                             3 * std::pow(4000, 0.8), 3 * std::pow(8000, 0.8)}),
      0.8, 1e-12);
  // Negative and non-finite values are left out; fewer than 3 left is NaN.
  EXPECT_NEAR(FitPowerLaw({1, 2, 4, 8, 16}, {1, -5, 16, NAN, 256}), 2.0, 1e-12);
  EXPECT_TRUE(std::isnan(FitPowerLaw({1, 2, 4}, {1, -2, 16})));
  EXPECT_TRUE(std::isnan(FitPowerLaw({5, 5, 5}, {1, 2, 3})));  // one horizon: no slope
}

TEST(FitConvergenceRate, RecoversTheRateOfAnExponentialBelowTheThreshold) {
  std::vector<double> gamma, distance;
  for (int k = 0; k < 200; ++k) {
    gamma.push_back(0.5 * k);
    // Above kNearEquilibrium (0.1) the first rows follow another law and are left out.
    distance.push_back(k < 10 ? 0.5 : 0.09 * std::exp(-0.7 * 0.5 * (k - 10)));
  }
  EXPECT_NEAR(FitConvergenceRate(gamma, distance), 0.7, 1e-9);
  EXPECT_TRUE(std::isnan(FitConvergenceRate({1, 2, 3}, {0.5, 0.2, 0.05})));
}

TEST(MedianInterval, OrderStatisticsWithBinomialCoverage) {
  // n = 10: 2·P(B ≤ 1) = 22/1024 ≤ 0.05 < 2·P(B ≤ 2) = 112/1024, so k = 2: [x_(2), x_(9)].
  MedianInterval m = ComputeMedianInterval({10, 1, 9, 2, 8, 3, 7, 4, 6, 5});
  EXPECT_EQ(m.n, 10);
  EXPECT_EQ(m.median, 5.5);
  EXPECT_EQ(m.lo, 2);
  EXPECT_EQ(m.hi, 9);
  EXPECT_DOUBLE_EQ(m.coverage, 1.0 - 22.0 / 1024);
  // n = 5: no k reaches 95 %: [min, max] with coverage 1 − 2/32; NaN values are dropped.
  m = ComputeMedianInterval({3, NAN, 1, 2, 5, 4});
  EXPECT_EQ(m.n, 5);
  EXPECT_EQ(m.median, 3);
  EXPECT_EQ(m.lo, 1);
  EXPECT_EQ(m.hi, 5);
  EXPECT_DOUBLE_EQ(m.coverage, 1.0 - 2.0 / 32);
  m = ComputeMedianInterval({});
  EXPECT_EQ(m.n, 0);
  EXPECT_TRUE(std::isnan(m.median));
}

TEST(FitLogLogSlope, RecoversThePowerOfAPowerLaw) {
  std::vector<double> t, y;
  for (int r = 1; r <= 10000; r += (r < 100 ? 1 : 10)) {
    t.push_back(r);
    y.push_back(3.0 * std::pow(r, 0.7));
  }
  EXPECT_NEAR(FitLogLogSlope(t, y), 0.7, 1e-12);
  // Only [T/100, T] counts: a different power before t = 100 changes nothing.
  for (size_t k = 0; k < t.size() && t[k] < 100; ++k) y[k] = 5.0 * std::pow(t[k], 0.2);
  EXPECT_NEAR(FitLogLogSlope(t, y), 0.7, 1e-12);
  // Non-positive regret is left out; fewer than 3 points: NaN.
  EXPECT_TRUE(std::isnan(FitLogLogSlope({1, 2, 100}, {-1, -1, 5})));
}

}  // namespace
}  // namespace nashnet::server

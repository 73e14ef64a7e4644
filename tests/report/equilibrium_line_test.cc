// P1's reference on the convergence chart (ALGORITHMS.md): the payoff gap Δ of a strict pure
// equilibrium, and the dashed line of slope −Δ in (Γ_t, ln ‖x − a*‖₁) read back from the SVG.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "games/normal_form_game.h"
#include "server/report/report.h"
#include "server/report/theory.h"
#include "tests/report/report_test_util.h"

namespace nashnet::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The catalogue game `name` with its default parameters, as a run plans it.
std::shared_ptr<const games::FiniteGame> Catalogue(const std::string& name) {
  absl::StatusOr<RunPlan> plan = PlanRun(*ParseRunSpecYaml("game: " + name + "\nrounds: 1\n"), ".");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return std::static_pointer_cast<const games::FiniteGame>(plan->game);
}

TEST(StrictEquilibriumGap, PrisonersDilemmaIsPunishmentMinusSucker) {
  // Defaults T = 5, R = 3, P = 1, S = 0: at (defect, defect) cooperating pays S instead of P.
  auto pd = Catalogue("prisoners_dilemma");
  EXPECT_EQ(StrictEquilibriumGap(*pd, std::vector<int>{1, 1}), 1.0);
  EXPECT_EQ(StrictEquilibriumGap(*pd, std::vector<int>{0, 0}), std::nullopt);  // not an NE
  // Matching pennies has no pure equilibrium at all.
  auto mp = Catalogue("matching_pennies");
  for (int a = 0; a < 4; ++a) {
    EXPECT_EQ(StrictEquilibriumGap(*mp, std::vector<int>{a % 2, a / 2}), std::nullopt);
  }
}

TEST(StrictEquilibriumGap, IsTheSmallestDeviationLossOverPlayers) {
  // Payoffs in Gambit order (a1, a2) = (0,0), (1,0), (0,1), (1,1):
  //   u1 = 4, 1, 0, 3     u2 = 2, 0, 1.5, 1.25
  // (0,0): player 1 loses 4 − 1 = 3, player 2 loses 2 − 1.5 = 0.5    → Δ = 0.5
  // (1,1): player 1 loses 3 − 0 = 3, player 2 loses 1.25 − 0 = 1.25  → Δ = 1.25
  auto game = games::NormalFormGame::Create(
      {.num_actions = {2, 2}, .payoffs = {{4, 1, 0, 3}, {2, 0, 1.5, 1.25}}});
  ASSERT_TRUE(game.ok()) << game.status();
  EXPECT_EQ(StrictEquilibriumGap(**game, std::vector<int>{0, 0}), 0.5);
  EXPECT_EQ(StrictEquilibriumGap(**game, std::vector<int>{1, 1}), 1.25);
  EXPECT_EQ(StrictEquilibriumGap(**game, std::vector<int>{0, 1}), std::nullopt);
  // A tie makes (0,0) a non-strict equilibrium: no Δ.
  auto tie = games::NormalFormGame::Create(
      {.num_actions = {2, 2}, .payoffs = {{4, 4, 0, 3}, {2, 0, 1.5, 1.25}}});
  ASSERT_TRUE(tie.ok()) << tie.status();
  EXPECT_EQ(StrictEquilibriumGap(**tie, std::vector<int>{0, 0}), std::nullopt);
}

// The <svg class="chart"> whose title is `title`.
std::string ChartWithTitle(const std::string& html, const std::string& title) {
  for (size_t at = html.find("<svg class=\"chart\""); at != std::string::npos;
       at = html.find("<svg class=\"chart\"", at + 1)) {
    const size_t end = html.find("<svg class=\"chart\"", at + 1);  // npos: to the end
    const std::string chart = html.substr(at, end - at);
    if (chart.find("<title>" + title + "</title>") != std::string::npos) return chart;
  }
  return "";
}

struct Point {
  double x, y;
};

// The points of the path d="M..L.." of the n-th (0-based) <path class="cls">.
std::vector<Point> PathPoints(const std::string& svg, const std::string& cls, int n) {
  size_t at = 0;
  for (int i = 0; i <= n; ++i) {
    at = svg.find("<path class=\"" + cls + "\"", i == 0 ? 0 : at + 1);
    if (at == std::string::npos) return {};
  }
  size_t p = svg.find(" d=\"", at) + 4;
  std::vector<Point> points;
  while (svg[p] == 'M' || svg[p] == 'L') {
    char* end = nullptr;
    const double x = std::strtod(svg.c_str() + p + 1, &end);
    const double y = std::strtod(end + 1, &end);  // skip the comma
    points.push_back({x, y});
    p = static_cast<size_t>(end - svg.c_str());
  }
  return points;
}

constexpr int kRounds = 40;
constexpr double kDecay = 0.35;  // the record's distance falls as exp(−kDecay·t), not at Δ's rate

// d_t = 0.8·exp(−kDecay·t) for the distance to (defect, defect); Γ_t = 0.5·t (γ_t = 0.5 fixed).
void WriteConvergingRecord(const std::filesystem::path& dir) {
  const v1::RunSpec spec = *ParseRunSpecYaml(
      "game: prisoners_dilemma\nlearner: {algorithm: hedge, params: {gamma0: 0.5, beta: 0}}\n"
      "rounds: 40\nseed: 1\n");
  const RunPlan plan = *PlanRun(spec, ".");
  std::vector<int> rounds;
  for (int t = 1; t <= kRounds; ++t) rounds.push_back(t);
  auto distance = [](size_t row) { return 0.8 * std::exp(-kDecay * static_cast<double>(row + 1)); };
  report_test::WriteText(dir / "spec.yaml", WriteRunSpecYaml(plan.spec));
  report_test::WriteText(
      dir / "rounds.csv",
      report_test::MakeRoundsCsv(*plan.game, rounds, [&](const std::string& c, size_t row) {
        const double d = distance(row);  // ‖x − a*‖₁ = 2·(1 − x_{i,defect}) summed over 2 players
        if (c == "equilibrium_distance") return d;
        if (c == "p0_x1" || c == "p1_x1") return 1.0 - d / 4;
        if (c == "p0_x0" || c == "p1_x0") return d / 4;
        return 0.1;
      }));
}

TEST(ConvergenceChart, DrawsTheSlopeMinusDeltaLineThroughTheDistanceBelowATenth) {
  report_test::TempDir tmp;
  WriteConvergingRecord(tmp.path());
  absl::StatusOr<std::string> html = RenderReport(tmp.path(), {});
  ASSERT_TRUE(html.ok()) << html.status();
  const std::string chart = ChartWithTitle(*html, "Nash gap and distance to equilibrium");
  ASSERT_FALSE(chart.empty());
  EXPECT_THAT(chart, HasSubstr("slope −Δ = −1.00"));
  EXPECT_THAT(chart, HasSubstr("dashed: P1's rate near a* = (1, 1)"));

  // Pixels → data from the distance series itself (the third line: Nash gap, empirical gap,
  // distance): its first point is (Γ_1, d_1) = (0.5, 0.8·e^−0.35), its last (Γ_40, d_40) = (20,
  // 0.8·e^−14); x is linear, y logarithmic.
  const std::vector<Point> series = PathPoints(chart, "series", 2);
  ASSERT_EQ(series.size(), static_cast<size_t>(kRounds));
  const double g0 = 0.5, g1 = 20.0;
  const double ln_d0 = std::log(0.8) - kDecay, ln_d1 = std::log(0.8) - kDecay * kRounds;
  auto gamma = [&](Point p) {
    return g0 + (p.x - series.front().x) / (series.back().x - series.front().x) * (g1 - g0);
  };
  auto ln_d = [&](Point p) {
    return ln_d0 +
           (p.y - series.front().y) / (series.back().y - series.front().y) * (ln_d1 - ln_d0);
  };
  const std::vector<Point> line = PathPoints(chart, "reference", 0);
  ASSERT_EQ(line.size(), 2u);
  // Pixels are printed with one decimal: ±0.05 px over ~486 px of x (19.5 units of Γ) and ~256 px
  // of y (13.65 units of ln d) is ±0.002 in Γ and ±0.003 in ln d at each end.
  const double slope = (ln_d(line[1]) - ln_d(line[0])) / (gamma(line[1]) - gamma(line[0]));
  EXPECT_NEAR(slope, -1.0, 0.005);  // Δ = 1, not the data's −kDecay/0.5 = −0.7
  // Anchored where the distance first drops below 0.1: t = 6 (0.8·e^−2.1 = 0.098), Γ = 3.
  EXPECT_NEAR(gamma(line[0]), 3.0, 0.01);
  EXPECT_NEAR(ln_d(line[0]), std::log(0.8) - 6 * kDecay, 0.01);
  // Ends where it reaches the smallest distance, d_40: Γ = 3 + (ln d_6 − ln d_40) / Δ = 14.9.
  EXPECT_NEAR(gamma(line[1]), 3.0 + kDecay * (kRounds - 6), 0.01);
  EXPECT_NEAR(ln_d(line[1]), ln_d1, 0.01);
}

TEST(ConvergenceChart, NoSlopeLineAwayFromAStrictEquilibriumOrWithoutGamma) {
  report_test::TempDir tmp;
  // Matching pennies: no pure equilibrium, so no Δ (and no distance column values).
  report_test::SimulateRecord("game: matching_pennies\nlearner: hedge\nrounds: 200\nseed: 2\n",
                              tmp.path() / "mp");
  EXPECT_THAT(*RenderReport(tmp.path() / "mp", {}), Not(HasSubstr("slope −Δ")));
  // hedge-lr has no γ_t: the chart is against t, and P1's line does not apply.
  report_test::SimulateRecord("game: prisoners_dilemma\nlearner: hedge-lr\nrounds: 2000\nseed: 2\n",
                              tmp.path() / "lr");
  const std::string lr = *RenderReport(tmp.path() / "lr", {});
  EXPECT_THAT(lr, HasSubstr("has no step schedule"));
  EXPECT_THAT(lr, Not(HasSubstr("slope −Δ")));
}

TEST(ConvergenceChart, ASimulatedPrisonersDilemmaGetsTheLine) {
  // Full-information Hedge with a constant step 1 on the prisoner's dilemma (Δ = 1) reaches
  // (defect, defect) quickly: the distance falls below 0.1 within a few dozen rounds.
  report_test::TempDir tmp;
  report_test::SimulateRecord(
      "game: prisoners_dilemma\nlearner: {algorithm: hedge, params: {gamma0: 1, beta: 0}}\n"
      "feedback: full\nrounds: 300\nseed: 4\nseeds: 2\n",
      tmp.path() / "pd");
  const std::string html = *RenderReport(tmp.path() / "pd", {});
  EXPECT_THAT(html, HasSubstr("slope −Δ = −1.00"));
  EXPECT_EQ(report_test::Count(ChartWithTitle(html, "Nash gap and distance to equilibrium"),
                               "class=\"reference\""),
            1);
}

}  // namespace
}  // namespace nashnet::server

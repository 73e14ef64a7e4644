// RenderReport on hand-made and simulated records: exact chart points, the spec and summary
// header, seed bands, the theory's reference lines, and bad records named file:line.
#include "server/report/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_split.h"
#include "server/report/theory.h"
#include "tests/report/report_test_util.h"

namespace nashnet::server {
namespace {

using report_test::Count;
using report_test::ReadText;
using report_test::TempDir;
using report_test::WriteText;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPdSpec[] =
    "name: hand-made\n"
    "game: prisoners_dilemma\n"
    "learner: hedge\n"
    "rounds: 3\n"
    "seed: 1\n";

RunPlan PdPlan() {
  absl::StatusOr<RunPlan> plan = PlanRun(*ParseRunSpecYaml(kPdSpec), ".");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// A 3-round rounds.csv for the prisoner's dilemma: every column 0.1 except those in `set`.
std::string HandMadeCsv(const std::map<std::string, std::vector<std::string>>& set) {
  const RunPlan plan = PdPlan();
  const std::string header = RoundsCsvHeader(*plan.game);
  std::vector<std::string> columns = absl::StrSplit(header, ',');
  std::string csv = header + "\n";
  for (int r = 0; r < 3; ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      auto it = set.find(columns[c]);
      csv += c > 0 ? "," : "";
      csv += columns[c] == "round" ? std::to_string(r + 1)
             : it != set.end()     ? it->second[r]
                                   : "0.1";
    }
    csv += "\n";
  }
  return csv;
}

void WriteHandMadeRecord(const std::filesystem::path& dir) {
  WriteText(dir / "spec.yaml", WriteRunSpecYaml(PdPlan().spec));
  WriteText(dir / "rounds.csv", HandMadeCsv({{"p0_x0", {"0.5", "0.25", "0"}},
                                             {"p0_x1", {"0.5", "0.75", "1"}},
                                             {"p0_regret", {"1", "2", "3"}},
                                             {"p1_regret", {"0.5", "1", "1.5"}}}));
}

TEST(RenderReport, AHandMadeRecordGivesExactStrategyPoints) {
  TempDir tmp;
  WriteHandMadeRecord(tmp.path());
  absl::StatusOr<std::string> html = RenderReport(tmp.path(), {});
  ASSERT_TRUE(html.ok()) << html.status();
  // Regret, average regret, convergence, one strategy chart per player.
  EXPECT_EQ(Count(*html, "<svg class=\"chart\""), 5);
  // Player 0's strategy chart: x = log t over [1, 3] → [64, 550] (2 at 64 + 486·log 2/log 3 =
  // 370.6); y = probability over the fixed [0, 1] → [296, 40].
  EXPECT_THAT(*html, HasSubstr("d=\"M64.0,168.0L370.6,232.0L550.0,296.0\""));  // action 0
  EXPECT_THAT(*html, HasSubstr("d=\"M64.0,168.0L370.6,104.0L550.0,40.0\""));   // action 1
  // Regret, log-log: player 0's 1, 2, 3 spans the y domain [0.5, 3] with player 1's.
  EXPECT_THAT(*html, HasSubstr("Regret R_i(t) per player (log-log)"));
  EXPECT_THAT(*html, HasSubstr("∝ T^1/2"));              // hedge's reference slope
  EXPECT_THAT(*html, HasSubstr("of player 0 (hedge)"));  // Γ_t from player 0's γ_t
  // The header: spec and the missing summary.
  EXPECT_THAT(*html, HasSubstr("prisoners_dilemma"));
  EXPECT_THAT(*html, HasSubstr("3 (3 recorded, every 1; 3 plotted)"));
  EXPECT_THAT(*html, HasSubstr("no summary.json: the run did not finish"));
  // Self-contained: nothing fetched.
  EXPECT_THAT(*html, Not(HasSubstr("src=")));
  EXPECT_THAT(*html, Not(HasSubstr("href=")));
}

TEST(RenderReport, TheReferenceLineIsAnchoredAtTheLargestFinalRegret) {
  TempDir tmp;
  WriteHandMadeRecord(tmp.path());
  const std::string html = *RenderReport(tmp.path(), {});
  // Log-log, x [1, 3] → [64, 550], y [0.5, 3] → [296, 40]: the line ends at (3, 3) = (550, 40)
  // and starts at (1, 3·(1/3)^(1/2) = 1.732), y = 296 − 256·log(1.732/0.5)/log 6 = 118.5.
  EXPECT_THAT(html, HasSubstr("stroke-dasharray=\"6 4\" d=\"M64.0,118.5L550.0,40.0\""));
}

TEST(RenderReport, BadRecordsNameTheFileAndLine) {
  TempDir tmp;
  const std::filesystem::path dir = tmp.path();
  absl::Status s = RenderReport(dir / "missing", {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("missing/spec.yaml: no such file"));

  WriteText(dir / "spec.yaml", WriteRunSpecYaml(PdPlan().spec));
  s = RenderReport(dir, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr((dir / "rounds.csv").string() + ": cannot read"));

  WriteText(dir / "rounds.csv", "round,nash_gap\n1,0\n");
  EXPECT_THAT(RenderReport(dir, {}).status().message(),
              HasSubstr((dir / "rounds.csv").string() + ":1: header does not match"));

  std::string csv = HandMadeCsv({});
  csv.insert(csv.rfind("\n", csv.size() - 2) + 1, "9,1\n");  // a short row before the last
  WriteText(dir / "rounds.csv", csv);
  EXPECT_THAT(RenderReport(dir, {}).status().message(),
              HasSubstr((dir / "rounds.csv").string() + ":4: 2 fields, expected "));

  WriteText(dir / "spec.yaml", "game: prisoners_dilemma\nrounds: ten\n");
  s = RenderReport(dir, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("spec.yaml:2:"));
}

TEST(RenderReport, SeveralSeedsDrawMediansWithBands) {
  TempDir tmp;
  report_test::SimulateRecord(
      "game: matching_pennies\nlearner: bandit-hedge\nrounds: 400\nseed: 5\nseeds: 3\n"
      "feedback: bandit\n",
      tmp.path() / "run");
  absl::StatusOr<std::string> html = RenderReport(tmp.path() / "run", {});
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_EQ(Count(*html, "<svg class=\"chart\""), 5);
  EXPECT_THAT(*html, HasSubstr("3 (5–7)"));
  EXPECT_THAT(*html, HasSubstr("Summary (median [p25, p75] over seeds)"));
  EXPECT_THAT(*html, HasSubstr("∝ T^2/3"));  // bandit-hedge's exploration cost Σε_t
  // Two bands (min–max, p25–p75) under each median line that has a drawable point.
  const int series = Count(*html, "class=\"series\"");
  EXPECT_GE(series, 10);  // 2 regret + 2 average regret + 2 gaps + 2×2 strategies
  EXPECT_GE(Count(*html, "class=\"band\""), 2 * (series - 2));
  EXPECT_LE(Count(*html, "class=\"band\""), 2 * series);
}

TEST(LearnerTheories, HdaDynamicRegretExponentFollowsTheBudgetItIsTunedFor) {
  auto theory = [](const std::string& game, const std::string& learner) {
    absl::StatusOr<RunPlan> plan =
        PlanRun(*ParseRunSpecYaml("game: " + game +
                                  "\nrounds: 1000\nfeedback: bandit\nlearner: " + learner + "\n"),
                ".");
    EXPECT_TRUE(plan.ok()) << plan.status();
    return LearnerTheories(*plan)->front();
  };
  const std::string drift = "{name: online_drift, params: {nu: 0.5, dimension: 2}}";
  // Tuned (ν' = ν): (d+2+ν)/(d+3) = 4.5/5.
  EXPECT_DOUBLE_EQ(
      theory(drift, "{algorithm: hda, params: {variation_exponent: 0.5}}").dynamic_regret_exponent,
      4.5 / 5);
  // Tuned for a smaller budget (ν' = 0): blocks too long, the drift term T^((d+2)/(d+3) + ν)
  // = T^1.3 is capped at 1 (a linear regret); for a larger one (ν' = 1: B ~ 1) the blocks'
  // static regret T^(1 − 0) = T.
  EXPECT_DOUBLE_EQ(
      theory(drift, "{algorithm: hda, params: {variation_exponent: 0}}").dynamic_regret_exponent,
      1.0);
  // ν' = 0.25: max(1 − 0.75/5, 0.75·4/5 + 0.5) = max(0.85, 1.1) → 1; ν' = 0.75: max(0.95, 0.7).
  EXPECT_DOUBLE_EQ(
      theory(drift, "{algorithm: hda, params: {variation_exponent: 0.75}}").dynamic_regret_exponent,
      0.95);
  // No restarts, another learner, or a game without a declared budget: the theory does not say.
  EXPECT_TRUE(std::isnan(theory(drift, "hda").dynamic_regret_exponent));
  EXPECT_TRUE(std::isnan(theory(drift, "kernel-da").dynamic_regret_exponent));
  EXPECT_TRUE(
      std::isnan(theory("online_bumps", "{algorithm: hda, params: {variation_exponent: 0.5}}")
                     .dynamic_regret_exponent));
}

TEST(LearnerTheories, StepSchedulesAndRatesFollowTheLearnerDefaults) {
  absl::StatusOr<RunPlan> plan = PlanRun(
      *ParseRunSpecYaml("game: prisoners_dilemma\nrounds: 10\nfeedback: {model: noisy, sigma: 1}\n"
                        "players: [{algorithm: hedge}, {algorithm: bandit-hedge, "
                        "params: {beta: 0.8}}]\n"),
      ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::StatusOr<std::vector<LearnerTheory>> theory = LearnerTheories(*plan);
  ASSERT_TRUE(theory.ok()) << theory.status();
  ASSERT_EQ(theory->size(), 2u);
  // hedge: γ0 = 0.1 / payoff range, β = 0.6 under noisy feedback (HedgeOptions::Defaults).
  EXPECT_DOUBLE_EQ((*theory)[0].step->c0, 0.1 / plan->game->payoff_range().width());
  EXPECT_DOUBLE_EQ((*theory)[0].step->exponent, 0.6);
  EXPECT_EQ((*theory)[0].rate, "T^(1/2)");
  // bandit-hedge: γ0 = 0.1 by default, β from the params; regret T^(1 − 1/3).
  EXPECT_DOUBLE_EQ((*theory)[1].step->c0, 0.1);
  EXPECT_DOUBLE_EQ((*theory)[1].step->exponent, 0.8);
  EXPECT_EQ((*theory)[1].rate, "T^(2/3)");
  EXPECT_EQ(ExponentText(0.75), "3/4");
  EXPECT_EQ(ExponentText(1.0), "1");
  EXPECT_EQ(ExponentText(0.123456), "0.123");
}

TEST(WriteReport, RefusesToOverwriteUnlessAsked) {
  TempDir tmp;
  WriteHandMadeRecord(tmp.path());
  const std::filesystem::path out = tmp.path() / "report.html";
  ASSERT_TRUE(WriteReport(tmp.path(), out, {}, false).ok());
  EXPECT_THAT(ReadText(out), HasSubstr("<!DOCTYPE html>"));
  EXPECT_EQ(WriteReport(tmp.path(), out, {}, false).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(WriteReport(tmp.path(), out, {}, true).ok());
}

}  // namespace
}  // namespace nashnet::server

// `nashnet report`, run as a real process on records written by `nashnet simulate` and
// `nashnet run`: the page, its charts and summary numbers; no overwrite without --force; --out;
// bad folders and bad flags exit 2 naming the path or the flag.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/cli/cli_runner.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;

// Noisy feedback, so that the two seeds differ and the page draws seed bands.
constexpr char kNoisyPd[] =
    "name: report-me\n"
    "game: prisoners_dilemma\n"
    "learner: {algorithm: hedge, params: {gamma0: 0.5, beta: 0.6}}\n"
    "feedback: {model: noisy, sigma: 1}\n"
    "rounds: 2000\n"
    "seed: 5\n"
    "record_every: 4\n";

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A summary.json number as the page prints it (%.4g).
std::string Shown(const nlohmann::json& value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value.get<double>());
  return buffer;
}

// Simulates kNoisyPd with 2 seeds into tmp/rec.
fs::path SimulateTwoSeeds(const TempDir& tmp) {
  WriteFile(tmp / "run.yaml", kNoisyPd);
  const CliResult sim = RunCli(
      tmp, "simulate '" + (tmp / "run.yaml") + "' --seeds 2 -q --out '" + (tmp / "rec") + "'");
  EXPECT_EQ(sim.exit_code, 0) << sim.err;
  return tmp.path() / "rec";
}

TEST(ReportCli, WritesTheReportNextToTheRecordWithItsChartsAndSummary) {
  TempDir tmp;
  const fs::path rec = SimulateTwoSeeds(tmp);
  const CliResult r = RunCli(tmp, "report '" + rec.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path page = rec / "report.html";
  EXPECT_EQ(r.out, page.string() + "\n");  // the default output, its path on stdout
  EXPECT_EQ(r.err, "");
  const std::string html = ReadFile(page);
  // Regret, average regret, convergence, and one strategy chart per player.
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 5);
  EXPECT_NE(html.find("<title>nashnet report: report-me</title>"), std::string::npos);
  EXPECT_NE(html.find("2 (5–6)"), std::string::npos);  // the seeds
  // The aggregate summary's medians [p25, p75], as summary.json has them.
  const nlohmann::json summary = nlohmann::json::parse(ReadFile(rec / "summary.json"));
  for (const char* key : {"nash_gap", "empirical_nash_gap", "equilibrium_distance"}) {
    const nlohmann::json& s = summary[key];
    const std::string cell =
        Shown(s["median"]) + " [" + Shown(s["p25"]) + ", " + Shown(s["p75"]) + "]";
    EXPECT_NE(html.find("<td>" + cell + "</td>"), std::string::npos) << key << ": " << cell;
  }
  const nlohmann::json& regret = summary["players"][1]["regret"];
  EXPECT_NE(html.find(Shown(regret["median"]) + " [" + Shown(regret["p25"])), std::string::npos);
}

TEST(ReportCli, DoesNotOverwriteWithoutForceAndWritesElsewhereWithOut) {
  TempDir tmp;
  const fs::path rec = SimulateTwoSeeds(tmp);
  ASSERT_EQ(RunCli(tmp, "report '" + rec.string() + "'").exit_code, 0);
  WriteFile(rec / "report.html", "mine");
  const CliResult again = RunCli(tmp, "report '" + rec.string() + "'");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(again.err, "nashnet: error: " + (rec / "report.html").string() +
                           ": already exists (--force to overwrite)\n");
  EXPECT_EQ(ReadFile(rec / "report.html"), "mine");  // untouched
  const CliResult forced = RunCli(tmp, "report '" + rec.string() + "' --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(ReadFile(rec / "report.html"), "mine");

  // --out elsewhere, into a folder that does not exist yet; the record's own page is not touched.
  const std::string out = tmp / "pages/pd.html";
  const std::string before = ReadFile(rec / "report.html");
  const CliResult elsewhere = RunCli(tmp, "report '" + rec.string() + "' --out '" + out + "'");
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.err;
  EXPECT_EQ(elsewhere.out, out + "\n");
  EXPECT_EQ(Count(ReadFile(out), "<svg class=\"chart\""), 5);
  EXPECT_EQ(ReadFile(rec / "report.html"), before);
}

TEST(ReportCli, BadFoldersAndFlagsExitTwoNamingThem) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "empty");
  const CliResult empty = RunCli(tmp, "report '" + (tmp / "empty") + "'");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find((tmp / "empty/spec.yaml") + ": no such file"), std::string::npos)
      << empty.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "empty" / "report.html"));

  const CliResult missing = RunCli(tmp, "report '" + (tmp / "nowhere") + "'");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find(tmp / "nowhere"), std::string::npos) << missing.err;

  const fs::path rec = SimulateTwoSeeds(tmp);
  for (const char* value : {"0", "abc", "9"}) {
    SCOPED_TRACE(value);
    const CliResult bad =
        RunCli(tmp, "report '" + rec.string() + "' --max-points " + std::string(value));
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--max-points"), std::string::npos) << bad.err;
    EXPECT_EQ(bad.err.find('\n'), bad.err.size() - 1) << "one line: " << bad.err;
  }
  EXPECT_FALSE(fs::exists(rec / "report.html"));
  const CliResult none = RunCli(tmp, "report");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("dir is required"), std::string::npos) << none.err;
}

TEST(ReportCli, ARunRecordFromTheNetworkedServiceReportsToo) {
  // `nashnet run` starts a coordinator and agent processes on loopback; its record has the same
  // layout as simulate's (run_cli_test.cc), one seed at the top level.
  TempDir tmp;
  WriteFile(tmp / "run.yaml", std::string(kNoisyPd));
  const CliResult run =
      RunCli(tmp, "run '" + (tmp / "run.yaml") + "' -q --out '" + (tmp / "net") + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const CliResult r = RunCli(tmp, "report '" + (tmp / "net") + "' --max-points 100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = ReadFile(tmp.path() / "net" / "report.html");
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 5);
  EXPECT_NE(html.find("1 (seed 5)"), std::string::npos);
  // 2000 rounds every 4th: round 1, 500 multiples of 4 (the last is 2000) → 501 rows, ~100 drawn.
  EXPECT_NE(html.find("2000 (501 recorded, every 4; "), std::string::npos);
  EXPECT_EQ(html.find("class=\"band\""), std::string::npos);  // one seed: no spread bands
}

}  // namespace
}  // namespace nashnet::cli_test

// `nashnet sweep` through the real binary: every cell's record equals `nashnet simulate` of the
// cell's spec.yaml byte for byte; re-running resumes; bad sweep files exit 2 with one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/cli/cli_runner.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;

constexpr char kSweep[] = R"(name: cli
base:
  rounds: 600
  record_every: 5
  feedback: {model: noisy, sigma: 0.4}
  seed: 11
seeds: 2
games: [stag_hunt, {name: braess, params: {players: 4}}]
learners: [hedge, {algorithm: hedge-lr, params: {eta0: 0.7}}]
)";

TEST(SweepCli, CellsEqualSimulateOfTheirSpecByteForByte) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", kSweep);
  CliResult r = RunCli(tmp, "sweep s.yaml --out out --jobs 2", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cells: 8 (8 played, 0 skipped, 0 failed)\nindex: out/index.csv\n");
  EXPECT_NE(r.err.find("nashnet: sweep 8/8 cells (0 skipped, 0 failed)"), std::string::npos)
      << r.err;
  int cells = 0;
  for (const auto& entry : fs::directory_iterator(tmp.path() / "out" / "cells")) {
    const fs::path cell = entry.path();
    const std::string id = cell.filename().string();
    SCOPED_TRACE(id);
    CliResult sim =
        RunCli(tmp, "simulate 'out/cells/" + id + "/spec.yaml' --out 'sim/" + id + "' --quiet",
               tmp.path());
    ASSERT_EQ(sim.exit_code, 0) << sim.err;
    const fs::path mine = tmp.path() / "sim" / id;
    EXPECT_EQ(ReadFile(cell / "rounds.csv"), ReadFile(mine / "rounds.csv"));
    EXPECT_EQ(ReadFile(cell / "spec.yaml"), ReadFile(mine / "spec.yaml"));
    EXPECT_EQ(SummaryWithoutElapsed(cell / "summary.json"),
              SummaryWithoutElapsed(mine / "summary.json"));
    EXPECT_EQ(std::distance(fs::directory_iterator(cell), fs::directory_iterator()), 3);
    ++cells;
  }
  EXPECT_EQ(cells, 8);

  // `nashnet report` of the folder compares the learners.
  CliResult report = RunCli(tmp, "report out", tmp.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(report.out, "out/report.html\n");
  const std::string html = ReadFile(tmp.path() / "out/report.html");
  EXPECT_NE(html.find("<h1>nashnet sweep: out</h1>"), std::string::npos);
  EXPECT_NE(html.find("<td>braess-players=4</td><td>hedge-lr-eta0=0.7</td><td>eta0=0.7</td>"
                      "<td>600</td><td>2</td>"),
            std::string::npos);

  // Again: everything is finished, nothing is played.
  r = RunCli(tmp, "sweep s.yaml --out out", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cells: 8 (0 played, 8 skipped, 0 failed)\nindex: out/index.csv\n");
  // The default folder is runs/<stem>; --quiet prints only it.
  r = RunCli(tmp, "sweep s.yaml --quiet", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "runs/s\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(ReadFile(tmp.path() / "runs/s/index.csv").substr(0, 200),
            ReadFile(tmp.path() / "out/index.csv").substr(0, 200));
}

TEST(SweepCli, BadInputExitsTwoWithOneLineAndWritesNothing) {
  TempDir tmp;
  WriteFile(tmp / "bad.yaml",
            "base: {rounds: 100}\ngames: [prisoners_dilemma]\nlearners: [{algorithm: hedge, "
            "params: {beta: [0, x]}}]\n");
  CliResult r = RunCli(tmp, "sweep bad.yaml --out out", tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "nashnet: error: bad.yaml:3:50: learner.params.beta: expected a number, got 'x'\n");
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));

  r = RunCli(tmp, "sweep missing.yaml --out out", tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "nashnet: error: missing.yaml: cannot open the sweep file\n");

  WriteFile(tmp / "ok.yaml", "base: {rounds: 10, game: stag_hunt, learner: hedge}\n");
  fs::create_directories(tmp.path() / "busy");
  WriteFile(tmp / "busy/x", "");
  r = RunCli(tmp, "sweep ok.yaml --out busy", tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "nashnet: error: busy: not empty and not a sweep's folder (no sweep.yaml); give a new "
            "--out\n");
  r = RunCli(tmp, "sweep ok.yaml --jobs -1", tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "nashnet: error: --jobs: must be >= 0 (0 = one per core)\n");
}

}  // namespace
}  // namespace nashnet::cli_test

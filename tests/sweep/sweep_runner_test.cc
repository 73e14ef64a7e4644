// The in-process sweep runner: records per cell, resume (finished cells untouched, half-written
// ones replayed), refusal of a changed sweep or a foreign folder, index.csv.
#include "server/sweep/sweep_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "server/sweep/sweep_index.h"
#include "tests/test_files.h"

namespace nashnet::server {
namespace {

namespace fs = std::filesystem;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

// 2 games × 2 learners × 2 seeds, noisy feedback so that seeds differ.
constexpr char kSweep[] = R"(name: runner
base:
  rounds: 400
  record_every: 7
  feedback: {model: noisy, sigma: 0.5}
  seed: 3
seeds: 2
games: [prisoners_dilemma, matching_pennies]
learners: [hedge, {algorithm: bandit-hedge, params: {epsilon0: 0.5}}]
)";

struct Planned {
  SweepFile sweep;
  std::vector<RunPlan> plans;
};

Planned Plan(const std::string& text) {
  absl::StatusOr<SweepFile> sweep = ParseSweepFile(text, "runner.yaml");
  EXPECT_TRUE(sweep.ok()) << sweep.status();
  absl::StatusOr<std::vector<RunPlan>> plans = PlanSweep(*sweep);
  EXPECT_TRUE(plans.ok()) << plans.status();
  return {*std::move(sweep), *std::move(plans)};
}

TEST(SweepRunner, EachCellHoldsTheRecordSimulateWritesForItsSpec) {
  TempDir tmp;
  Planned p = Plan(kSweep);
  absl::StatusOr<SweepOutcome> outcome =
      RunSweep(p.sweep, p.plans, tmp.path() / "out", {.jobs = 2});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->ran, 8);
  EXPECT_EQ(outcome->skipped, 0);
  EXPECT_EQ(outcome->failed, 0);
  for (size_t i = 0; i < p.sweep.cells.size(); ++i) {
    SCOPED_TRACE(p.sweep.cells[i].id);
    // simulate's steps on one thread, into a folder of our own.
    const fs::path mine = tmp.path() / "mine" / p.sweep.cells[i].id;
    absl::StatusOr<RunRecord> record = RunRecord::Create(mine, p.plans[i].spec);
    ASSERT_TRUE(record.ok());
    auto rounds = record->OpenRounds(p.plans[i].spec.seed(), p.plans[i].game);
    ASSERT_TRUE(rounds.ok());
    absl::StatusOr<RunSummary> summary =
        Simulate(p.plans[i], p.plans[i].spec.seed(), rounds->get(), {});
    ASSERT_TRUE(summary.ok());
    ASSERT_TRUE(record->CommitSeed(p.plans[i].spec.seed(), rounds->get(), *summary).ok());
    const fs::path cell = tmp.path() / "out" / "cells" / p.sweep.cells[i].id;
    EXPECT_EQ(ReadFile(cell / "rounds.csv"), ReadFile(mine / "rounds.csv"));
    EXPECT_EQ(ReadFile(cell / "spec.yaml"), ReadFile(mine / "spec.yaml"));
    EXPECT_GT(ReadFile(cell / "rounds.csv").size(), 1000u);
  }
  // Seeds differ under noise: the two seeds of a combination do not share rounds.csv.
  EXPECT_NE(ReadFile(tmp.path() / "out/cells/prisoners_dilemma__hedge__seed-3/rounds.csv"),
            ReadFile(tmp.path() / "out/cells/prisoners_dilemma__hedge__seed-4/rounds.csv"));
  EXPECT_EQ(ReadFile(tmp.path() / "out/sweep.yaml"), kSweep);

  absl::StatusOr<std::vector<SweepIndexRow>> index = ReadSweepIndex(tmp.path() / "out/index.csv");
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->size(), 8u);
  const SweepIndexRow& row = (*index)[6];
  EXPECT_EQ(row.cell, "matching_pennies__bandit-hedge-epsilon0=0.5__seed-3");
  EXPECT_EQ(row.game, "matching_pennies");
  EXPECT_EQ(row.learner, "bandit-hedge-epsilon0=0.5");
  EXPECT_EQ(row.params, "epsilon0=0.5");
  EXPECT_EQ(row.seed, 3u);
  EXPECT_EQ(row.folder, "cells/matching_pennies__bandit-hedge-epsilon0=0.5__seed-3");
  EXPECT_EQ(row.status, "completed");
  EXPECT_EQ(row.rounds, 400);
  // regret: the mean over players of summary.json's final regret; max_regret the largest.
  const nlohmann::json summary =
      nlohmann::json::parse(ReadFile(tmp.path() / "out" / row.folder / "summary.json"));
  const double r0 = summary["players"][0]["regret"].get<double>();
  const double r1 = summary["players"][1]["regret"].get<double>();
  EXPECT_EQ(row.regret, (r0 + r1) / 2);
  EXPECT_EQ(row.max_regret, std::max(r0, r1));
  EXPECT_EQ(row.nash_gap, summary["nash_gap"].get<double>());
  EXPECT_EQ(row.seconds, summary["elapsed_seconds"].get<double>());
}

TEST(SweepRunner, ResumeSkipsFinishedCellsAndReplaysOnesCutShort) {
  TempDir tmp;
  Planned p = Plan(kSweep);
  const fs::path out = tmp.path() / "out";
  ASSERT_TRUE(RunSweep(p.sweep, p.plans, out, {.jobs = 2}).ok());
  // Every file of every cell gets an old mtime; a skipped cell must keep it.
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(24);
  std::map<fs::path, std::string> before;
  for (const auto& entry : fs::recursive_directory_iterator(out / "cells")) {
    if (entry.is_regular_file()) {
      fs::last_write_time(entry.path(), old_time);
      before[entry.path()] = ReadFile(entry.path());
    }
  }
  // Cell 2 was cut short before its summary.json; cell 5 before its rounds.csv was committed.
  const fs::path cut = out / "cells" / p.sweep.cells[2].id;
  fs::remove(cut / "summary.json");
  const fs::path partial = out / "cells" / p.sweep.cells[5].id;
  fs::remove(partial / "summary.json");
  fs::rename(partial / "rounds.csv", partial / ".partial-rounds.csv");
  WriteFile(partial / ".partial-rounds.csv", "round,nash_gap\n1,0.5\n");

  std::vector<SweepProgress> reports;
  absl::StatusOr<SweepOutcome> outcome =
      RunSweep(p.sweep, p.plans, out,
               {.jobs = 2, .progress = [&](const SweepProgress& s) { reports.push_back(s); }});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->ran, 2);
  EXPECT_EQ(outcome->skipped, 6);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().total, 8);
  EXPECT_EQ(reports.back().done, 8);
  EXPECT_EQ(reports.back().skipped, 6);
  EXPECT_EQ(reports.back().rounds_total, 800);
  EXPECT_EQ(reports.back().rounds_done, 800);
  int untouched = 0;
  for (size_t i = 0; i < p.sweep.cells.size(); ++i) {
    const fs::path dir = out / "cells" / p.sweep.cells[i].id;
    SCOPED_TRACE(dir.string());
    for (const char* name : {"spec.yaml", "rounds.csv", "summary.json"}) {
      ASSERT_TRUE(fs::exists(dir / name));
      const bool replayed = i == 2 || i == 5;
      EXPECT_EQ(fs::last_write_time(dir / name) == old_time, !replayed) << name;
      if (!replayed) ++untouched;
    }
    EXPECT_FALSE(fs::exists(dir / ".partial-rounds.csv"));
    // A replayed cell is the same run: the same bytes.
    EXPECT_EQ(ReadFile(dir / "rounds.csv"), before[dir / "rounds.csv"]);
  }
  EXPECT_EQ(untouched, 18);
  absl::StatusOr<std::vector<SweepIndexRow>> index = ReadSweepIndex(out / "index.csv");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->size(), 8u);

  // Everything finished: nothing runs.
  outcome = RunSweep(p.sweep, p.plans, out, {.jobs = 2});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->ran, 0);
  EXPECT_EQ(outcome->skipped, 8);
}

TEST(SweepRunner, RefusesAChangedSweepAndAFolderThatIsNotASweeps) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  Planned p = Plan(kSweep);
  ASSERT_TRUE(RunSweep(p.sweep, p.plans, out, {.jobs = 1}).ok());
  std::string changed = kSweep;
  changed.replace(changed.find("rounds: 400"), 11, "rounds: 500");
  Planned q = Plan(changed);
  const std::string index_before = ReadFile(out / "index.csv");
  absl::StatusOr<SweepOutcome> outcome = RunSweep(q.sweep, q.plans, out, {.jobs = 1});
  EXPECT_TRUE(absl::IsFailedPrecondition(outcome.status())) << outcome.status();
  EXPECT_EQ(outcome.status().message(),
            (out / "cells/prisoners_dilemma__hedge__seed-3/spec.yaml").string() +
                ": differs from the sweep's cell (the sweep file changed?); give a new --out");
  EXPECT_EQ(ReadFile(out / "sweep.yaml"), kSweep);  // nothing written
  EXPECT_EQ(ReadFile(out / "index.csv"), index_before);

  const fs::path other = tmp.path() / "other";
  fs::create_directories(other);
  WriteFile(other / "notes.txt", "mine");
  outcome = RunSweep(p.sweep, p.plans, other, {});
  EXPECT_TRUE(absl::IsFailedPrecondition(outcome.status())) << outcome.status();
  EXPECT_EQ(
      outcome.status().message(),
      other.string() + ": not empty and not a sweep's folder (no sweep.yaml); give a new --out");
  EXPECT_FALSE(fs::exists(other / "cells"));

  EXPECT_TRUE(absl::IsInvalidArgument(RunSweep(p.sweep, p.plans, out, {.jobs = -1}).status()));
}

TEST(SweepIndex, QuotesFieldsAndReadsBackExactly) {
  TempDir tmp;
  std::vector<SweepIndexRow> rows = {{.cell = "a",
                                      .game = "g,1",
                                      .learner = "l\"x",
                                      .params = "k=1;j=2",
                                      .seed = 5,
                                      .folder = "cells/a",
                                      .status = "completed",
                                      .rounds = 10,
                                      .regret = 0.1,
                                      .max_regret = 1.0 / 3,
                                      .nash_gap = kNaN,
                                      .empirical_nash_gap = 1e-300,
                                      .seconds = 2.5}};
  const std::string csv = SweepIndexCsv(rows);
  EXPECT_EQ(csv,
            "cell,game,learner,params,seed,folder,status,rounds,regret,max_regret,nash_gap,"
            "empirical_nash_gap,seconds\n"
            "a,\"g,1\",\"l\"\"x\",k=1;j=2,5,cells/a,completed,10,0.1,0.3333333333333333,nan,"
            "1e-300,2.5\n");
  WriteFile(tmp.path() / "index.csv", csv);
  absl::StatusOr<std::vector<SweepIndexRow>> back = ReadSweepIndex(tmp.path() / "index.csv");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].game, "g,1");
  EXPECT_EQ((*back)[0].learner, "l\"x");
  EXPECT_EQ((*back)[0].max_regret, 1.0 / 3);
  EXPECT_TRUE(std::isnan((*back)[0].nash_gap));
  WriteFile(tmp.path() / "bad.csv", csv + "b,g,l,,x,cells/b,completed,1,0,0,0,0,0\n");
  EXPECT_EQ(
      std::string(ReadSweepIndex(tmp.path() / "bad.csv").status().message()),
      (tmp.path() / "bad.csv").string() + ":3: seed: expected a non-negative integer, got 'x'");
}

}  // namespace
}  // namespace nashnet::server

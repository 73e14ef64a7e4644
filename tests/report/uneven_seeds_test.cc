// Seeds whose rounds.csv files differ (a stopped `run`, a record_every change) are aligned by
// round: each statistic over the seeds that recorded that round, and the page says how many.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/report/record_data.h"
#include "server/report/report.h"
#include "tests/report/report_test_util.h"

namespace nashnet::server {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// A two-seed prisoner's dilemma record (seeds 1 and 2) whose seed s recorded `rounds[s]`, every
// column of seed s at round t equal to (s + 1)·t.
void WriteTwoSeedRecord(const std::filesystem::path& dir,
                        const std::vector<std::vector<int>>& rounds) {
  const RunPlan plan =
      *PlanRun(*ParseRunSpecYaml("game: prisoners_dilemma\nlearner: hedge\nrounds: 100\n"
                                 "seed: 1\nseeds: 2\n"),
               ".");
  report_test::WriteText(dir / "spec.yaml", WriteRunSpecYaml(plan.spec));
  for (int s = 0; s < 2; ++s) {
    const std::filesystem::path seed_dir = dir / ("seed-" + std::to_string(s + 1));
    std::filesystem::create_directories(seed_dir);
    report_test::WriteText(
        seed_dir / "rounds.csv",
        report_test::MakeRoundsCsv(*plan.game, rounds[s], [&](const std::string&, size_t row) {
          return (s + 1.0) * rounds[s][row];
        }));
  }
}

std::vector<int> Range(int first, int last, int step = 1) {
  std::vector<int> out;
  for (int t = first; t <= last; t += step) out.push_back(t);
  return out;
}

TEST(UnevenSeeds, AStoppedSeedCountsUpToItsLastRound) {
  report_test::TempDir tmp;
  // Seed 1 ran 100 rounds, seed 2 stopped after 40.
  WriteTwoSeedRecord(tmp.path(), {Range(1, 100), Range(1, 40)});
  absl::StatusOr<RecordData> data = LoadRecord(tmp.path(), 1000);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_FALSE(data->same_rounds);
  EXPECT_EQ(data->total_rows, 100);
  const std::vector<int> all = Range(1, 100);
  EXPECT_THAT(data->rounds, ElementsAreArray(std::vector<double>(all.begin(), all.end())));
  const ColumnStats gap = data->Column("nash_gap");
  ASSERT_EQ(gap.median.size(), 100u);
  // Round 40: both seeds (40 and 80), median = their mean 60, min 40, max 80.
  EXPECT_EQ(gap.median[39], 60.0);
  EXPECT_EQ(gap.min[39], 40.0);
  EXPECT_EQ(gap.max[39], 80.0);
  // Round 41 on: seed 1 alone.
  EXPECT_EQ(gap.median[40], 41.0);
  EXPECT_EQ(gap.max[99], 100.0);
  EXPECT_EQ(data->seeds_at[39], 2);
  EXPECT_EQ(data->seeds_at[40], 1);
  EXPECT_EQ(data->SeedsPerRound(), "rounds 1–40: 2 seeds; rounds 41–100: 1 seed");

  absl::StatusOr<std::string> html = RenderReport(tmp.path(), {});
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_THAT(*html, HasSubstr("The seeds recorded different rounds (seed 1: 100 rows, seed 2: "
                               "40 rows)"));
  EXPECT_THAT(*html, HasSubstr("<th>seeds per round</th><td>rounds 1–40: 2 seeds; rounds "
                               "41–100: 1 seed</td>"));
  EXPECT_EQ(report_test::Count(*html, "<svg class=\"chart\""), 5);
}

TEST(UnevenSeeds, ARecordEveryChangeMeetsAtTheCommonRounds) {
  report_test::TempDir tmp;
  // Seed 1 recorded every round, seed 2 round 1, every 10th and the last (as record_every 10).
  std::vector<int> sparse = {1};
  for (int t = 10; t <= 100; t += 10) sparse.push_back(t);
  WriteTwoSeedRecord(tmp.path(), {Range(1, 100), sparse});
  absl::StatusOr<RecordData> data = LoadRecord(tmp.path(), 1000);
  ASSERT_TRUE(data.ok()) << data.status();
  // Rounds 2..9 etc. were recorded by seed 1 only although seed 2 covers them: left out.
  EXPECT_THAT(data->rounds, ElementsAre(1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100));
  EXPECT_EQ(data->SeedsPerRound(), "");                  // both seeds at every plotted round
  EXPECT_EQ(data->Column("p0_regret").median[2], 30.0);  // round 20: 20 and 40
  // The spec line reports the longest file.
  EXPECT_THAT(*RenderReport(tmp.path(), {}), HasSubstr("100 (100 recorded, every 1; 11 plotted)"));
}

TEST(UnevenSeeds, ThinningKeepsTheAlignmentOnLongFiles) {
  report_test::TempDir tmp;
  // 5000 and 3000 rows thinned to about 50 plotted rounds: every plotted round up to 3000 has both
  // seeds, with seed 2's value exactly twice seed 1's (no interpolation).
  WriteTwoSeedRecord(tmp.path(), {Range(1, 5000), Range(1, 3000)});
  absl::StatusOr<RecordData> data = LoadRecord(tmp.path(), 50);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_LE(data->rounds.size(), 52u);  // SelectRows: first, last and 2 × 25
  EXPECT_EQ(data->rounds.front(), 1.0);
  EXPECT_EQ(data->rounds.back(), 5000.0);
  const ColumnStats gap = data->Column("nash_gap");
  for (size_t k = 0; k < data->rounds.size(); ++k) {
    const double t = data->rounds[k];
    SCOPED_TRACE(t);
    EXPECT_EQ(data->seeds_at[k], t <= 3000 ? 2 : 1);
    EXPECT_EQ(gap.max[k], t <= 3000 ? 2 * t : t);
    EXPECT_EQ(gap.min[k], t);
  }
}

TEST(UnevenSeeds, SameRowCountsButDifferentRoundsAreAlignedToo) {
  report_test::TempDir tmp;
  // Equal row counts are not enough: seed 2 recorded rounds 2, 4, ..., 20 and seed 1 1..10.
  WriteTwoSeedRecord(tmp.path(), {Range(1, 10), Range(2, 20, 2)});
  absl::StatusOr<RecordData> data = LoadRecord(tmp.path(), 1000);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_FALSE(data->same_rounds);
  // Round 1 before seed 2's first; 3, 5, 7, 9 lack seed 2 inside its range: left out.
  EXPECT_THAT(data->rounds, ElementsAre(1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20));
  EXPECT_EQ(data->SeedsPerRound(), "round 1: 1 seed; rounds 2–10: 2 seeds; rounds 12–20: 1 seed");
}

TEST(UnevenSeeds, ASeedWithoutRoundsCsvIsLeftOutAndNamed) {
  report_test::TempDir tmp;
  WriteTwoSeedRecord(tmp.path(), {Range(1, 30), Range(1, 30)});
  std::filesystem::remove(tmp.path() / "seed-2" / "rounds.csv");  // stopped before closing it
  absl::StatusOr<std::string> html = RenderReport(tmp.path(), {});
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_THAT(*html, HasSubstr("<td>1 (seed 1); without rounds.csv: 2</td>"));
  EXPECT_THAT(*html, HasSubstr("No rounds.csv for seed 2 (the run stopped before recording it)"));
  // With no seed left it is an error naming the first seed's file.
  std::filesystem::remove(tmp.path() / "seed-1" / "rounds.csv");
  const absl::Status none = RenderReport(tmp.path(), {}).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(none.message(), HasSubstr("seed-1/rounds.csv: cannot read the file, nor any other"));
}

}  // namespace
}  // namespace nashnet::server

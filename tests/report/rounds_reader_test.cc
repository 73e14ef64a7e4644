// The strict rounds.csv reader: the record's header exactly, every row whole and numeric, rounds
// increasing, errors naming file:line; big files thinned to exact rows.
#include "server/report/rounds_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/report/report_test_util.h"

namespace nashnet::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kHeader[] = "round,nash_gap,p0_regret";

TEST(RoundsReader, KeepsEveryRowOfASmallFileWithNaN) {
  absl::StatusOr<RoundsTable> t =
      ParseRoundsCsv("round,nash_gap,p0_regret\n1,0.5,nan\n2,0.25,1e-3\n", "r.csv", kHeader, 1000);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->total_rows, 2);
  EXPECT_THAT(*t->Find("round"), ElementsAre(1.0, 2.0));
  EXPECT_THAT(*t->Find("nash_gap"), ElementsAre(0.5, 0.25));
  EXPECT_TRUE(std::isnan((*t->Find("p0_regret"))[0]));
  EXPECT_EQ((*t->Find("p0_regret"))[1], 1e-3);
  EXPECT_EQ(t->Find("nope"), nullptr);
}

TEST(RoundsReader, AHeaderOtherThanTheRecordsNamesTheColumn) {
  absl::StatusOr<RoundsTable> t =
      ParseRoundsCsv("round,nash_gap,p1_regret\n1,0,0\n", "r.csv", kHeader, 1000);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "r.csv:1: header does not match the record's columns: column 3 is 'p1_regret', "
            "expected 'p0_regret'");
  EXPECT_THAT(ParseRoundsCsv("round,nash_gap\n", "r.csv", kHeader, 1000).status().message(),
              HasSubstr("r.csv:1: header does not match the record's columns: column 3 is "
                        "'(nothing)'"));
}

TEST(RoundsReader, RaggedJunkAndUnorderedRowsNameTheirLine) {
  auto message = [](const std::string& rows) {
    return std::string(ParseRoundsCsv(std::string(kHeader) + "\n" + rows, "r.csv", kHeader, 1000)
                           .status()
                           .message());
  };
  EXPECT_EQ(message("1,0,0\n2,0\n"), "r.csv:3: 2 fields, expected 3");
  EXPECT_EQ(message("1,0,0,0\n"), "r.csv:2: more than 3 fields, expected 3");
  EXPECT_EQ(message("1,0,0\n2,x,0\n"), "r.csv:3: column nash_gap: expected a number, got 'x'");
  EXPECT_EQ(message("1,0,0\n2,0.5e,0\n"),
            "r.csv:3: column nash_gap: expected a number, got '0.5e'");
  EXPECT_EQ(message("5,0,0\n3,0,0\n"),
            "r.csv:3: round 3 does not follow round 5 (rounds must "
            "increase)");
  EXPECT_EQ(message(""), "r.csv:2: no rounds (only the header)");
  EXPECT_EQ(std::string(ParseRoundsCsv("", "r.csv", kHeader, 1000).status().message()),
            "r.csv:1: empty file, expected the header");
}

TEST(RoundsReader, AMissingFileIsNotFoundNamingIt) {
  absl::StatusOr<RoundsTable> t = ReadRoundsCsv("/nonexistent/rounds.csv", kHeader, 1000);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(), HasSubstr("/nonexistent/rounds.csv: cannot read"));
}

TEST(RoundsReader, FileErrorsNameTheFileAndLine) {
  report_test::TempDir tmp;
  const std::filesystem::path path = tmp.path() / "rounds.csv";
  report_test::WriteText(path, std::string(kHeader) + "\n1,0,0\n2,0,0\n3,0\n");
  EXPECT_EQ(ReadRoundsCsv(path, kHeader, 1000).status().message(),
            path.string() + ":4: 2 fields, expected 3");
}

TEST(SelectRows, KeepsAllSmallFilesAndAboutMaxPointsOfBigOnes) {
  EXPECT_THAT(SelectRows(4, 1000), ElementsAre(0, 1, 2, 3));
  const std::vector<int64_t> rows = SelectRows(1'000'000, 1000);
  EXPECT_LE(rows.size(), 1002u);
  EXPECT_GE(rows.size(), 850u);  // the halves overlap only in the first ~35 rows
  EXPECT_EQ(rows.front(), 0);
  EXPECT_EQ(rows.back(), 999'999);
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
  // The log-spaced half keeps the early rounds a stride alone would skip.
  EXPECT_THAT(std::vector<int64_t>(rows.begin(), rows.begin() + 5), ElementsAre(0, 1, 2, 3, 4));
}

TEST(RoundsReader, ThinsABigFileToExactRows) {
  report_test::TempDir tmp;
  std::string text = std::string(kHeader) + "\n";
  for (int r = 1; r <= 20000; ++r) {
    text += std::to_string(r) + "," + std::to_string(r * 0.5) + ",0\n";
  }
  report_test::WriteText(tmp.path() / "rounds.csv", text);
  absl::StatusOr<RoundsTable> t = ReadRoundsCsv(tmp.path() / "rounds.csv", kHeader, 100);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->total_rows, 20000);
  EXPECT_EQ(t->kept_rows, SelectRows(20000, 100));
  for (int64_t k = 0; k < t->rows(); ++k) {
    EXPECT_EQ((*t->Find("round"))[k], t->kept_rows[k] + 1.0);
    EXPECT_EQ((*t->Find("nash_gap"))[k], (t->kept_rows[k] + 1.0) * 0.5);
  }
}

TEST(RoundsReader, ReadsChosenRoundsAndChecksEveryRowAnyway) {
  report_test::TempDir tmp;
  const std::filesystem::path file = tmp.path() / "rounds.csv";
  report_test::WriteText(file, std::string(kHeader) + "\n1,0.5,0\n4,0.25,1\n8,0.125,2\n9,0,3\n");
  EXPECT_THAT(*ReadRecordedRounds(file), ElementsAre(1.0, 4.0, 8.0, 9.0));
  // Round 5 is not in the file: skipped; kept_rows are the file's row numbers.
  const std::vector<double> want = {4, 5, 9};
  absl::StatusOr<RoundsTable> t = ReadRoundsCsvAtRounds(file, kHeader, want);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->total_rows, 4);
  EXPECT_THAT(*t->Find("round"), ElementsAre(4.0, 9.0));
  EXPECT_THAT(*t->Find("nash_gap"), ElementsAre(0.25, 0.0));
  EXPECT_THAT(t->kept_rows, ElementsAre(1, 3));
  // A bad row that is not kept is still an error.
  report_test::WriteText(file, std::string(kHeader) + "\n1,0.5,0\n2,x,1\n4,0,0\n");
  EXPECT_THAT(ReadRoundsCsvAtRounds(file, kHeader, want).status().message(),
              HasSubstr("rounds.csv:3: column nash_gap: expected a number, got 'x'"));
  EXPECT_EQ(ReadRecordedRounds(tmp.path() / "none.csv").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nashnet::server

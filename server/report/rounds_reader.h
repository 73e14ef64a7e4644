// RoundsTable: a run record's rounds.csv (run_record.h) read back, strictly, for the report.
//
// The header must be exactly the record's columns (RoundsCsvHeader of the spec's game); every row
// must have as many fields as the header, each a number (`nan` allowed), rounds increasing.
// Errors are InvalidArgument / NotFound with "file:line: what".
//
// Big files are thinned while reading: every row is checked, but only the rows SelectRows picks
// are kept (first, last, ~half evenly spaced by row index, ~half spaced evenly in log(row)), so a
// 10^6-row file costs ~1000 rows of memory and the kept values are exact (no averaging).
//
//   NASHNET_ASSIGN_OR_RETURN(RoundsTable t, ReadRoundsCsv(dir / "rounds.csv", header, 1000));
//   const std::vector<double>* gap = t.Find("nash_gap");
//
// Seeds that recorded different rounds are re-read at chosen rounds (ReadRecordedRounds, then
// ReadRoundsCsvAtRounds); that path holds one seed's round column in memory.
//
// Thread safety: free functions, no shared state; a RoundsTable is a value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace nashnet::server {

struct RoundsTable {
  std::vector<std::string> columns;
  // values[c][k]: column c at the k-th kept row.
  std::vector<std::vector<double>> values;
  // Row numbers (0-based, header excluded) of the kept rows, increasing.
  std::vector<int64_t> kept_rows;
  // Rows in the file.
  int64_t total_rows = 0;

  // The column named `name`, or null.
  [[nodiscard]] const std::vector<double>* Find(std::string_view name) const;
  [[nodiscard]] int64_t rows() const { return static_cast<int64_t>(kept_rows.size()); }
};

// The rows to keep out of `total_rows` for about `max_points` points: all of them when
// total_rows <= max_points, else row 0, the last row, max_points/2 rows at an even stride and
// max_points/2 rows evenly spaced in log(row + 1), merged (increasing, no duplicates).
[[nodiscard]] std::vector<int64_t> SelectRows(int64_t total_rows, int max_points);

// Parses rounds.csv text; `source_name` prefixes errors. `expected_header` is the record's header
// line (no newline). max_points <= 0 keeps every row.
[[nodiscard]] absl::StatusOr<RoundsTable> ParseRoundsCsv(std::string_view text,
                                                         std::string_view source_name,
                                                         std::string_view expected_header,
                                                         int max_points);

// Reads the file (NotFound "file: cannot read ..." if missing) and parses it as above, streaming.
[[nodiscard]] absl::StatusOr<RoundsTable> ReadRoundsCsv(const std::filesystem::path& path,
                                                        std::string_view expected_header,
                                                        int max_points);

// As ReadRoundsCsv, but keeps exactly the rows whose round is in `rounds` (increasing); rounds the
// file lacks are skipped. Used to align seeds that recorded different rounds (record_data.h).
[[nodiscard]] absl::StatusOr<RoundsTable> ReadRoundsCsvAtRounds(const std::filesystem::path& path,
                                                                std::string_view expected_header,
                                                                std::span<const double> rounds);

// Every round of the file (its first column, header skipped), increasing. Only the first field
// of each line is read: call it on a file ReadRoundsCsv has already accepted.
[[nodiscard]] absl::StatusOr<std::vector<double>> ReadRecordedRounds(
    const std::filesystem::path& path);

}  // namespace nashnet::server

// Helpers for the report tests: temporary folders, file I/O and in-process run records.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "server/simulation.h"
#include "tests/test_files.h"

namespace nashnet::server::report_test {

inline std::string ReadText(const std::filesystem::path& path) { return test::ReadFile(path); }
inline void WriteText(const std::filesystem::path& path, const std::string& text) {
  test::WriteFile(path, text);
}
using test::TempDir;

// Simulates every seed of the run file text `yaml` into the record folder `dir`, as `simulate`.
inline void SimulateRecord(const std::string& yaml, const std::filesystem::path& dir) {
  absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(yaml);
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<RunPlan> plan = PlanRun(*spec, ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::StatusOr<RunRecord> record = RunRecord::Create(dir, plan->spec);
  ASSERT_TRUE(record.ok()) << record.status();
  std::vector<RunSummary> summaries;
  for (int i = 0; i < plan->spec.seeds(); ++i) {
    const uint64_t seed = plan->spec.seed() + i;
    auto rounds = record->OpenRounds(seed, plan->game);
    ASSERT_TRUE(rounds.ok()) << rounds.status();
    absl::StatusOr<RunSummary> summary = Simulate(*plan, seed, rounds->get(), {});
    ASSERT_TRUE(summary.ok()) << summary.status();
    ASSERT_TRUE(record->CommitSeed(seed, rounds->get(), *summary).ok());
    summaries.push_back(*summary);
  }
  if (record->multi_seed()) {
    ASSERT_TRUE(record->CommitAggregate(summaries).ok());
  }
}

// A rounds.csv for `game` with one row per entry of `rounds`: the "round" column is the round,
// every other column value(column, row index) printed with %.17g (or "nan" for NaN).
template <typename Value>
std::string MakeRoundsCsv(const games::Game& game, const std::vector<int>& rounds, Value value) {
  const std::string header = RoundsCsvHeader(game);
  std::vector<std::string> columns;
  for (size_t start = 0;;) {
    const size_t comma = header.find(',', start);
    columns.push_back(header.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::string csv = header + "\n";
  for (size_t r = 0; r < rounds.size(); ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c > 0) csv += ",";
      if (columns[c] == "round") {
        csv += std::to_string(rounds[r]);
        continue;
      }
      const double v = value(columns[c], r);
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", v);
      csv += std::isnan(v) ? std::string("nan") : std::string(buffer);
    }
    csv += "\n";
  }
  return csv;
}

// How many times `needle` occurs in `text`.
inline int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace nashnet::server::report_test

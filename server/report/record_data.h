// RecordData: a run record loaded for the report (report.h) — the spec and plan, every seed's
// thinned rounds.csv, order statistics over seeds per column, and summary.json.
//
// Thread safety: a value; built by one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/record/run_file.h"
#include "server/report/rounds_reader.h"
#include "server/simulation.h"

namespace nashnet::server {

// One column over seeds, per kept row. With one seed every statistic is the value itself.
struct ColumnStats {
  std::vector<double> median, p25, p75, min, max;
};

struct RecordData {
  RunFile file;
  RunPlan plan;
  std::vector<uint64_t> seeds;
  bool multi_seed = false;
  std::vector<double> rounds;  // the round of every kept row
  int64_t total_rows = 0;
  std::vector<RoundsTable> tables;  // one per seed, same kept rows
  nlohmann::json summary;           // null when summary.json is missing
  std::string summary_note;         // why it is missing, if it is

  // Statistics of column `name` over seeds; empty vectors when there is no such column.
  [[nodiscard]] ColumnStats Column(std::string_view name) const;
};

// Loads `dir`; errors as RenderReport's.
[[nodiscard]] absl::StatusOr<RecordData> LoadRecord(const std::filesystem::path& dir,
                                                    int max_points);

}  // namespace nashnet::server

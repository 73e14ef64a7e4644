// RecordData: a run record loaded for the report (report.h) — the spec and plan, every seed's
// thinned rounds.csv, order statistics over seeds per column, and summary.json.
//
// Seeds may have recorded different rounds (a stopped `run`, a record_every change). The plotted
// rounds are then chosen from the rounds some seed recorded, keeping a round only when every seed
// whose recorded range [first, last] covers it recorded it (so a stopped seed drops out after its
// last round, and seeds recorded every 1 and every 10 rounds meet at every 10th); each statistic
// at a round is over the seeds that recorded it (`seeds_at`). A seed of a several-seed record
// with no rounds.csv at all (the run stopped before closing it) is left out (`missing_seeds`).
//
//   NASHNET_ASSIGN_OR_RETURN(RecordData data, LoadRecord("runs/pd", 1000));
//   ColumnStats gap = data.Column("nash_gap");   // median, p25, ... per data.rounds entry
//
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
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
  std::vector<uint64_t> seeds;          // the seeds read, one per entry of `tables`
  std::vector<uint64_t> missing_seeds;  // seeds of the spec without a rounds.csv (left out)
  bool multi_seed = false;
  std::vector<double> rounds;       // the plotted rounds
  int64_t total_rows = 0;           // rows of the longest rounds.csv
  std::vector<RoundsTable> tables;  // one per seed
  // row_of[s][k]: the row of tables[s] at rounds[k], or -1 when seed s did not record it.
  std::vector<std::vector<int>> row_of;
  std::vector<int> seeds_at;  // per rounds[k]: how many seeds recorded it
  bool same_rounds = true;    // every seed recorded the same rounds (row_of[s][k] == k)
  nlohmann::json summary;     // null when summary.json is missing
  std::string summary_note;   // why it is missing, if it is

  // Statistics of column `name` over the seeds that recorded each plotted round; empty vectors
  // when there is no such column.
  [[nodiscard]] ColumnStats Column(std::string_view name) const;

  // "" when every seed recorded every plotted round; else e.g. "rounds 1–500: 3 seeds; rounds
  // 510–1000: 2 seeds".
  [[nodiscard]] std::string SeedsPerRound() const;
};

// Loads `dir`; errors as RenderReport's.
[[nodiscard]] absl::StatusOr<RecordData> LoadRecord(const std::filesystem::path& dir,
                                                    int max_points);

}  // namespace nashnet::server

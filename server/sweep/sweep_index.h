// A sweep's index: OUT/index.csv, one row per cell (sweep_file.h), in the sweep file's order.
//
//   cell,game,learner,params,seed,folder,status,rounds,regret,max_regret,nash_gap,
//   empirical_nash_gap,seconds
//
// `folder` is relative to OUT (cells/<cell id>); `status` is summary.json's status ("completed"),
// or "failed" / "missing" when the cell has no summary.json; `regret` is the mean over players of
// the final static regret R_i(T), `max_regret` the largest; `seconds` is the cell's wall-clock
// elapsed_seconds. Numbers are number_text.h's shortest exact text ("nan" when unknown). Fields
// with a comma, quote or newline are double-quoted (RFC 4180); `params` is "k=v;k=v".
//
//   NASHNET_ASSIGN_OR_RETURN(std::vector<SweepIndexRow> rows, ReadSweepIndex(out / "index.csv"));
//
// Thread safety: free functions; rows are values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/round_metrics.h"

namespace nashnet::server {

struct SweepIndexRow {
  std::string cell;
  std::string game;
  std::string learner;
  std::string params;
  uint64_t seed = 0;
  std::string folder;
  std::string status;
  int64_t rounds = 0;
  double regret = kNaN;
  double max_regret = kNaN;
  double nash_gap = kNaN;
  double empirical_nash_gap = kNaN;
  double seconds = kNaN;
};

// Fills status, rounds and the metrics of `row` from a cell's summary.json.
void FillFromSummary(const nlohmann::json& summary, SweepIndexRow* row);

// The header line and one line per row (each with its newline).
[[nodiscard]] std::string SweepIndexCsv(const std::vector<SweepIndexRow>& rows);

// Reads index.csv back; InvalidArgument "file:line: what" for a malformed one, NotFound if absent.
[[nodiscard]] absl::StatusOr<std::vector<SweepIndexRow>> ReadSweepIndex(
    const std::filesystem::path& path);

}  // namespace nashnet::server

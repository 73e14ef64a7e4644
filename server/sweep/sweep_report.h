// The report of a sweep's folder (sweep_runner.h): one self-contained HTML page (inline SVG, no
// script needed to view it) comparing the learners.
//
//   1. a table, one row per (game, learner): seeds, and for the final regret (mean over players
//      of R_i(T)), the final Nash gap, the wall-clock seconds and the fitted regret exponent
//      (log-log slope of R(t), sweep_compare.h) the median over seeds with its confidence
//      interval [lo, hi] and that interval's coverage; next to the exponent, the learner's
//      theoretical α (../shared/ALGORITHMS.md via theory.h);
//   2. per game, one chart of R(t) (mean over players), log-log, one line per learner (median over
//      seeds) with its p25–p75 band, and a dashed line per distinct theoretical rate T^α anchored
//      at the largest final median among the learners with that rate.
//
//   NASHNET_ASSIGN_OR_RETURN(std::string html, RenderSweepReport("runs/s", {}));
//
// Thread safety: free functions.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/report/report.h"

namespace nashnet::server {

// True if `dir` holds a sweep's index.csv (and is not a run record: no spec.yaml).
[[nodiscard]] bool IsSweepFolder(const std::filesystem::path& dir);

// Errors as CompareSweep's (sweep_compare.h).
[[nodiscard]] absl::StatusOr<std::string> RenderSweepReport(const std::filesystem::path& dir,
                                                            const ReportOptions& options);

// Renders and writes `out` atomically (its folder created if needed). AlreadyExists if `out`
// exists and !overwrite.
[[nodiscard]] absl::Status WriteSweepReport(const std::filesystem::path& dir,
                                            const std::filesystem::path& out,
                                            const ReportOptions& options, bool overwrite);

}  // namespace nashnet::server

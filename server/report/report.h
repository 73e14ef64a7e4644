// RenderReport: a run record (run_record.h; from `nashnet simulate` or `nashnet run`, one seed or
// many) as one self-contained HTML page with inline SVG charts — no network access, no external
// file, nothing fetched.
//
// The page: a header with the spec (game, players, feedback, rounds, seeds, learners) and the
// summary table (summary.json; medians [p25, p75] with several seeds), then
//   1. regret R_i(t) per player, log-log, with a dashed line of the theory's slope T^α
//      (theory.h) anchored at the last point of the player with the largest final regret;
//   2. average regret R_i(t)/t per player (log t);
//   3. Nash gap, empirical Nash gap and distance to equilibrium (log scale) against
//      Γ_t = Σ_{s≤t} γ_s of player 0's step schedule (said so on the chart when the players'
//      schedules differ), or against t (log) when player 0's learner has no γ_t;
//   4. one chart per player of its strategy x_i(t) (finite games) or played point z_i(t)
//      (continuous games), against log t;
// with several seeds, every line is the median over seeds with shaded p25–p75 and min–max bands.
// Seeds that recorded different rounds (a stopped `run`, a record_every change) are aligned by
// round, each statistic over the seeds that recorded that round; the page then says how many
// seeds each stretch of rounds has (record_data.h).
// The convergence chart also gets P1's reference (ALGORITHMS.md): when the game is finite, γ_t is
// known, and the run ends within kNearEquilibrium (L1) of a strict pure equilibrium a* (the argmax
// of the final median strategies), a dashed line of slope −Δ in (Γ_t, ln ‖x − a*‖₁), with Δ that
// equilibrium's payoff gap, through the median distance where it first drops below
// kNearEquilibrium, to the last round.
// The first `max_players` players and `max_actions` actions get lines (said on the chart when
// more exist). Big rounds.csv files are thinned to ~max_points rows (rounds_reader.h: stride plus
// log-spaced rows, exact values at the kept rows). A few lines of inline script, run once at
// the end of the page, measure each chart's lines and write the counts into <body data-*>
// (data-charts, data-drawn-charts, data-drawn-series): a self-check that tests read with
// headless Chromium; the charts themselves need no script.
//
//   NASHNET_ASSIGN_OR_RETURN(std::string html, RenderReport("runs/pd", {}));
//
// Thread safety: free functions; concurrent calls on different records are safe.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet::server {

// L1 distance to a* below which the run counts as near it: the −Δ line's condition and anchor.
inline constexpr double kNearEquilibrium = 0.1;

struct ReportOptions {
  // Rows kept per rounds.csv (>= 10).
  int max_points = 1000;
  // Players drawn in the per-player charts (>= 1).
  int max_players = 8;
  // Actions / coordinates drawn per strategy chart (>= 1), the largest final ones.
  int max_actions = 10;

  [[nodiscard]] absl::Status Validate() const;
};

// Errors: NotFound naming the missing file (spec.yaml, rounds.csv of a one-seed record or of
// every seed; a several-seed record missing only some is drawn without them); InvalidArgument
// "file:line: what" for a malformed spec.yaml or rounds.csv.
// A missing summary.json is not an error (an unfinished run): the page says so.
[[nodiscard]] absl::StatusOr<std::string> RenderReport(const std::filesystem::path& dir,
                                                       const ReportOptions& options);

// Renders and writes `out` (atomically), creating its folder if needed. AlreadyExists if `out`
// exists and !overwrite.
[[nodiscard]] absl::Status WriteReport(const std::filesystem::path& dir,
                                       const std::filesystem::path& out,
                                       const ReportOptions& options, bool overwrite);

}  // namespace nashnet::server

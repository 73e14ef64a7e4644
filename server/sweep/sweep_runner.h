// RunSweep: every cell of a sweep (sweep_file.h) played in-process on a pool of threads, into one
// output folder:
//
//   OUT/sweep.yaml               the sweep file's text
//   OUT/cells/<cell id>/         the cell's run record, exactly as `nashnet simulate` of the cell's
//                                spec writes it (spec.yaml, rounds.csv, summary.json; run_record.h)
//   OUT/index.csv                one row per cell (sweep_index.h), written last
//
// Each cell runs on one thread (RunRecord::Create, OpenRounds, Simulate, CommitSeed: simulate's
// steps; or options.play_cell, e.g. as a game on a coordinator: cli/sweep_coordinators.h), so a
// cell's rounds.csv and spec.yaml equal `nashnet simulate cells/<id>/spec.yaml`'s byte for byte.
// Resumable: a cell whose folder holds summary.json is finished and skipped (its spec.yaml must
// equal the cell's spec: FailedPrecondition otherwise, as the sweep file changed); a folder without
// it (a cell cut short) is removed and the cell played again. OUT must be new, empty, or a sweep's
// folder (it holds sweep.yaml): FailedPrecondition otherwise. A cell that fails is reported in its
// outcome and the index ("failed"); the others still run.
//
//   NASHNET_ASSIGN_OR_RETURN(SweepFile sweep, ReadSweepFile(path));
//   NASHNET_ASSIGN_OR_RETURN(std::vector<RunPlan> plans, PlanSweep(sweep));
//   NASHNET_ASSIGN_OR_RETURN(SweepOutcome outcome, RunSweep(sweep, plans, "runs/s", {.jobs = 2}));
//
// Thread safety: RunSweep starts and joins its own workers; `progress` runs on the calling thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/simulation.h"
#include "server/sweep/sweep_file.h"
#include "server/sweep/sweep_index.h"

namespace nashnet::server {

// Where a sweep stands, for a progress line.
struct SweepProgress {
  int total = 0;    // cells in the sweep
  int done = 0;     // finished: played, skipped or failed
  int skipped = 0;  // finished before this run (resumed)
  int failed = 0;
  int64_t rounds_total = 0;  // rounds of the cells this run plays
  int64_t rounds_done = 0;
  double elapsed_seconds = 0.0;
};

// Plays cell `cell` (its plan `plan`) into the new folder `dir`, leaving the record a finished
// cell has (spec.yaml, rounds.csv, summary.json written last); calls `on_rounds(n)` as rounds are
// played (n may be negative: a cell started again takes its rounds back). Called from the
// workers, several at once.
using SweepCellPlayer =
    std::function<absl::Status(int cell, const RunPlan& plan, const std::filesystem::path& dir,
                               const std::function<void(int64_t)>& on_rounds)>;

struct SweepRunOptions {
  // Worker threads; 0 = one per core (std::thread::hardware_concurrency()).
  int jobs = 0;
  // How a cell is played; empty = in-process, as `nashnet simulate` (each cell on its worker).
  SweepCellPlayer play_cell;
  // Called on the calling thread about every `progress_interval_ms` and once at the end (may be
  // empty).
  std::function<void(const SweepProgress&)> progress;
  int progress_interval_ms = 100;

  [[nodiscard]] absl::Status Validate() const;
};

struct SweepOutcome {
  std::vector<SweepIndexRow> rows;     // index.csv's rows, in cell order
  std::vector<absl::Status> failures;  // per cell: OK, or why it failed
  int ran = 0;
  int skipped = 0;
  int failed = 0;
};

// `plans[i]` is PlanSweep's plan of `sweep.cells[i]`.
[[nodiscard]] absl::StatusOr<SweepOutcome> RunSweep(const SweepFile& sweep,
                                                    const std::vector<RunPlan>& plans,
                                                    const std::filesystem::path& out,
                                                    const SweepRunOptions& options);

}  // namespace nashnet::server

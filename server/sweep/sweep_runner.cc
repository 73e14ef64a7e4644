#include "server/sweep/sweep_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/record/run_file.h"
#include "server/record/run_record.h"

namespace nashnet::server {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// OUT is new, empty or a sweep's folder.
absl::Status CheckOutDir(const fs::path& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return absl::OkStatus();
  if (!fs::is_directory(out, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(out.string(), ": exists and is not a folder"));
  }
  if (fs::is_empty(out, ec) || fs::exists(out / "sweep.yaml", ec)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      out.string(), ": not empty and not a sweep's folder (no sweep.yaml); give a new --out"));
}

// Plays one cell exactly as `nashnet simulate` plays a one-seed spec.
absl::Status PlayCell(const RunPlan& plan, const fs::path& dir,
                      const std::function<void(int64_t)>& on_rounds) {
  NASHNET_ASSIGN_OR_RETURN(RunRecord record, RunRecord::Create(dir, plan.spec));
  const uint64_t seed = plan.spec.seed();
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<RoundsCsvWriter> csv,
                           record.OpenRounds(seed, plan.game));
  SimulateOptions options;
  const int64_t rounds = plan.spec.rounds();
  options.progress_every = std::clamp<int64_t>(rounds / 20, 1, 10000);
  int64_t reported = 0;
  options.progress = [&](int64_t done) {
    on_rounds(done - reported);
    reported = done;
  };
  absl::StatusOr<RunSummary> summary = Simulate(plan, seed, csv.get(), options);
  on_rounds(rounds - reported);
  if (!summary.ok()) return summary.status();
  return record.CommitSeed(seed, csv.get(), *summary);
}

// The index row's numbers from the cell's summary.json.
absl::Status FillRow(const fs::path& dir, SweepIndexRow* row) {
  const fs::path summary = dir / "summary.json";
  nlohmann::json json = nlohmann::json::parse(ReadText(summary), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::DataLossError(absl::StrCat(summary.string(), ": not a summary.json"));
  }
  FillFromSummary(json, row);
  return absl::OkStatus();
}

}  // namespace

absl::Status SweepRunOptions::Validate() const {
  if (jobs < 0) return absl::InvalidArgumentError("jobs: must be >= 0 (0 = one per core)");
  if (progress_interval_ms < 1) {
    return absl::InvalidArgumentError("progress_interval_ms: must be >= 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<SweepOutcome> RunSweep(const SweepFile& sweep, const std::vector<RunPlan>& plans,
                                      const fs::path& out, const SweepRunOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  if (plans.size() != sweep.cells.size()) {
    return absl::InvalidArgumentError("RunSweep: one plan per cell expected");
  }
  NASHNET_RETURN_IF_ERROR(CheckOutDir(out));
  const int n = static_cast<int>(sweep.cells.size());
  SweepOutcome outcome;
  outcome.rows.resize(n);
  outcome.failures.resize(n);
  std::vector<int> todo;
  SweepProgress progress{.total = n};
  std::error_code ec;
  // Finished cells first: a changed sweep file must stop us before anything is written.
  for (int i = 0; i < n; ++i) {
    const SweepCell& cell = sweep.cells[i];
    SweepIndexRow& row = outcome.rows[i];
    row = {.cell = cell.id,
           .game = cell.game_label,
           .learner = cell.learner_label,
           .params = cell.params,
           .seed = cell.seed,
           .folder = absl::StrCat("cells/", cell.id)};
    const fs::path dir = out / row.folder;
    if (fs::exists(dir / "summary.json", ec)) {
      if (ReadText(dir / "spec.yaml") != WriteRunSpecYaml(plans[i].spec)) {
        return absl::FailedPreconditionError(absl::StrCat(
            (dir / "spec.yaml").string(),
            ": differs from the sweep's cell (the sweep file changed?); give a new --out"));
      }
      if (absl::Status read = FillRow(dir, &row); !read.ok()) {
        outcome.failures[i] = read;  // a finished cell whose summary cannot be read
      }
      ++outcome.skipped;
    } else {
      todo.push_back(i);
      progress.rounds_total += plans[i].spec.rounds();
    }
  }
  progress.skipped = progress.done = outcome.skipped;
  fs::create_directories(out / "cells", ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", (out / "cells").string(), ": ", ec.message()));
  }
  NASHNET_RETURN_IF_ERROR(WriteFileAtomically(out / "sweep.yaml", sweep.text));

  const int jobs = std::clamp(
      options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency()), 1,
      std::max(1, static_cast<int>(todo.size())));
  const SweepCellPlayer play = options.play_cell
                                   ? options.play_cell
                                   : [](int, const RunPlan& plan, const fs::path& dir,
                                        const std::function<void(int64_t)>& on_rounds) {
                                       return PlayCell(plan, dir, on_rounds);
                                     };
  std::atomic<size_t> next{0};
  std::atomic<int64_t> rounds_done{0};
  std::atomic<int> finished{0};
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::condition_variable cv;
  auto worker = [&] {
    for (size_t k = next.fetch_add(1); k < todo.size(); k = next.fetch_add(1)) {
      const int i = todo[k];
      const fs::path dir = out / outcome.rows[i].folder;
      std::error_code remove_ec;
      fs::remove_all(dir, remove_ec);  // a cell cut short: play it again from nothing
      absl::Status status =
          remove_ec ? absl::InternalError(
                          absl::StrCat("cannot remove ", dir.string(), ": ", remove_ec.message()))
                    : play(i, plans[i], dir, [&](int64_t r) { rounds_done.fetch_add(r); });
      if (status.ok()) status = FillRow(dir, &outcome.rows[i]);
      if (!status.ok()) failed.fetch_add(1);
      outcome.failures[i] =
          status.ok() ? status
                      : absl::Status(status.code(), absl::StrCat("cell ", sweep.cells[i].id, ": ",
                                                                 status.message()));
      {
        std::lock_guard<std::mutex> lock(mutex);
        finished.fetch_add(1);
      }
      cv.notify_all();
    }
  };
  const auto start = std::chrono::steady_clock::now();
  auto report = [&] {
    if (!options.progress) return;
    progress.done = outcome.skipped + finished.load();
    progress.rounds_done = rounds_done.load();
    progress.failed = failed.load();
    progress.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    options.progress(progress);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs && !todo.empty(); ++t) threads.emplace_back(worker);
  {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      cv.wait_for(lock, std::chrono::milliseconds(options.progress_interval_ms));
      if (finished.load() >= static_cast<int>(todo.size())) break;  // the last report is below
      lock.unlock();
      report();
      lock.lock();
    }
  }
  for (std::thread& t : threads) t.join();

  for (int i = 0; i < n; ++i) {
    if (outcome.failures[i].ok()) continue;
    outcome.rows[i].status = "failed";
    ++outcome.failed;
  }
  for (int i : todo) outcome.ran += outcome.failures[i].ok() ? 1 : 0;
  failed.store(outcome.failed);
  report();
  NASHNET_RETURN_IF_ERROR(WriteFileAtomically(out / "index.csv", SweepIndexCsv(outcome.rows)));
  return outcome;
}

}  // namespace nashnet::server

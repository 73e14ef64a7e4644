#include "cli/simulate_command.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/cli_util.h"
#include "cli/progress.h"
#include "common/status_macros.h"
#include "server/record/run_record.h"
#include "server/simulation.h"

namespace nashnet::cli {
namespace {

using server::RunFile;

// What one seed's worker produced.
struct SeedResult {
  absl::Status status;
  server::RunSummary summary;
};

}  // namespace

SimulateCommand::SimulateCommand(CLI::App* parent) {
  app_ = parent->add_subcommand(
      "simulate", "Play a run in-process: K seeds in parallel, a summary table, a run record");
  flags_ = std::make_unique<RunFlags>(app_);
}

int SimulateCommand::Run() {
  absl::StatusOr<RunFile> file = flags_->BuildSpec();
  if (!file.ok()) return ReportError(file.status(), kExitUsage);
  absl::StatusOr<server::RunPlan> planned = server::PlanRun(file->spec, file->base_dir);
  if (!planned.ok()) return ReportError(file->Annotate(planned.status()), kExitUsage);
  const server::RunPlan& plan = *planned;

  absl::StatusOr<std::filesystem::path> out = flags_->OutDir(plan);
  if (!out.ok()) return ReportError(out.status(), kExitUsage);
  const std::filesystem::path dir = *out;
  absl::StatusOr<server::RunRecord> record = server::RunRecord::Create(dir, plan.spec);
  if (!record.ok()) {
    return ReportError(record.status(),
                       absl::IsAlreadyExists(record.status()) ? kExitUsage : kExitRunFailed);
  }

  const int num_seeds = std::max(1, plan.spec.seeds());
  const int64_t rounds = plan.spec.rounds();
  const int num_threads =
      std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, num_seeds);
  Progress progress(rounds * num_seeds, Progress::DefaultMode(flags_->quiet()));
  std::vector<SeedResult> results(num_seeds);
  std::atomic<int> next_seed{0};
  std::mutex mutex;
  std::condition_variable finished_cv;
  int finished = 0;

  auto worker = [&] {
    for (int i = next_seed.fetch_add(1); i < num_seeds; i = next_seed.fetch_add(1)) {
      const uint64_t seed = plan.spec.seed() + static_cast<uint64_t>(i);
      SeedResult& result = results[i];
      int64_t reported = 0;
      absl::StatusOr<std::unique_ptr<server::RoundsCsvWriter>> csv =
          record->OpenRounds(seed, plan.game);
      if (!csv.ok()) {
        result.status = csv.status();
      } else {
        server::SimulateOptions options;
        options.progress_every = std::clamp<int64_t>(rounds / 100, 1, 1000);
        options.progress = [&](int64_t done) {
          progress.Add(done - reported);
          reported = done;
        };
        absl::StatusOr<server::RunSummary> summary =
            server::Simulate(plan, seed, csv->get(), options);
        if (summary.ok()) {
          result.summary = *std::move(summary);
          result.status = record->CommitSeed(seed, csv->get(), result.summary);
        } else {
          result.status = summary.status();
        }
      }
      progress.Add(rounds - reported);
      if (!result.status.ok()) {
        result.status = absl::Status(result.status.code(),
                                     absl::StrCat("seed ", seed, ": ", result.status.message()));
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++finished;
      finished_cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < num_threads; ++t) threads.emplace_back(worker);
  {
    std::unique_lock<std::mutex> lock(mutex);
    while (finished < num_seeds) {
      finished_cv.wait_for(lock, std::chrono::milliseconds(100));
      lock.unlock();
      progress.Tick();
      lock.lock();
    }
  }
  for (std::thread& thread : threads) thread.join();
  progress.Finish();

  std::vector<server::RunSummary> summaries;
  for (const SeedResult& result : results) {
    if (!result.status.ok()) {
      return ReportError(
          absl::StrCat(result.status.message(), " (no summary.json written in ", dir.string(), ")"),
          kExitRunFailed);
    }
    summaries.push_back(result.summary);
  }
  return FinishRun(plan, dir, summaries, flags_->quiet());
}

}  // namespace nashnet::cli

#include "cli/sweep_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_format.h"
#include "cli/cli_util.h"
#include "server/sweep/sweep_file.h"
#include "server/sweep/sweep_runner.h"

namespace nashnet::cli {
namespace {

std::string Duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

std::string ProgressLine(const server::SweepProgress& p) {
  const double eta = p.rounds_done > 0
                         ? p.elapsed_seconds * static_cast<double>(p.rounds_total - p.rounds_done) /
                               static_cast<double>(p.rounds_done)
                         : -1.0;
  return absl::StrFormat("sweep %d/%d cells (%d skipped, %d failed)  elapsed %s  ETA %s", p.done,
                         p.total, p.skipped, p.failed, Duration(p.elapsed_seconds), Duration(eta));
}

}  // namespace

SweepCommand::SweepCommand(CLI::App* parent) {
  app_ = parent->add_subcommand(
      "sweep", "Play a grid of runs (games x learners x params x seeds) in-process, resumably");
  app_->add_option("sweep_file", sweep_file_, "Sweep file (YAML)")->required();
  app_->add_option("--out,-o", out_,
                   "Output folder (default runs/<sweep file's stem>); re-running resumes it");
  app_->add_option("--jobs,-j", jobs_, "Worker threads (default: one per core)");
  app_->add_flag("--quiet,-q", quiet_, "No progress: print only the output folder");
}

int SweepCommand::Run() {
  if (jobs_ < 0) return ReportError("--jobs: must be >= 0 (0 = one per core)", kExitUsage);
  absl::StatusOr<server::SweepFile> sweep = server::ReadSweepFile(sweep_file_);
  if (!sweep.ok()) return ReportError(sweep.status(), kExitUsage);
  absl::StatusOr<std::vector<server::RunPlan>> plans = server::PlanSweep(*sweep);
  if (!plans.ok()) return ReportError(plans.status(), kExitUsage);
  if (out_.empty() && app_->count("--out") > 0) {
    return ReportError("--out: must not be empty", kExitUsage);
  }
  const std::filesystem::path out =
      out_.empty() ? std::filesystem::path("runs") / std::filesystem::path(sweep_file_).stem()
                   : std::filesystem::path(out_);

  const bool bar = !quiet_ && ::isatty(STDERR_FILENO);
  auto last_line = std::chrono::steady_clock::now();
  server::SweepRunOptions options{.jobs = jobs_};
  if (!quiet_) {
    options.progress = [&](const server::SweepProgress& p) {
      const auto now = std::chrono::steady_clock::now();
      const bool last = p.done == p.total;
      if (bar) {
        std::fprintf(stderr, "\r%s\x1b[K%s", ProgressLine(p).c_str(), last ? "\n" : "");
      } else if (last || now - last_line >= std::chrono::seconds(5)) {
        std::fprintf(stderr, "nashnet: %s\n", ProgressLine(p).c_str());
        last_line = now;
      } else {
        return;
      }
      std::fflush(stderr);
    };
  }
  absl::StatusOr<server::SweepOutcome> outcome = server::RunSweep(*sweep, *plans, out, options);
  if (!outcome.ok()) {
    return ReportError(outcome.status(),
                       absl::IsFailedPrecondition(outcome.status()) ? kExitUsage : kExitRunFailed);
  }
  if (quiet_) {
    std::printf("%s\n", out.string().c_str());
  } else {
    std::printf("cells: %zu (%d played, %d skipped, %d failed)\nindex: %s\n", sweep->cells.size(),
                outcome->ran, outcome->skipped, outcome->failed,
                (out / "index.csv").string().c_str());
  }
  std::fflush(stdout);
  for (const absl::Status& failure : outcome->failures) {
    if (!failure.ok()) ReportError(failure, kExitRunFailed);
  }
  return outcome->failed > 0 ? kExitRunFailed : kExitOk;
}

}  // namespace nashnet::cli

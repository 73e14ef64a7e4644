#include "cli/sweep_command.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_format.h"
#include "cli/cli_util.h"
#include "cli/sweep_coordinators.h"
#include "common/secret_source.h"
#include "common/status_macros.h"
#include "server/sweep/sweep_file.h"
#include "server/sweep/sweep_runner.h"

namespace nashnet::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void OnSweepInterrupt(int) { g_interrupted = 1; }

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
  CLI::Option* coordinator =
      app_->add_option("--coordinator", coordinators_,
                       "Play the cells as games on this coordinator HOST:PORT (repeatable)");
  app_->get_option("--jobs")->excludes(coordinator);
  app_->add_option("--in-flight", in_flight_, "With --coordinator: cells at once per coordinator")
      ->capture_default_str();
  app_->add_option("--admin-token", admin_token_,
                   "Admin token of the coordinators (visible in ps: prefer --admin-token-file or "
                   "$NASHNET_ADMIN_TOKEN)");
  app_->add_option("--admin-token-file", admin_token_file_,
                   "Read the admin token from this file (one line)");
  app_->add_option("--tls-ca", tls_.ca_file,
                   "Connect with TLS, verifying the coordinators against this CA (PEM)");
  app_->add_option("--tls-cert", tls_.cert_file, "Client certificate for mutual TLS (PEM)");
  app_->add_option("--tls-key", tls_.key_file, "The private key of --tls-cert (PEM)");
  app_->add_option(
      "--tls-server-name", tls_.server_name,
      "The name the coordinators' certificates must carry (default: the host dialled)");
}

absl::StatusOr<std::unique_ptr<SweepCoordinators>> SweepCommand::Coordinators(
    const std::filesystem::path& out) const {
  SweepCoordinatorsOptions options{.max_in_flight = in_flight_};
  options.ledger = out / "coordinator-games.txt";
  NASHNET_ASSIGN_OR_RETURN(std::string admin_token,
                           ResolveSecret({.flag = "--admin-token",
                                          .value = admin_token_,
                                          .file_flag = "--admin-token-file",
                                          .file = admin_token_file_,
                                          .env = "NASHNET_ADMIN_TOKEN"}));
  NASHNET_ASSIGN_OR_RETURN(tls::ChannelSecurity security, tls::ChannelSecurity::Load(tls_));
  for (const std::string& address : coordinators_) {
    options.coordinators.push_back(
        {.address = address, .admin_token = admin_token, .security = security});
  }
  if (!quiet_) {
    options.on_retry = [this](int cell, const std::string& why) {
      std::fprintf(stderr, "nashnet: cell %s: %s\n", cell_ids_[cell].c_str(), why.c_str());
    };
  }
  NASHNET_RETURN_IF_ERROR(options.Validate());
  return std::make_unique<SweepCoordinators>(std::move(options));
}

int SweepCommand::Run() {
  if (jobs_ < 0) return ReportError("--jobs: must be >= 0 (0 = one per core)", kExitUsage);
  absl::StatusOr<server::SweepFile> sweep = server::ReadSweepFile(sweep_file_);
  if (!sweep.ok()) return ReportError(sweep.status(), kExitUsage);
  absl::StatusOr<std::vector<server::RunPlan>> plans = server::PlanSweep(*sweep);
  if (!plans.ok()) return ReportError(plans.status(), kExitUsage);
  for (const server::SweepCell& cell : sweep->cells) cell_ids_.push_back(cell.id);
  if (out_.empty() && app_->count("--out") > 0) {
    return ReportError("--out: must not be empty", kExitUsage);
  }
  const std::filesystem::path out =
      out_.empty() ? std::filesystem::path("runs") / std::filesystem::path(sweep_file_).stem()
                   : std::filesystem::path(out_);
  std::unique_ptr<SweepCoordinators> coordinators;
  if (!coordinators_.empty()) {
    absl::StatusOr<std::unique_ptr<SweepCoordinators>> made = Coordinators(out);
    if (!made.ok()) return ReportError(made.status(), kExitUsage);
    coordinators = *std::move(made);
    tls::DropTlsHandshakeLogs();  // a failed handshake is reported once, below
    if (absl::Status reached = coordinators->CheckReachable(); !reached.ok()) {
      return ReportError(reached, kExitRunFailed);
    }
    for (const std::string& line : coordinators->StopLeftovers()) {
      if (!quiet_) std::fprintf(stderr, "nashnet: %s\n", line.c_str());
    }
  }

  const bool bar = !quiet_ && ::isatty(STDERR_FILENO);
  auto last_line = std::chrono::steady_clock::now();
  server::SweepRunOptions options{.jobs = jobs_};
  if (coordinators != nullptr) {
    options.jobs = coordinators->jobs();
    options.play_cell = coordinators->Player();
    // An interrupted sweep stops its games (the progress callback notices, on this thread); a
    // second signal ends the process at once.
    struct sigaction action = {};
    action.sa_handler = OnSweepInterrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
  }
  options.progress = [&](const server::SweepProgress& p) {
    if (g_interrupted != 0 && coordinators != nullptr) coordinators->Cancel();
    if (quiet_) return;
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
  int interrupted = 0;  // one line for the cells an interrupt cut short, not one per cell
  for (const absl::Status& failure : outcome->failures) {
    if (absl::IsCancelled(failure) && g_interrupted != 0) {
      ++interrupted;
    } else if (!failure.ok()) {
      ReportError(failure, kExitRunFailed);
    }
  }
  if (interrupted > 0) {
    ReportError(absl::StrFormat("interrupted: %d cells not played (their games stopped); the same "
                                "command resumes the sweep",
                                interrupted),
                kExitRunFailed);
  }
  return outcome->failed > 0 ? kExitRunFailed : kExitOk;
}

}  // namespace nashnet::cli

// nashnet-coordinator: hosts many repeated games at once; agents join them over gRPC
// (Coordinator.Play) and admins manage them with the admin RPCs (proto/nashnet/v1).
//
//   nashnet-coordinator --listen 127.0.0.1:0 --port-file port.txt --records-dir runs/coord
//                       [--create RUN.yaml ...] [--admin-token T] [--threads 2]
//                       [--metrics-listen 127.0.0.1:9464 --metrics-port-file F
//                        --metrics-detail-games 64 --metrics-period-ms 100]
//
// At start it recovers the unfinished games of --records-dir from their journals (--no-recover:
// not). Prints "nashnet-coordinator listening on HOST:PORT" once serving. SIGTERM / SIGINT drain:
// no new games or joins, every game stops where it is with its journal synced (resumable by a
// coordinator started on the same --records-dir; agents' streams end UNAVAILABLE and they resume
// there), then exit 0. Exit 2 for bad flags or run files, 1 if it cannot serve.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/record/run_file.h"
#include "server/service/coordinator.h"
#include "server/service/game_directory.h"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "nashnet-coordinator: error: %s\n", message.c_str());
  return code;
}

// HOST:PORT with a port in [0, 65535].
absl::Status CheckAddress(const std::string& flag, const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", address, "' is not HOST:PORT (port 0..65535)"));
  }
  return absl::OkStatus();
}

absl::Status WritePortFile(const std::filesystem::path& path, int port,
                           const std::string& flag = "--port-file") {
  const std::filesystem::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << port << "\n";
    out.close();
    if (!out) return absl::InternalError(absl::StrCat(flag, ": cannot write ", partial.string()));
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(flag, ": cannot rename to ", path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  nashnet::server::CoordinatorOptions options;
  std::string records_dir = options.records_dir.string();
  std::string metrics_port_file;
  std::string port_file;
  std::vector<std::string> create_files;
  bool quiet = false;

  CLI::App app("nashnet-coordinator: hosts repeated games for remote agents",
               "nashnet-coordinator");
  app.add_option("--listen", options.listen, "gRPC address HOST:PORT (port 0 = any free port)")
      ->capture_default_str();
  app.add_option("--metrics-listen", options.metrics_listen,
                 "serve Prometheus metrics at http://HOST:PORT/metrics (empty = off)");
  std::string health_port_file;
  app.add_option("--health-listen", options.health_listen,
                 "also serve grpc.health.v1.Health, plaintext, on HOST:PORT (for probes that "
                 "cannot speak TLS); NOT_SERVING while draining");
  app.add_option("--health-port-file", health_port_file,
                 "write the bound --health-listen port here once serving");
  app.add_option("--metrics-port-file", metrics_port_file,
                 "write the bound metrics port here once serving");
  app.add_option("--metrics-detail-games", options.metrics_detail_games,
                 "live games with per-game and per-player series")
      ->capture_default_str();
  app.add_option("--metrics-period-ms", options.metrics_period_ms,
                 "a game publishes its metrics at most this often (0 = every round)")
      ->capture_default_str();
  app.add_option("--records-dir", records_dir, "where each game's run record goes")
      ->capture_default_str();
  app.add_option("--port-file", port_file, "write the bound port here once serving");
  app.add_option("--max-games", options.max_games,
                 "games not over at once (finished games do not count)")
      ->capture_default_str();
  app.add_option("--max-seats", options.max_seats, "connected remote seats, all games together")
      ->capture_default_str();
  app.add_option("--max-game-bytes", options.max_game_bytes,
                 "refuse a game whose estimated memory is larger (RESOURCE_EXHAUSTED)")
      ->capture_default_str();
  app.add_option("--memory-budget-bytes", options.memory_budget_bytes,
                 "the estimated memory of all games not over, together (RESOURCE_EXHAUSTED beyond)")
      ->capture_default_str();
  app.add_option("--max-round-work", options.max_round_work,
                 "refuse a game whose estimated work per round is larger (elementary operations)")
      ->capture_default_str();
  app.add_option("--max-finished-games", options.max_finished_games,
                 "ended games kept in memory; older ones are listed from their record folders")
      ->capture_default_str();
  app.add_option("--max-message-bytes", options.max_message_bytes, "largest message received")
      ->capture_default_str();
  app.add_option("--admin-token", options.admin_token,
                 "admin RPCs need metadata x-nashnet-admin-token with this value");
  app.add_option("--threads", options.threads, "Asio worker threads")->capture_default_str();
  bool no_journal = false;
  bool no_recover = false;
  int64_t journal_flush_ms = options.journal.flush.count();
  int64_t journal_sync_ms = options.journal.sync.count();
  app.add_flag("--no-journal", no_journal,
               "do not journal rounds (games cannot be recovered after a crash or drain)");
  app.add_option("--journal-flush-ms", journal_flush_ms,
                 "a running game hands its journaled rounds to disk at least this often")
      ->capture_default_str();
  app.add_option("--journal-sync-ms", journal_sync_ms,
                 "fsync a game's journal at most this often (0 = after every write; the end of a "
                 "game and a drain always sync)")
      ->capture_default_str();
  app.add_flag("--no-recover", no_recover,
               "do not recover the unfinished games of --records-dir at start");
  app.add_option("--create", create_files,
                 "create a game from a run file at start-up (repeatable)");
  app.add_flag("--quiet", quiet, "print only the listening line and errors");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(std::string(e.what()) + " (see nashnet-coordinator --help)", kExitUsage);
  }
  options.records_dir = records_dir;
  options.journal.enabled = !no_journal;
  options.journal.flush = std::chrono::milliseconds(journal_flush_ms);
  options.journal.sync = std::chrono::milliseconds(journal_sync_ms);
  options.recover = !no_recover;
  if (absl::Status st = options.Validate(); !st.ok()) {
    return Fail(std::string(st.message()), kExitUsage);
  }
  if (absl::Status st = CheckAddress("--listen", options.listen); !st.ok()) {
    return Fail(std::string(st.message()), kExitUsage);
  }
  if (!options.health_listen.empty()) {
    if (absl::Status st = CheckAddress("--health-listen", options.health_listen); !st.ok()) {
      return Fail(std::string(st.message()), kExitUsage);
    }
  }
  if (!options.metrics_listen.empty()) {
    if (absl::Status st = CheckAddress("--metrics-listen", options.metrics_listen); !st.ok()) {
      return Fail(std::string(st.message()), kExitUsage);
    }
  } else if (!metrics_port_file.empty()) {
    return Fail("--metrics-port-file: needs --metrics-listen", kExitUsage);
  }
  std::vector<nashnet::server::RunFile> runs;
  for (const std::string& file : create_files) {
    absl::StatusOr<nashnet::server::RunFile> run = nashnet::server::ReadRunFile(file);
    if (!run.ok()) return Fail(absl::StrCat("--create: ", run.status().message()), kExitUsage);
    runs.push_back(*std::move(run));
  }

  // Every thread started from here on inherits the blocked signals; main waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<nashnet::server::Coordinator>> coordinator =
      nashnet::server::Coordinator::Start(options);
  if (!coordinator.ok()) return Fail(std::string(coordinator.status().message()), kExitFailed);

  if (!quiet && (*coordinator)->recovered() > 0) {
    std::fprintf(stderr, "nashnet-coordinator: recovered %d unfinished game(s) from %s\n",
                 (*coordinator)->recovered(), options.records_dir.c_str());
  }
  for (const nashnet::server::RunFile& run : runs) {
    nashnet::v1::CreateGameRequest request;
    *request.mutable_spec() = run.spec;
    request.set_game_id(run.spec.name());
    absl::StatusOr<nashnet::v1::CreateGameResponse> created =
        (*coordinator)->CreateGame(request, run.base_dir, /*trusted=*/true);
    if (!created.ok()) {
      (*coordinator)->Drain();
      return Fail(absl::StrCat("--create ", run.source_name, ": ",
                               run.Annotate(created.status()).message()),
                  kExitUsage);
    }
    if (!quiet) {
      std::fprintf(stderr, "nashnet-coordinator: created game %s (record in %s)\n",
                   created->game_id().c_str(), created->record_dir().c_str());
    }
  }

  if (!health_port_file.empty()) {  // before --port-file: a reader of that can read this
    if (options.health_listen.empty()) {
      (*coordinator)->Drain();
      return Fail("--health-port-file: needs --health-listen", kExitUsage);
    }
    if (absl::Status st =
            WritePortFile(health_port_file, (*coordinator)->health_port(), "--health-port-file");
        !st.ok()) {
      (*coordinator)->Drain();
      return Fail(std::string(st.message()), kExitFailed);
    }
  }
  if (!metrics_port_file.empty()) {  // before --port-file: a reader of that can read this
    if (absl::Status st =
            WritePortFile(metrics_port_file, (*coordinator)->metrics_port(), "--metrics-port-file");
        !st.ok()) {
      (*coordinator)->Drain();
      return Fail(std::string(st.message()), kExitFailed);
    }
  }
  const int port = (*coordinator)->port();
  if (!port_file.empty()) {
    if (absl::Status st = WritePortFile(port_file, port); !st.ok()) {
      (*coordinator)->Drain();
      return Fail(std::string(st.message()), kExitFailed);
    }
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::printf("nashnet-coordinator listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  if (!quiet) {
    std::fprintf(stderr, "nashnet-coordinator: %s: draining (games end their current round)\n",
                 received == SIGINT ? "SIGINT" : "SIGTERM");
  }
  (*coordinator)->Drain();
  if (!quiet) std::fprintf(stderr, "nashnet-coordinator: drained, exiting\n");
  return 0;
}

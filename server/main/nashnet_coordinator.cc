// nashnet-coordinator: hosts many repeated games at once; agents join them over gRPC
// (Coordinator.Play) and admins manage them with the admin RPCs (proto/nashnet/v1).
//
//   nashnet-coordinator --listen 127.0.0.1:0 --port-file port.txt --records-dir runs/coord
//                       [--create RUN.yaml ...] [--admin-token-file F] [--threads 2]
//                       [--tls-cert server.pem --tls-key server.key [--tls-client-ca ca.pem]]
//                       [--reflection]
//                       [--metrics-listen 127.0.0.1:9464 --metrics-port-file F
//                        --metrics-detail-games 64 --metrics-period-ms 100
//                        --metrics-tls-cert F --metrics-tls-key F --metrics-timeout-ms 10000]
//
// Secrets: the admin token comes from --admin-token-file (one line), else $NASHNET_ADMIN_TOKEN;
// --admin-token T still works but shows in `ps`. --tls-cert/--tls-key put TLS on the gRPC port;
// --tls-client-ca makes it mutual (clients must present a certificate from that CA).
// scripts/make-test-certs.sh makes a test CA and certificates.
//
// At start it recovers the unfinished games of --records-dir from their journals (--no-recover:
// not). Prints "nashnet-coordinator listening on HOST:PORT" once serving. SIGTERM / SIGINT drain:
// no new games or joins, every game stops where it is with its journal synced (resumable by a
// coordinator started on the same --records-dir; agents' streams end UNAVAILABLE and they resume
// there), then exit 0. Exit 2 for bad flags or run files, 1 if it cannot serve.
#include <openssl/crypto.h>
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
#include "common/secret_source.h"
#include "common/tls/pem_files.h"
#include "server/metrics/metrics_server.h"
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

// The TLS files and the /metrics server's options, checked before anything starts (exit 2 naming
// the flag and the file).
absl::Status CheckServingOptions(const nashnet::server::CoordinatorOptions& options) {
  if (absl::Status st = nashnet::tls::MakeServerCredentials(options.tls).status(); !st.ok()) {
    return st;
  }
  if (options.metrics_listen.empty()) {
    if (!options.metrics_tls_cert_file.empty() || !options.metrics_tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          "--metrics-tls-cert/--metrics-tls-key: need --metrics-listen");
    }
    return absl::OkStatus();
  }
  const nashnet::server::MetricsServerOptions metrics{
      .listen = options.metrics_listen,
      .tls_cert_file = options.metrics_tls_cert_file,
      .tls_key_file = options.metrics_tls_key_file,
      .timeout_ms = options.metrics_timeout_ms};
  if (absl::Status st = metrics.Validate(); !st.ok()) return st;
  if (metrics.tls_cert_file.empty()) return absl::OkStatus();
  return nashnet::tls::ReadCertificateAndKey({"--metrics-tls-cert", metrics.tls_cert_file},
                                             {"--metrics-tls-key", metrics.tls_key_file})
      .status();
}

}  // namespace

int main(int argc, char** argv) {
  // OpenSSL (gRPC's TLS, our PEM checks) would, at exit, delete its per-thread state key before
  // Boost.Asio's system threads (the games' strands write to TLS streams) stop, and their error
  // queues would be lost (LeakSanitizer reports them). The process is ending: skip that cleanup.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  nashnet::server::CoordinatorOptions options;
  std::string records_dir = options.records_dir.string();
  std::string metrics_port_file;
  std::string port_file;
  std::vector<std::string> create_files;
  std::string admin_token_file;
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
                 "admin RPCs need metadata x-nashnet-admin-token with this value (visible in ps: "
                 "prefer --admin-token-file or $NASHNET_ADMIN_TOKEN)");
  app.add_option("--admin-token-file", admin_token_file,
                 "read the admin token from this file (one line)");
  app.add_option("--tls-cert", options.tls.cert_file,
                 "serve TLS on the gRPC port with this certificate chain (PEM)");
  app.add_option("--tls-key", options.tls.key_file, "the private key of --tls-cert (PEM)");
  app.add_option("--tls-client-ca", options.tls.client_ca_file,
                 "mutual TLS: require client certificates signed by this CA (PEM)");
  app.add_flag("--reflection", options.reflection,
               "serve gRPC server reflection (grpcurl, grpc_cli); off by default");
  app.add_option("--metrics-tls-cert", options.metrics_tls_cert_file,
                 "serve /metrics over HTTPS with this certificate chain (PEM)");
  app.add_option("--metrics-tls-key", options.metrics_tls_key_file,
                 "the private key of --metrics-tls-cert (PEM)");
  app.add_option("--metrics-timeout-ms", options.metrics_timeout_ms,
                 "a /metrics connection must send its request within this, and read the answer "
                 "within it again, or it is closed")
      ->capture_default_str();
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
  // Hardening (server/service/transport_options.h): stream deadlines, keepalive, connection age.
  nashnet::server::TransportOptions& transport = options.transport;
  int64_t join_timeout_ms = transport.join_timeout.count();
  int64_t write_timeout_ms = transport.write_timeout.count();
  int64_t keepalive_time_ms = transport.keepalive_time.count();
  int64_t keepalive_timeout_ms = transport.keepalive_timeout.count();
  int64_t min_ping_interval_ms = transport.min_ping_interval.count();
  int64_t max_connection_age_ms = transport.max_connection_age.count();
  int64_t max_connection_age_grace_ms = transport.max_connection_age_grace.count();
  int64_t max_connection_idle_ms = transport.max_connection_idle.count();
  int64_t handshake_timeout_ms = transport.handshake_timeout.count();
  app.add_option("--join-timeout-ms", join_timeout_ms,
                 "a Play stream without a Join by then ends DEADLINE_EXCEEDED")
      ->capture_default_str();
  app.add_option("--write-timeout-ms", write_timeout_ms,
                 "a finished stream whose client does not read its last messages is cancelled "
                 "after this long")
      ->capture_default_str();
  app.add_option("--keepalive-time-ms", keepalive_time_ms, "ping a connection quiet for this long")
      ->capture_default_str();
  app.add_option("--keepalive-timeout-ms", keepalive_timeout_ms,
                 "close a connection whose ping is not answered within this")
      ->capture_default_str();
  app.add_option("--min-ping-interval-ms", min_ping_interval_ms,
                 "clients pinging more often than this (without data) earn strikes")
      ->capture_default_str();
  app.add_option("--max-ping-strikes", transport.max_ping_strikes,
                 "strikes before GOAWAY too_many_pings (0 = no limit)")
      ->capture_default_str();
  app.add_option("--max-connection-age-ms", max_connection_age_ms,
                 "GOAWAY a connection this old (0 = never); agents reconnect and resume")
      ->capture_default_str();
  app.add_option("--max-connection-age-grace-ms", max_connection_age_grace_ms,
                 "then cut its calls still open after this grace")
      ->capture_default_str();
  app.add_option("--max-connection-idle-ms", max_connection_idle_ms,
                 "close a connection without a call for this long (0 = never)")
      ->capture_default_str();
  app.add_option("--handshake-timeout-ms", handshake_timeout_ms,
                 "close a connection that has not finished its HTTP/2 handshake by then")
      ->capture_default_str();
  app.add_option("--fd-reserve", transport.fd_reserve,
                 "file descriptors kept free for running games: new connections and games "
                 "are refused while fewer are free")
      ->capture_default_str();
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
  absl::StatusOr<std::string> admin_token =
      nashnet::ResolveSecret({.flag = "--admin-token",
                              .value = options.admin_token,
                              .file_flag = "--admin-token-file",
                              .file = admin_token_file,
                              .env = "NASHNET_ADMIN_TOKEN"});
  if (!admin_token.ok()) return Fail(std::string(admin_token.status().message()), kExitUsage);
  options.admin_token = *std::move(admin_token);
  transport.join_timeout = std::chrono::milliseconds(join_timeout_ms);
  transport.write_timeout = std::chrono::milliseconds(write_timeout_ms);
  transport.keepalive_time = std::chrono::milliseconds(keepalive_time_ms);
  transport.keepalive_timeout = std::chrono::milliseconds(keepalive_timeout_ms);
  transport.min_ping_interval = std::chrono::milliseconds(min_ping_interval_ms);
  transport.max_connection_age = std::chrono::milliseconds(max_connection_age_ms);
  transport.max_connection_age_grace = std::chrono::milliseconds(max_connection_age_grace_ms);
  transport.max_connection_idle = std::chrono::milliseconds(max_connection_idle_ms);
  transport.handshake_timeout = std::chrono::milliseconds(handshake_timeout_ms);
  if (absl::Status st = options.Validate(); !st.ok()) {
    return Fail(std::string(st.message()), kExitUsage);
  }
  if (absl::Status st = CheckServingOptions(options); !st.ok()) {
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
  if (!quiet && (*coordinator)->retired_found() > 0) {
    std::fprintf(stderr,
                 "nashnet-coordinator: lists %d finished game(s) of %s from their records\n",
                 (*coordinator)->retired_found(), options.records_dir.c_str());
  }
  for (const nashnet::server::RunFile& run : runs) {
    nashnet::v1::CreateGameRequest request;
    *request.mutable_spec() = run.spec;
    request.set_game_id(run.spec.name());
    absl::StatusOr<nashnet::v1::CreateGameResponse> created =
        (*coordinator)->CreateGame(request);  // the reader put a game file's text in the spec
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

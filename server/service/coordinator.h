// Coordinator: the nashnet-coordinator process minus its flags — the gRPC server (Play and the
// admin RPCs, health checking, reflection), the Asio io_context and its worker threads (round
// deadlines, continuation slices), the disk thread and the game directory.
//
//   CoordinatorOptions options{.listen = "127.0.0.1:0", .records_dir = "runs/coordinator"};
//   NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<Coordinator> c, Coordinator::Start(options));
//   std::cout << c->port();
//   ... on SIGTERM:
//   c->Drain();   // no new games/joins; games stop where they are, journals synced, resumable
//
// Recovery: Start() first scans records_dir for games of an earlier coordinator that did not
// finish (a journal, and no summary.json or one with status "drained") and recovers them (see
// HostedGame::Recover): they wait for their agents to resume. A game that cannot be recovered is
// reported on stderr and left alone (its folder untouched).
//
// Thread safety: CreateGame may be called from any thread; Drain from one thread, once (the
// destructor drains if nobody did).
#pragma once

#include <grpcpp/grpcpp.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/tls/server_tls.h"
#include "nashnet/v1/coordinator.pb.h"
#include "server/service/fd_budget.h"
#include "server/service/game_directory.h"
#include "server/service/hosted_game.h"
#include "server/service/memory_budget.h"
#include "server/service/record_writer.h"
#include "server/service/tcp_listener.h"
#include "server/service/transport_options.h"

namespace nashnet::server {

struct CoordinatorOptions {
  std::string listen = "127.0.0.1:50051";                  // gRPC address; port 0 picks a free port
  std::filesystem::path records_dir = "runs/coordinator";  // games' run records go under it
  int64_t max_games = 10000;            // games not over at once (RESOURCE_EXHAUSTED beyond)
  int64_t max_seats = 100000;           // connected remote seats, all games together
  int64_t max_message_bytes = 4 << 20;  // largest message received (RESOURCE_EXHAUSTED)
  std::string admin_token;              // admin RPCs need x-nashnet-admin-token (empty: no)
  tls::ServerTlsOptions tls;            // --tls-cert/--tls-key/--tls-client-ca (none: plaintext)
  bool reflection = false;              // --reflection: serve gRPC server reflection
  int threads = 2;                      // Asio worker threads (timers, slices)
  // The Prometheus exporter: HTTP /metrics on this HOST:PORT (empty: no exporter, no metric work).
  std::string metrics_listen;
  int64_t metrics_detail_games = 64;  // live games with per-game/per-player series
  int64_t metrics_period_ms = 100;    // a game publishes at most this often (0 = every round)
  JournalOptions journal;             // the games' round journals (--no-journal, --journal-*-ms)
  // A second, plaintext gRPC port serving only grpc.health.v1.Health (--health-listen), for
  // probes that cannot speak the main port's TLS (Kubernetes' gRPC probes). Empty: none.
  std::string health_listen;
  // At start, recover the unfinished games of records_dir from their journals (--no-recover: no).
  bool recover = true;
  // /metrics over HTTPS (--metrics-tls-cert, --metrics-tls-key; empty: HTTP), and how long a
  // connection may take to send its request, and again to read the answer (metrics_server.h).
  std::string metrics_tls_cert_file;
  std::string metrics_tls_key_file;
  int64_t metrics_timeout_ms = 10000;
  // Keepalive, connection age and idleness, stream deadlines, descriptors kept free
  // (transport_options.h).
  TransportOptions transport;
  // Admission (server/admission.h): one game's estimated cost at most max_game_bytes and
  // max_round_work operations per round; all games not over together at most
  // memory_budget_bytes (charged at CreateGame, released when a game ends). RESOURCE_EXHAUSTED
  // naming the spec field that makes a game big.
  int64_t max_game_bytes = int64_t{256} << 20;     // --max-game-bytes
  int64_t memory_budget_bytes = int64_t{1} << 30;  // --memory-budget-bytes
  double max_round_work = 1e9;                     // --max-round-work
  // Ended games whose final GameInfo stays in memory; older ones are listed from their records.
  int64_t max_finished_games = 1000;  // --max-finished-games

  [[nodiscard]] absl::Status Validate() const;
};

class CoordinatorService;
class MetricsServer;  // server/metrics/metrics_server.h

class Coordinator {
 public:
  // Binds, starts serving and returns. InvalidArgument for bad options, Unavailable if the
  // address cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Coordinator>> Start(
      const CoordinatorOptions& options);
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // The bound --health-listen port (0 without it).
  [[nodiscard]] int health_port() const { return health_port_; }
  // The bound /metrics port (0 without --metrics-listen).
  [[nodiscard]] int metrics_port() const { return metrics_port_; }
  // The exporter's registry and events, or null without --metrics-listen.
  [[nodiscard]] ServiceMetrics* metrics() const { return metrics_.get(); }
  [[nodiscard]] const CoordinatorOptions& options() const { return options_; }

  // Creates a game (CreateGame's checks; see coordinator.proto). Opens no game file: a .nfg game
  // travels with the spec (game.nfg), else InvalidArgument.
  [[nodiscard]] absl::StatusOr<v1::CreateGameResponse> CreateGame(
      const v1::CreateGameRequest& request);
  // The same on the coordinator's create thread, never the caller's: building a game allocates
  // its payoffs and writes its record folder (spec.yaml, the journal's header), work that must
  // not hold a gRPC callback thread. `done` runs on the create thread with the result; `request`
  // must stay valid until then (a unary call's request does, until its Finish).
  void CreateGameAsync(const v1::CreateGameRequest* request,
                       std::function<void(absl::StatusOr<v1::CreateGameResponse>)> done);

  // Stops taking games and joins (health: NOT_SERVING), drains every game — it stops where it is,
  // its journal synced and its summary.json saying "drained", its agents' streams ended with
  // UNAVAILABLE (they resume on the next coordinator) — then shuts the server and threads down.
  // Blocks until done.
  void Drain();

  // Games recovered at start (and why the others could not be).
  [[nodiscard]] int recovered() const { return recovered_; }
  // Games an earlier coordinator finished for good, found in --records-dir and listed from there.
  [[nodiscard]] int retired_found() const { return retired_found_; }
  [[nodiscard]] const std::vector<std::string>& recovery_errors() const { return recovery_errors_; }

  [[nodiscard]] GameDirectory& directory() { return directory_; }
  // Timers of streams (join and write deadlines) run here.
  [[nodiscard]] boost::asio::io_context& io() { return io_; }
  [[nodiscard]] const FdBudget& fds() const { return *fds_; }
  // The disk thread (ListGames reads retired games' records there).
  [[nodiscard]] RecordWriter& disk() { return writer_; }
  // The memory budget every game's estimated cost is charged against.
  [[nodiscard]] const MemoryBudget& memory() const { return memory_; }

 private:
  explicit Coordinator(const CoordinatorOptions& options);
  [[nodiscard]] absl::StatusOr<v1::CreateGameResponse> DoCreateGame(
      const v1::CreateGameRequest& request);
  // DoCreateGame past admission: plans, reserves and builds the game.
  [[nodiscard]] absl::StatusOr<v1::CreateGameResponse> Build(const v1::CreateGameRequest& request,
                                                             int64_t charged);
  void GameOver(const std::string& id);
  // Lets go of an ended game once nothing else holds it (a disk-thread task or a timer handler
  // may outlive the game's end by a little: checked again every 10 ms, up to 5 s), then hands its
  // memory back to the system (malloc_trim) and `charged` back to the budget. On io_.
  void ReleaseGame(std::shared_ptr<HostedGame> game, int64_t charged, int checks);
  // Recovers the unfinished games under options_.records_dir.
  void RecoverGames();
  // Registers a built game (counted running until it is over) and begins it on its strand.
  // `charged`: the bytes of the memory budget it holds until it ends.
  void Adopt(const std::string& id, std::shared_ptr<HostedGame> game, int64_t charged);
  // Admission: the game's estimated cost within the per-game limits and the memory budget (then
  // charged: the bytes are returned), or RESOURCE_EXHAUSTED naming the spec field.
  [[nodiscard]] absl::StatusOr<int64_t> Admit(const v1::RunSpec& spec);
  [[nodiscard]] HostedGameConfig BaseConfig(const std::string& id);

  const CoordinatorOptions options_;
  // First, so that they outlive every game (games report to them until destroyed).
  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;
  int metrics_port_ = 0;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  RecordWriter writer_;
  SeatBudget budget_;
  MemoryBudget memory_;
  GameDirectory directory_;
  std::mutex create_mutex_;     // record folders are checked and created one at a time
  RecordWriter create_thread_;  // CreateGameAsync's work, in order
  std::unique_ptr<FdBudget> fds_;
  std::unique_ptr<CoordinatorService> service_;
  // The ports are accepted by nashnet (tcp_listener.h: gRPC's own listener dies on EMFILE).
  std::unique_ptr<TcpListener> listener_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<TcpListener> health_listener_;
  std::unique_ptr<grpc::Server> health_server_;  // --health-listen
  int health_port_ = 0;

  std::mutex running_mutex_;
  std::condition_variable running_changed_;
  int64_t running_ = 0;  // games not yet over; guarded by running_mutex_
  bool drained_ = false;
  int recovered_ = 0;
  int retired_found_ = 0;
  std::vector<std::string> recovery_errors_;
};

}  // namespace nashnet::server

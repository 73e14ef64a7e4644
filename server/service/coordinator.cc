#include "server/service/coordinator.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <boost/asio/dispatch.hpp>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/metrics/metrics_server.h"
#include "server/metrics/service_metrics.h"
#include "server/service/admin_service.h"
#include "server/simulation.h"

namespace nashnet::server {

absl::Status CoordinatorOptions::Validate() const {
  if (listen.empty()) return absl::InvalidArgumentError("--listen: must not be empty");
  if (records_dir.empty()) return absl::InvalidArgumentError("--records-dir: must not be empty");
  if (max_games < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--max-games: must be >= 1, got ", max_games));
  }
  if (max_seats < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--max-seats: must be >= 1, got ", max_seats));
  }
  if (max_message_bytes < 1024 || max_message_bytes > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-message-bytes: must be in [1024, 2^30], got ", max_message_bytes));
  }
  if (threads < 1 || threads > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads: must be in [1, 256], got ", threads));
  }
  return ServiceMetricsOptions{.detail_games = metrics_detail_games, .period_ms = metrics_period_ms}
      .Validate();
}

Coordinator::Coordinator(const CoordinatorOptions& options)
    : options_(options), budget_(options.max_seats), directory_(options.max_games) {}

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Start(const CoordinatorOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Coordinator> c(new Coordinator(options));
  if (!options.metrics_listen.empty()) {
    // Serving before the gRPC port exists: whoever read --port-file can scrape at once.
    NASHNET_ASSIGN_OR_RETURN(c->metrics_,
                             ServiceMetrics::Create({.detail_games = options.metrics_detail_games,
                                                     .period_ms = options.metrics_period_ms}));
    absl::StatusOr<std::unique_ptr<MetricsServer>> http =
        MetricsServer::Start(options.metrics_listen, c->metrics_->registry());
    if (!http.ok()) {
      c->drained_ = true;
      return http.status();
    }
    c->metrics_server_ = *std::move(http);
    c->metrics_port_ = c->metrics_server_->port();
  }
  c->work_.emplace(c->io_.get_executor());
  for (int k = 0; k < options.threads; ++k) c->threads_.emplace_back([io = &c->io_] { io->run(); });

  c->service_ = std::make_unique<CoordinatorService>(c.get(), options.admin_token);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &c->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  builder.RegisterService(c->service_.get());
  c->server_ = builder.BuildAndStart();
  if (c->server_ == nullptr || c->port_ == 0) {
    c->drained_ = true;
    c->work_.reset();
    c->io_.stop();
    for (std::thread& t : c->threads_) t.join();
    c->threads_.clear();
    return absl::UnavailableError(absl::StrCat("--listen: cannot listen on ", options.listen));
  }
  return c;
}

Coordinator::~Coordinator() { Drain(); }

absl::StatusOr<v1::CreateGameResponse> Coordinator::CreateGame(
    const v1::CreateGameRequest& request) {
  absl::StatusOr<v1::CreateGameResponse> created = DoCreateGame(request);
  if (!created.ok() && metrics_ != nullptr) {
    metrics_->Rejected(created.status().code() == absl::StatusCode::kResourceExhausted
                           ? RejectReason::kLimit
                           : RejectReason::kOther);
  }
  return created;
}

absl::StatusOr<v1::CreateGameResponse> Coordinator::DoCreateGame(
    const v1::CreateGameRequest& request) {
  if (directory_.draining()) {
    return absl::UnavailableError("the coordinator is shutting down (no new games)");
  }
  const v1::RunSpec& spec = request.spec();
  if (spec.seeds() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("seeds: a game is one seed (got ", spec.seeds(),
                                                   "); create one game per seed"));
  }
  NASHNET_RETURN_IF_ERROR(ValidateRecordDir(request.record_dir(), "record_dir"));
  // Opens no file: a .nfg game travels in game.nfg (a path without it is InvalidArgument).
  absl::StatusOr<RunPlan> plan = PlanRun(spec);
  if (!plan.ok()) return plan.status();  // names the spec field ("feedback.sigma: ...")
  NASHNET_RETURN_IF_ERROR(CheckServiceSpec(*plan));
  NASHNET_ASSIGN_OR_RETURN(std::string id, directory_.Reserve(request.game_id()));
  const std::filesystem::path record_dir =
      (options_.records_dir / (request.record_dir().empty() ? id : request.record_dir()))
          .lexically_normal();

  HostedGameConfig config;
  config.id = id;
  config.plan = *std::move(plan);
  config.record_dir = record_dir;
  config.io = &io_;
  config.writer = &writer_;
  config.budget = &budget_;
  config.metrics = metrics_.get();
  config.on_over = [this, id] { GameOver(id); };
  absl::StatusOr<std::shared_ptr<HostedGame>> game;
  {
    std::lock_guard<std::mutex> lock(create_mutex_);
    game = HostedGame::Create(std::move(config));
  }
  if (!game.ok()) {
    directory_.Abandon(id);
    return game.status();
  }
  {
    std::lock_guard<std::mutex> lock(running_mutex_);
    ++running_;
  }
  directory_.Commit(id, *game);
  std::shared_ptr<HostedGame> g = *game;
  // A drain that began while this game was being built did not see it: stop it here.
  const bool draining = directory_.draining();
  boost::asio::dispatch(g->strand(), [g, draining] {
    g->Begin();
    if (draining) g->Stop(v1::GAME_OVER_REASON_DRAINING, nullptr);
  });

  v1::CreateGameResponse response;
  response.set_game_id(id);
  response.set_record_dir(record_dir.string());
  return response;
}

void Coordinator::GameOver(const std::string& id) {
  directory_.Finished(id);  // listed still, but no longer counted against --max-games
  std::lock_guard<std::mutex> lock(running_mutex_);
  --running_;
  running_changed_.notify_all();
}

void Coordinator::Drain() {
  if (drained_) return;
  drained_ = true;
  for (const std::shared_ptr<HostedGame>& game : directory_.StartDraining()) {
    boost::asio::dispatch(game->strand(),
                          [game] { game->Stop(v1::GAME_OVER_REASON_DRAINING, nullptr); });
  }
  {
    std::unique_lock<std::mutex> lock(running_mutex_);
    running_changed_.wait(lock, [this] { return running_ == 0; });
  }
  // Every game is over and its GameOver queued: give the streams a moment to flush, then stop.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  writer_.Stop();
  work_.reset();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace nashnet::server

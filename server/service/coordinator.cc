#include "server/service/coordinator.h"

#include <grpcpp/health_check_service_interface.h>
#include <malloc.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <future>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/admission.h"
#include "server/metrics/metrics_server.h"
#include "server/metrics/service_metrics.h"
#include "server/service/admin_service.h"
#include "server/service/request_bounds.h"
#include "server/service/server_reflection.h"
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
  constexpr int64_t kMaxJournalMs = 3600 * 1000;
  if (journal.flush.count() < 1 || journal.flush.count() > kMaxJournalMs) {
    return absl::InvalidArgumentError(
        absl::StrCat("--journal-flush-ms: must be in [1, 3600000], got ", journal.flush.count()));
  }
  if (journal.sync.count() < 0 || journal.sync.count() > kMaxJournalMs) {
    return absl::InvalidArgumentError(
        absl::StrCat("--journal-sync-ms: must be in [0, 3600000], got ", journal.sync.count()));
  }
  NASHNET_RETURN_IF_ERROR(tls.Validate());
  if (absl::Status st = transport.Validate(); !st.ok()) return st;
  const GameLimits limits{.max_game_bytes = max_game_bytes, .max_round_work = max_round_work};
  NASHNET_RETURN_IF_ERROR(limits.Validate());
  if (memory_budget_bytes < max_game_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--memory-budget-bytes: must be >= --max-game-bytes ", max_game_bytes,
                     ", got ", memory_budget_bytes));
  }
  if (max_finished_games < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-finished-games: must be >= 0, got ", max_finished_games));
  }
  return ServiceMetricsOptions{.detail_games = metrics_detail_games, .period_ms = metrics_period_ms}
      .Validate();
}

Coordinator::Coordinator(const CoordinatorOptions& options)
    : options_(options),
      budget_(options.max_seats),
      memory_(options.memory_budget_bytes),
      directory_(options.max_games, options.max_finished_games) {}

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Start(const CoordinatorOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                           tls::MakeServerCredentials(options.tls));
  std::unique_ptr<Coordinator> c(new Coordinator(options));
  if (!options.metrics_listen.empty()) {
    // Serving before the gRPC port exists: whoever read --port-file can scrape at once.
    NASHNET_ASSIGN_OR_RETURN(c->metrics_,
                             ServiceMetrics::Create({.detail_games = options.metrics_detail_games,
                                                     .period_ms = options.metrics_period_ms}));
    absl::StatusOr<std::unique_ptr<MetricsServer>> http =
        MetricsServer::Start({.listen = options.metrics_listen,
                              .tls_cert_file = options.metrics_tls_cert_file,
                              .tls_key_file = options.metrics_tls_key_file,
                              .timeout_ms = options.metrics_timeout_ms},
                             c->metrics_->registry());
    if (!http.ok()) {
      c->drained_ = true;
      return http.status();
    }
    c->metrics_server_ = *std::move(http);
    c->metrics_port_ = c->metrics_server_->port();
  }
  // The ports before anything runs (a failure leaves nothing to stop); connections wait in the
  // backlog until the server starts.
  c->fds_ = std::make_unique<FdBudget>(options.transport.fd_reserve);
  absl::StatusOr<std::unique_ptr<TcpListener>> listener =
      TcpListener::Bind(options.listen, c->fds_.get());
  if (!listener.ok()) {
    c->drained_ = true;
    return absl::UnavailableError(absl::StrCat("--listen: ", listener.status().message()));
  }
  absl::StatusOr<std::unique_ptr<TcpListener>> health_listener = std::unique_ptr<TcpListener>();
  if (!options.health_listen.empty()) {
    health_listener = TcpListener::Bind(options.health_listen, c->fds_.get());
    if (!health_listener.ok()) {
      c->drained_ = true;
      return absl::UnavailableError(
          absl::StrCat("--health-listen: ", health_listener.status().message()));
    }
  }
  c->work_.emplace(c->io_.get_executor());
  for (int k = 0; k < options.threads; ++k) c->threads_.emplace_back([io = &c->io_] { io->run(); });
  // Before the port opens: an agent that reconnects finds its game.
  if (options.recover) c->RecoverGames();

  using ConnectionType = grpc::ServerBuilder::experimental_type::ExternalConnectionType;
  c->service_ = std::make_unique<CoordinatorService>(c.get(), options.admin_token);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  ConfigureReflection(&builder, options.reflection);
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor =
      builder.experimental().AddExternalConnectionAcceptor(ConnectionType::FROM_FD, credentials);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  options.transport.ApplyTo(&builder);
  builder.RegisterService(c->service_.get());
  c->server_ = builder.BuildAndStart();
  if (c->server_ != nullptr) {
    c->listener_ = *std::move(listener);
    c->port_ = c->listener_->port();
    c->listener_->Start(std::move(acceptor));
  }
  if (c->server_ != nullptr && *health_listener != nullptr) {
    grpc::ServerBuilder health;
    std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> health_acceptor =
        health.experimental().AddExternalConnectionAcceptor(ConnectionType::FROM_FD,
                                                            grpc::InsecureServerCredentials());
    options.transport.ApplyTo(&health);
    c->health_server_ = health.BuildAndStart();  // the default health service only
    if (c->health_server_ != nullptr) {
      c->health_server_->GetHealthCheckService()->SetServingStatus(
          v1::Coordinator::service_full_name(), true);
      c->health_listener_ = *std::move(health_listener);
      c->health_port_ = c->health_listener_->port();
      c->health_listener_->Start(std::move(health_acceptor));
    } else {
      c->server_->Shutdown();
      c->server_.reset();
      c->listener_.reset();
      c->port_ = 0;
      c->drained_ = true;
      c->work_.reset();
      c->io_.stop();
      for (std::thread& t : c->threads_) t.join();
      c->threads_.clear();
      return absl::UnavailableError(
          absl::StrCat("--health-listen: cannot serve on ", options.health_listen));
    }
  }
  if (c->server_ == nullptr) {
    c->drained_ = true;
    c->work_.reset();
    c->io_.stop();
    for (std::thread& t : c->threads_) t.join();
    c->threads_.clear();
    return absl::UnavailableError(absl::StrCat("--listen: cannot serve on ", options.listen));
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

void Coordinator::CreateGameAsync(
    const v1::CreateGameRequest* request,
    std::function<void(absl::StatusOr<v1::CreateGameResponse>)> done) {
  create_thread_.Post([this, request, done = std::move(done)] { done(CreateGame(*request)); });
}

HostedGameConfig Coordinator::BaseConfig(const std::string& id) {
  HostedGameConfig config;
  config.id = id;
  config.io = &io_;
  config.writer = &writer_;
  config.budget = &budget_;
  config.metrics = metrics_.get();
  config.journal = options_.journal;
  config.on_over = [this, id] { GameOver(id); };
  return config;
}

void Coordinator::Adopt(const std::string& id, std::shared_ptr<HostedGame> game, int64_t charged) {
  {
    std::lock_guard<std::mutex> lock(running_mutex_);
    ++running_;
  }
  directory_.Commit(id, game, charged);
  // A drain that began while this game was being built did not see it: drain it here.
  const bool draining = directory_.draining();
  boost::asio::dispatch(game->strand(), [game, draining] {
    game->Begin();
    if (draining) game->Drain(nullptr);
  });
}

absl::StatusOr<v1::CreateGameResponse> Coordinator::DoCreateGame(
    const v1::CreateGameRequest& request) {
  if (directory_.draining()) {
    return absl::UnavailableError("the coordinator is shutting down (no new games)");
  }
  // A game opens files on every record write: none is created without descriptors to spare.
  NASHNET_RETURN_IF_ERROR(fds_->CheckAdmission("CreateGame"));
  NASHNET_RETURN_IF_ERROR(CheckCreateGameBounds(request));
  const v1::RunSpec& spec = request.spec();
  if (spec.seeds() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("seeds: a game is one seed (got ", spec.seeds(),
                                                   "); create one game per seed"));
  }
  NASHNET_RETURN_IF_ERROR(ValidateRecordDir(request.record_dir(), "record_dir"));
  NASHNET_ASSIGN_OR_RETURN(const int64_t charged, Admit(spec));
  // Whatever fails from here hands the charge back.
  absl::StatusOr<v1::CreateGameResponse> created = Build(request, charged);
  if (!created.ok()) memory_.Release(charged);
  return created;
}

absl::StatusOr<int64_t> Coordinator::Admit(const v1::RunSpec& spec) {
  absl::StatusOr<GameCost> cost = EstimateGameCost(spec, {.hosted = true});
  if (!cost.ok()) {
    // A spec the estimate cannot price is one PlanRun refuses: its message is the canonical one.
    // (The estimate refuses bad parameters before PlanRun would build anything big.)
    absl::StatusOr<RunPlan> plan = PlanRun(spec);
    return plan.ok() ? cost.status() : plan.status();
  }
  const GameLimits limits{.max_game_bytes = options_.max_game_bytes,
                          .max_round_work = options_.max_round_work};
  NASHNET_RETURN_IF_ERROR(CheckGameLimits(*cost, limits));
  if (!memory_.TryCharge(cost->total_bytes())) {
    const int64_t used = memory_.used();
    return absl::ResourceExhaustedError(absl::StrCat(
        cost->field, ": ", cost->label, " needs ", ApproximateBytes(cost->total_bytes()),
        " (estimate); --memory-budget-bytes ", options_.memory_budget_bytes, " has ",
        ApproximateBytes(std::max<int64_t>(options_.memory_budget_bytes - used, 0)), " left (",
        memory_.games(), " games hold ", ApproximateBytes(used), ")"));
  }
  return cost->total_bytes();
}

absl::StatusOr<v1::CreateGameResponse> Coordinator::Build(const v1::CreateGameRequest& request,
                                                          int64_t charged) {
  const v1::RunSpec& spec = request.spec();
  absl::StatusOr<RunPlan> plan = PlanRun(spec);
  if (!plan.ok()) return plan.status();  // names the spec field ("feedback.sigma: ...")
  NASHNET_RETURN_IF_ERROR(CheckServiceSpec(*plan));
  NASHNET_ASSIGN_OR_RETURN(std::string id, directory_.Reserve(request.game_id()));
  const std::filesystem::path record_dir =
      (options_.records_dir / (request.record_dir().empty() ? id : request.record_dir()))
          .lexically_normal();

  HostedGameConfig config = BaseConfig(id);
  config.plan = *std::move(plan);
  config.record_dir = record_dir;
  config.relative_record_dir =
      std::filesystem::path(request.record_dir().empty() ? id : request.record_dir())
          .lexically_normal()
          .string();
  absl::StatusOr<std::shared_ptr<HostedGame>> game;
  {
    std::lock_guard<std::mutex> lock(create_mutex_);
    game = HostedGame::Create(std::move(config));
  }
  if (!game.ok()) {
    directory_.Abandon(id);
    return game.status();
  }
  Adopt(id, *game, charged);

  v1::CreateGameResponse response;
  response.set_game_id(id);
  response.set_record_dir(record_dir.string());
  return response;
}

void Coordinator::GameOver(const std::string& id) {
  // On the game's strand, at the end of its Finish: its final info replaces it in the directory
  // (listed still, no longer counted against --max-games).
  v1::GameInfo info;
  std::shared_ptr<HostedGame> game = directory_.Find(id);
  if (game != nullptr) game->FillInfo(&info);
  GameDirectory::Ended ended = directory_.Finished(id, std::move(info));
  // Let go of the game off its strand (ReleaseGame).
  game.reset();  // the same object as ended.game
  boost::asio::post(io_, [this, ended = std::move(ended)]() mutable {
    ReleaseGame(std::move(ended.game), ended.charged, 0);
  });
  std::lock_guard<std::mutex> lock(running_mutex_);
  --running_;
  running_changed_.notify_all();
}

void Coordinator::ReleaseGame(std::shared_ptr<HostedGame> game, int64_t charged, int checks) {
  constexpr int kMaxChecks = 500;
  if (game != nullptr && game.use_count() > 1 && checks < kMaxChecks) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(10));
    timer->async_wait([this, timer, game = std::move(game), charged,
                       checks](const boost::system::error_code&) mutable {
      ReleaseGame(std::move(game), charged, checks + 1);
    });
    return;
  }
  game.reset();  // destroyed here unless something still holds it after 5 s
  malloc_trim(0);
  memory_.Release(charged);
}

void Coordinator::Drain() {
  if (drained_) return;
  drained_ = true;
  // Readiness first: load balancers and Kubernetes stop sending agents here.
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server != nullptr) server->GetHealthCheckService()->SetServingStatus(false);
  }
  for (const std::shared_ptr<HostedGame>& game : directory_.StartDraining()) {
    boost::asio::dispatch(game->strand(), [game] { game->Drain(nullptr); });
  }
  {
    // A game being created now was not in the list above: wait until it is adopted (Adopt
    // drains it, and counts it running for the wait below). Later creates see the drain.
    std::promise<void> created;
    create_thread_.Post([&created] { created.set_value(); });
    created.get_future().wait();
  }
  {
    std::unique_lock<std::mutex> lock(running_mutex_);
    running_changed_.wait(lock, [this] { return running_ == 0; });
  }
  // Every game is over and its GameOver queued: give the streams a moment to flush, then stop.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (health_server_ != nullptr) health_server_->Shutdown();
  create_thread_.Stop();  // the creates of calls cut by the shutdown answer them
  listener_->Stop();      // connections accepted after the shutdown were closed by the server
  if (health_listener_ != nullptr) health_listener_->Stop();
  writer_.Stop();
  work_.reset();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace nashnet::server

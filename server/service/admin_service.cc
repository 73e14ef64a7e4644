#include "server/service/admin_service.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/constant_time.h"
#include "server/metrics/service_metrics.h"
#include "server/record/redact_secrets.h"
#include "server/service/coordinator.h"
#include "server/service/grpc_status.h"
#include "server/service/list_games.h"
#include "server/service/play_reactor.h"
#include "server/service/request_bounds.h"
#include "server/service/stream_timer.h"
#include "server/service/streams.h"

namespace nashnet::server {
namespace {

constexpr char kAdminTokenHeader[] = "x-nashnet-admin-token";

grpc::Status NoGame(const std::string& id) {
  if (id.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "game_id: missing");
  return grpc::Status(grpc::StatusCode::NOT_FOUND,
                      absl::StrCat("game_id: no game ", QuoteInput(id)));
}

// A WatchGame stream that ends at once with a status.
class FailedWatch final : public grpc::ServerWriteReactor<v1::GameUpdate> {
 public:
  explicit FailedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

std::atomic<int64_t> live_watch_reactors{0};

// WatchGame: the latest update waits in one slot behind the one being written, so a slow watcher
// gets the newest metrics, never a backlog. Runs on the game's strand after construction; deleted
// there after OnDone.
//
// It finishes on every path: a cancel while no write is in flight ends it at once; one that meets
// a write in flight ends it when that write completes (a cancelled call fails its pending write;
// one that had just succeeded finds `cancelled_`); the last update ends it once written, and a
// watcher that does not read it within the write timeout is cancelled.
class WatchReactor final : public grpc::ServerWriteReactor<v1::GameUpdate>, public WatchStream {
 public:
  WatchReactor(grpc::CallbackServerContext* context, std::shared_ptr<HostedGame> game,
               int64_t every, boost::asio::io_context* io, std::chrono::milliseconds write_timeout)
      : context_(context), game_(std::move(game)), io_(io), write_timeout_(write_timeout) {
    live_watch_reactors.fetch_add(1, std::memory_order_relaxed);
    boost::asio::dispatch(game_->strand(), [this, every] { game_->AddWatcher(this, every); });
  }
  ~WatchReactor() override { live_watch_reactors.fetch_sub(1, std::memory_order_relaxed); }

  void Update(const v1::GameUpdate& update, bool last) override {
    if (finished_ || cancelled_) return;
    last_ = last_ || last;
    if (!writing_) {
      current_ = update;
      writing_ = true;
      StartWrite(&current_);
    } else {
      next_ = update;
      has_next_ = true;
    }
    if (last_ && io_ != nullptr && !write_timer_.has_value()) {
      // The last update: a watcher that does not read it in time is cancelled.
      write_timer_.emplace(io_);
      write_timer_->Start(write_timeout_, [context = context_] { context->TryCancel(); });
    }
  }

  void OnWriteDone(bool ok) override {
    boost::asio::dispatch(game_->strand(), [this, ok] {
      writing_ = false;
      if (!ok || cancelled_) {
        game_->RemoveWatcher(this);
        return End(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
      }
      if (has_next_) {
        has_next_ = false;
        current_.Swap(&next_);
        writing_ = true;
        StartWrite(&current_);
        return;
      }
      if (last_) End(grpc::Status::OK);
    });
  }

  void OnCancel() override {
    boost::asio::dispatch(game_->strand(), [this] {
      cancelled_ = true;
      game_->RemoveWatcher(this);
      // A write in flight completes (failed, or just done): OnWriteDone ends the stream then.
      if (!writing_) End(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
    });
  }

  void OnDone() override {
    if (write_timer_.has_value()) write_timer_->Cancel();  // its callback uses the context
    std::shared_ptr<HostedGame> game = game_;
    boost::asio::dispatch(game->strand(), [this, game] {
      game->RemoveWatcher(this);
      delete this;
    });
  }

 private:
  void End(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  grpc::CallbackServerContext* context_;
  std::shared_ptr<HostedGame> game_;
  boost::asio::io_context* io_;
  const std::chrono::milliseconds write_timeout_;
  std::optional<StreamTimer> write_timer_;  // armed with the last update
  v1::GameUpdate current_;
  v1::GameUpdate next_;
  bool has_next_ = false;
  bool writing_ = false;
  bool last_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

// A WatchGame of an ended game: its last update (status, metrics, summary), then OK.
class EndedWatch final : public grpc::ServerWriteReactor<v1::GameUpdate> {
 public:
  EndedWatch(const CoordinatorService* service, const std::string& id) {
    service->Ended(id, [this](v1::GameInfo info) {
      update_.set_game_id(info.game_id());
      update_.set_status(info.status());
      update_.set_round(info.round());
      update_.set_rounds(info.rounds());
      *update_.mutable_metrics() = std::move(*info.mutable_latest());
      *update_.mutable_summary() = std::move(*info.mutable_summary());
      StartWrite(&update_);
    });
  }
  void OnWriteDone(bool ok) override {
    Finish(ok ? grpc::Status::OK : grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
  }
  void OnDone() override { delete this; }

 private:
  v1::GameUpdate update_;
};

}  // namespace

int64_t LiveWatchReactors() { return live_watch_reactors.load(std::memory_order_relaxed); }
bool CoordinatorService::Ended(const std::string& id,
                               std::function<void(v1::GameInfo)> done) const {
  GameDirectory::Listed listed = coordinator_->directory().Lookup(id);
  if (listed.id.empty() || listed.live != nullptr) return false;
  if (done == nullptr) return true;
  if (listed.info != nullptr) {
    done(*listed.info);
  } else {
    coordinator_->disk().Post(
        [id, dir = listed.record_dir, done = std::move(done)] { done(RetiredGameInfo(id, dir)); });
  }
  return true;
}

grpc::Status CoordinatorService::CheckAdmin(grpc::CallbackServerContext* context) const {
  if (admin_token_.empty()) return grpc::Status::OK;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(kAdminTokenHeader);
  if (it == metadata.end()) {
    if (coordinator_->metrics() != nullptr) {
      coordinator_->metrics()->Rejected(RejectReason::kUnauthenticated);
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat("admin RPCs need metadata ", kAdminTokenHeader));
  }
  if (!ConstantTimeEquals(std::string_view(it->second.data(), it->second.size()), admin_token_)) {
    if (coordinator_->metrics() != nullptr) {
      coordinator_->metrics()->Rejected(RejectReason::kUnauthenticated);
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat(kAdminTokenHeader, ": wrong admin token"));
  }
  return grpc::Status::OK;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* CoordinatorService::Play(
    grpc::CallbackServerContext* context) {
  const TransportOptions& transport = coordinator_->options().transport;
  return new PlayReactor(context, PlayEnv{.directory = &coordinator_->directory(),
                                          .metrics = coordinator_->metrics(),
                                          .io = &coordinator_->io(),
                                          .join_timeout = transport.join_timeout,
                                          .write_timeout = transport.write_timeout});
}

grpc::ServerUnaryReactor* CoordinatorService::CreateGame(grpc::CallbackServerContext* context,
                                                         const v1::CreateGameRequest* request,
                                                         v1::CreateGameResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status st = CheckAdmin(context); !st.ok()) {
    reactor->Finish(st);
    return reactor;
  }
  // Building the game and its record folder happen on the create thread; the call is answered
  // from there (the request and response live until Finish).
  coordinator_->CreateGameAsync(
      request, [reactor, response](absl::StatusOr<v1::CreateGameResponse> created) {
        if (created.ok()) *response = *std::move(created);
        reactor->Finish(ToGrpcStatus(created.status()));
      });
  return reactor;
}

grpc::ServerUnaryReactor* CoordinatorService::ListGames(grpc::CallbackServerContext* context,
                                                        const v1::ListGamesRequest* request,
                                                        v1::ListGamesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status st = CheckAdmin(context); !st.ok()) {
    reactor->Finish(st);
    return reactor;
  }
  absl::StatusOr<GamePage> page = ParseGamePage(*request);
  if (!page.ok()) {
    reactor->Finish(ToGrpcStatus(page.status()));
    return reactor;
  }
  ListGamesPage(coordinator_->directory(), &coordinator_->disk(), *page, response,
                [reactor] { reactor->Finish(grpc::Status::OK); });
  return reactor;
}

std::shared_ptr<HostedGame> CoordinatorService::AdminFind(grpc::CallbackServerContext* context,
                                                          const std::string& id,
                                                          grpc::Status* status) const {
  if (*status = CheckAdmin(context); !status->ok()) return nullptr;
  if (absl::Status bound = CheckGameIdBound(id, "game_id"); !bound.ok()) {
    *status = ToGrpcStatus(bound);
    if (coordinator_->metrics() != nullptr) coordinator_->metrics()->Rejected(RejectReason::kOther);
    return nullptr;
  }
  std::shared_ptr<HostedGame> game = coordinator_->directory().Find(id);
  if (game == nullptr && Ended(id, nullptr)) return nullptr;  // *status stays OK
  if (game == nullptr) {
    *status = NoGame(id);
    if (coordinator_->metrics() != nullptr) {
      coordinator_->metrics()->Rejected(id.empty() ? RejectReason::kOther
                                                   : RejectReason::kNotFound);
    }
  }
  return game;
}

grpc::ServerUnaryReactor* CoordinatorService::GetGame(grpc::CallbackServerContext* context,
                                                      const v1::GetGameRequest* request,
                                                      v1::GameInfo* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status status;
  std::shared_ptr<HostedGame> game = AdminFind(context, request->game_id(), &status);
  if (game == nullptr) {
    // An ended game (OK status): its final info, from memory or its record folder.
    if (status.ok()) {
      Ended(request->game_id(), [response, reactor](v1::GameInfo info) {
        *response = std::move(info);
        reactor->Finish(grpc::Status::OK);
      });
      return reactor;
    }
    reactor->Finish(status);
    return reactor;
  }
  boost::asio::dispatch(game->strand(), [game, response, reactor] {
    game->FillInfo(response);
    RedactSecrets(response->mutable_spec());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* CoordinatorService::StopGame(grpc::CallbackServerContext* context,
                                                       const v1::StopGameRequest* request,
                                                       v1::GameInfo* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status status;
  std::shared_ptr<HostedGame> game = AdminFind(context, request->game_id(), &status);
  if (game == nullptr) {
    // An ended game (OK status): its final info, from memory or its record folder.
    if (status.ok()) {
      Ended(request->game_id(), [response, reactor](v1::GameInfo info) {
        *response = std::move(info);
        reactor->Finish(grpc::Status::OK);
      });
      return reactor;
    }
    reactor->Finish(status);
    return reactor;
  }
  boost::asio::dispatch(game->strand(), [game, response, reactor] {
    game->Stop([response, reactor](const v1::GameInfo& info) {
      *response = info;
      RedactSecrets(response->mutable_spec());
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::GameUpdate>* CoordinatorService::WatchGame(
    grpc::CallbackServerContext* context, const v1::WatchGameRequest* request) {
  if (grpc::Status st = CheckAdmin(context); !st.ok()) return new FailedWatch(st);
  if (request->every() < 0) {
    return new FailedWatch(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("every: must be >= 0 (0 = about 200 updates), got ", request->every())));
  }
  grpc::Status status;
  std::shared_ptr<HostedGame> game = AdminFind(context, request->game_id(), &status);
  if (game == nullptr && status.ok()) return new EndedWatch(this, request->game_id());
  if (game == nullptr) return new FailedWatch(status);
  return new WatchReactor(context, std::move(game), request->every(), &coordinator_->io(),
                          coordinator_->options().transport.write_timeout);
}

}  // namespace nashnet::server

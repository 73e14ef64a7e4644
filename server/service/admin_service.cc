#include "server/service/admin_service.h"

#include <boost/asio/dispatch.hpp>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/metrics/service_metrics.h"
#include "server/service/coordinator.h"
#include "server/service/grpc_status.h"
#include "server/service/list_games.h"
#include "server/service/play_reactor.h"
#include "server/service/request_bounds.h"
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

// WatchGame: the latest update waits in one slot behind the one being written, so a slow watcher
// gets the newest metrics, never a backlog. Runs on the game's strand after construction; deleted
// there after OnDone.
class WatchReactor final : public grpc::ServerWriteReactor<v1::GameUpdate>, public WatchStream {
 public:
  WatchReactor(std::shared_ptr<HostedGame> game, int64_t every) : game_(std::move(game)) {
    boost::asio::dispatch(game_->strand(), [this, every] { game_->AddWatcher(this, every); });
  }

  void Update(const v1::GameUpdate& update, bool last) override {
    if (finished_) return;
    last_ = last_ || last;
    if (!writing_) {
      current_ = update;
      writing_ = true;
      StartWrite(&current_);
    } else {
      next_ = update;
      has_next_ = true;
    }
  }

  void OnWriteDone(bool ok) override {
    boost::asio::dispatch(game_->strand(), [this, ok] {
      writing_ = false;
      if (!ok) {
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
      game_->RemoveWatcher(this);
      if (!writing_) End(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
    });
  }

  void OnDone() override {
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

  std::shared_ptr<HostedGame> game_;
  v1::GameUpdate current_;
  v1::GameUpdate next_;
  bool has_next_ = false;
  bool writing_ = false;
  bool last_ = false;
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
  if (std::string(it->second.data(), it->second.size()) != admin_token_) {
    if (coordinator_->metrics() != nullptr) {
      coordinator_->metrics()->Rejected(RejectReason::kUnauthenticated);
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        absl::StrCat(kAdminTokenHeader, ": wrong admin token"));
  }
  return grpc::Status::OK;
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::CoordinatorMessage>* CoordinatorService::Play(
    grpc::CallbackServerContext* context) {
  return new PlayReactor(context, &coordinator_->directory(), coordinator_->metrics());
}

grpc::ServerUnaryReactor* CoordinatorService::CreateGame(grpc::CallbackServerContext* context,
                                                         const v1::CreateGameRequest* request,
                                                         v1::CreateGameResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status st = CheckAdmin(context); !st.ok()) {
    reactor->Finish(st);
    return reactor;
  }
  absl::StatusOr<v1::CreateGameResponse> created =
      coordinator_->CreateGame(*request, ".", /*trusted=*/false);
  if (created.ok()) *response = *std::move(created);
  reactor->Finish(ToGrpcStatus(created.status()));
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
  return new WatchReactor(std::move(game), request->every());
}

}  // namespace nashnet::server

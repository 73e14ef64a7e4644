// CoordinatorService: the gRPC callback service — Play (PlayReactor) and the admin RPCs
// (CreateGame, ListGames, GetGame, StopGame, WatchGame), with the admin token check.
//
// Handlers never block: each looks the game up in the directory and dispatches onto the game's
// strand, finishing the call from there (ListGames gathers every game's info that way); CreateGame
// hands its work (building the game, its record folder) to the coordinator's create thread and
// is answered from there (Coordinator::CreateGameAsync). Play is
// registered raw (bytes in and out): PlayReactor decodes its messages itself, so that undecodable
// bytes are INVALID_ARGUMENT (play_reactor.h). Every WatchGame stream finishes, whatever races
// between its writes, a cancel and the end of its game; a watcher that does not read its last
// update is cancelled after the write timeout.
//
// Thread safety: gRPC calls it from its threads; it holds no state of its own.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "nashnet/v1/coordinator.grpc.pb.h"

namespace nashnet::server {

class Coordinator;
class HostedGame;

// The generated callback service with Play as a raw (ByteBuffer) method.
using CoordinatorServiceBase = v1::Coordinator::WithRawCallbackMethod_Play<
    v1::Coordinator::WithCallbackMethod_CreateGame<v1::Coordinator::WithCallbackMethod_ListGames<
        v1::Coordinator::WithCallbackMethod_GetGame<v1::Coordinator::WithCallbackMethod_StopGame<
            v1::Coordinator::WithCallbackMethod_WatchGame<v1::Coordinator::Service>>>>>>;

// WatchGame reactors alive in this process (each is deleted exactly once, after its OnDone).
[[nodiscard]] int64_t LiveWatchReactors();

class CoordinatorService final : public CoordinatorServiceBase {
 public:
  CoordinatorService(Coordinator* coordinator, std::string admin_token)
      : coordinator_(coordinator), admin_token_(std::move(admin_token)) {}

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Play(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* CreateGame(grpc::CallbackServerContext* context,
                                       const v1::CreateGameRequest* request,
                                       v1::CreateGameResponse* response) override;
  grpc::ServerUnaryReactor* ListGames(grpc::CallbackServerContext* context,
                                      const v1::ListGamesRequest* request,
                                      v1::ListGamesResponse* response) override;
  grpc::ServerUnaryReactor* GetGame(grpc::CallbackServerContext* context,
                                    const v1::GetGameRequest* request,
                                    v1::GameInfo* response) override;
  grpc::ServerUnaryReactor* StopGame(grpc::CallbackServerContext* context,
                                     const v1::StopGameRequest* request,
                                     v1::GameInfo* response) override;
  grpc::ServerWriteReactor<v1::GameUpdate>* WatchGame(grpc::CallbackServerContext* context,
                                                      const v1::WatchGameRequest* request) override;

  // Whether `id` is an ended game; if so and `done` is set, calls it (at once, or from the disk
  // thread for a retired game) with its final GameInfo.
  bool Ended(const std::string& id, std::function<void(v1::GameInfo)> done) const;

 private:
  // OK, or UNAUTHENTICATED when --admin-token is set and the call lacks it.
  [[nodiscard]] grpc::Status CheckAdmin(grpc::CallbackServerContext* context) const;
  // The live game `id` for an admin call: the admin check, the id's bound, then the lookup; on
  // failure `*status` says why (UNAUTHENTICATED / INVALID_ARGUMENT / NOT_FOUND) and the result is
  // null. An ended game is null with an OK `*status` (see Ended).
  [[nodiscard]] std::shared_ptr<HostedGame> AdminFind(grpc::CallbackServerContext* context,
                                                      const std::string& id,
                                                      grpc::Status* status) const;

  Coordinator* coordinator_;
  const std::string admin_token_;
};

}  // namespace nashnet::server

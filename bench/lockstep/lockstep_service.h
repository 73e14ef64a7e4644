// LockstepService: the bare gRPC lockstep baseline of the service benchmarks (bench/README.md).
//
// It implements v1::Coordinator with the same messages, the same callback API and the same
// message sizes as nashnet-coordinator, but does no game work: Play waits for every seat's Action
// of round t, then answers every seat with a Feedback of the size the real one has (payoff,
// payoff vector of |A_i| doubles, the played index) — no payoffs computed, no metrics, no record.
// CreateGame only reads the spec's shape (players, actions, horizon, feedback model; via
// PlanRun, once); GetGame answers the status, the round and, once over, a summary carrying
// rounds_per_second measured as the real coordinator measures it (first Start to last Feedback).
// ListGames, StopGame and WatchGame are not implemented (UNIMPLEMENTED).
//
//   LockstepService service;
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
//   auto server = builder.BuildAndStart();   // clients: CreateGame, then Play per seat
//
// What it keeps lean on purpose, so that it is a fair floor: one mutex per game (never held
// across a blocking call; StartWrite only queues), a three-slot ring of reused messages per stream
// (Joined + Start, or the last Feedback + GameOver, may be pending at once), no per-round
// allocation in steady state.
//
// Thread safety: every method may be called concurrently by gRPC's callback threads.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "nashnet/v1/coordinator.grpc.pb.h"

namespace nashnet::bench {

struct LockstepGame;  // lockstep_service.cc

class LockstepService final : public v1::Coordinator::CallbackService {
 public:
  LockstepService();
  ~LockstepService() override;

  grpc::ServerBidiReactor<v1::AgentMessage, v1::CoordinatorMessage>* Play(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* CreateGame(grpc::CallbackServerContext* context,
                                       const v1::CreateGameRequest* request,
                                       v1::CreateGameResponse* response) override;
  grpc::ServerUnaryReactor* GetGame(grpc::CallbackServerContext* context,
                                    const v1::GetGameRequest* request,
                                    v1::GameInfo* response) override;

  // The game `id`, or null.
  [[nodiscard]] std::shared_ptr<LockstepGame> Find(const std::string& id) const;

 private:
  mutable std::mutex mu_;  // guards games_ (lookups only)
  std::map<std::string, std::shared_ptr<LockstepGame>> games_;
  std::atomic<int64_t> next_id_{1};
};

}  // namespace nashnet::bench

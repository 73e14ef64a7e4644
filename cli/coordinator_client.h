// CoordinatorClient: the `nashnet` CLI's side of a coordinator's admin RPCs (CreateGame,
// ListGames, GetGame, StopGame, WatchGame) over one gRPC channel, with the admin token as
// metadata, and the one-line error reports every admin verb shares.
//
//   CoordinatorClient client({.address = "127.0.0.1:50051"});
//   absl::StatusOr<v1::GameInfo> info = client.GetGame("g1");
//   if (!info.ok()) return client.Report(info.status());   // prints one line, returns 1
//
//   std::unique_ptr<GameWatch> watch = client.Watch("g1", /*every=*/0);
//   v1::GameUpdate update;
//   while (watch->Read(&update)) { ... }
//   absl::Status end = watch->Finish();
//
// Errors keep gRPC's code (absl and gRPC share the numbering) and its message.
// Thread safety: a CoordinatorClient may be used from several threads at once (gRPC stubs are);
// a GameWatch is read by one thread, and Cancel may be called from any other.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/tls/channel_tls.h"
#include "nashnet/v1/coordinator.grpc.pb.h"

namespace nashnet::cli {

inline constexpr char kDefaultCoordinator[] = "127.0.0.1:50051";

struct CoordinatorClientOptions {
  // host:port of the coordinator's gRPC listener.
  std::string address = kDefaultCoordinator;
  // Sent as metadata `x-nashnet-admin-token` when not empty.
  std::string admin_token;
  // Deadline of each unary RPC (connecting included).
  std::chrono::milliseconds timeout{10000};
  // Plaintext or TLS (tls::ChannelSecurity::Load of --tls-ca ...).
  tls::ChannelSecurity security;

  // InvalidArgument for an empty address or a non-positive timeout.
  [[nodiscard]] absl::Status Validate() const;
};

// A WatchGame stream.
class GameWatch {
 public:
  // The next update; false when the stream has ended (then call Finish).
  [[nodiscard]] bool Read(v1::GameUpdate* update);
  // The stream's final status (OK once the game is over and the last update was read).
  [[nodiscard]] absl::Status Finish();
  // Ends the stream early (Read returns false soon after). Safe from any thread.
  void Cancel() { context_.TryCancel(); }

 private:
  friend class CoordinatorClient;
  GameWatch() = default;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::GameUpdate>> reader_;
};

class CoordinatorClient {
 public:
  explicit CoordinatorClient(CoordinatorClientOptions options);

  [[nodiscard]] const std::string& address() const { return options_.address; }

  [[nodiscard]] absl::StatusOr<v1::CreateGameResponse> CreateGame(
      const v1::CreateGameRequest& request);
  // Every game: follows ListGames pages to the last (next_page_token empty).
  [[nodiscard]] absl::StatusOr<v1::ListGamesResponse> ListGames();
  [[nodiscard]] absl::StatusOr<v1::GameInfo> GetGame(const std::string& game_id);
  [[nodiscard]] absl::StatusOr<v1::GameInfo> StopGame(const std::string& game_id);
  // Opens a WatchGame stream (no deadline: it lasts until the game ends).
  [[nodiscard]] std::unique_ptr<GameWatch> Watch(const std::string& game_id, int64_t every);

  // Prints the one-line report of a failed RPC on stderr and returns the exit code (1):
  // "nashnet: cannot reach coordinator at ADDR: UNAVAILABLE: ..." when the channel never
  // connected ("... ADDR: TLS handshake failed: ..." for a TLS failure), else
  // "nashnet: error: NOT_FOUND: <the coordinator's message>".
  [[nodiscard]] int Report(const absl::Status& status) const;

 private:
  void Prepare(grpc::ClientContext* context, bool deadline) const;

  CoordinatorClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Coordinator::Stub> stub_;
};

// "NOT_FOUND: game 'x' is not known".
[[nodiscard]] std::string StatusText(const absl::Status& status);

// absl::Status with gRPC's code and message.
[[nodiscard]] absl::Status FromGrpc(const grpc::Status& status);

}  // namespace nashnet::cli

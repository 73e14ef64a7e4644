#include "cli/coordinator_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "server/game_file.h"

namespace nashnet::cli {

absl::Status CoordinatorClientOptions::Validate() const {
  if (address.empty()) return absl::InvalidArgumentError("--coordinator: must not be empty");
  if (timeout.count() <= 0) return absl::InvalidArgumentError("timeout: must be positive");
  return absl::OkStatus();
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::string StatusText(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

bool GameWatch::Read(v1::GameUpdate* update) { return reader_->Read(update); }

absl::Status GameWatch::Finish() { return FromGrpc(reader_->Finish()); }

namespace {

// A GameInfo carries its spec, and a spec may carry a .nfg text of up to 16 MiB (game_file.h):
// more than gRPC's default 4 MiB per received message.
grpc::ChannelArguments ChannelArgs() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(4 * server::kMaxNfgBytes));
  return args;
}

}  // namespace

CoordinatorClient::CoordinatorClient(CoordinatorClientOptions options)
    : options_(std::move(options)),
      channel_(options_.security.CreateChannel(options_.address, ChannelArgs())),
      stub_(v1::Coordinator::NewStub(channel_)) {}

void CoordinatorClient::Prepare(grpc::ClientContext* context, bool deadline) const {
  if (deadline) context->set_deadline(std::chrono::system_clock::now() + options_.timeout);
  if (!options_.admin_token.empty()) {
    context->AddMetadata("x-nashnet-admin-token", options_.admin_token);
  }
}

absl::StatusOr<v1::CreateGameResponse> CoordinatorClient::CreateGame(
    const v1::CreateGameRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, true);
  v1::CreateGameResponse response;
  if (absl::Status st = FromGrpc(stub_->CreateGame(&context, request, &response)); !st.ok()) {
    return st;
  }
  return response;
}

absl::StatusOr<v1::ListGamesResponse> CoordinatorClient::ListGames() {
  // Page after page (each a call of its own, each within the message limit) until the last.
  constexpr int kMaxPages = 1'000'000;
  v1::ListGamesResponse all;
  v1::ListGamesRequest request;
  request.set_page_size(1000);
  for (int page = 0; page < kMaxPages; ++page) {
    grpc::ClientContext context;
    Prepare(&context, true);
    v1::ListGamesResponse response;
    if (absl::Status st = FromGrpc(stub_->ListGames(&context, request, &response)); !st.ok()) {
      return st;
    }
    for (v1::GameInfo& game : *response.mutable_games()) *all.add_games() = std::move(game);
    if (response.next_page_token().empty()) return all;
    if (response.next_page_token() == request.page_token()) {
      return absl::InternalError("ListGames: the coordinator returned the same page token twice");
    }
    request.set_page_token(response.next_page_token());
  }
  return absl::InternalError(absl::StrCat("ListGames: more than ", kMaxPages, " pages"));
}

absl::StatusOr<v1::GameInfo> CoordinatorClient::GetGame(const std::string& game_id) {
  grpc::ClientContext context;
  Prepare(&context, true);
  v1::GetGameRequest request;
  request.set_game_id(game_id);
  v1::GameInfo info;
  if (absl::Status st = FromGrpc(stub_->GetGame(&context, request, &info)); !st.ok()) return st;
  return info;
}

absl::StatusOr<v1::GameInfo> CoordinatorClient::StopGame(const std::string& game_id) {
  grpc::ClientContext context;
  Prepare(&context, true);
  v1::StopGameRequest request;
  request.set_game_id(game_id);
  v1::GameInfo info;
  if (absl::Status st = FromGrpc(stub_->StopGame(&context, request, &info)); !st.ok()) return st;
  return info;
}

std::unique_ptr<GameWatch> CoordinatorClient::Watch(const std::string& game_id, int64_t every) {
  std::unique_ptr<GameWatch> watch(new GameWatch());
  Prepare(&watch->context_, false);
  v1::WatchGameRequest request;
  request.set_game_id(game_id);
  request.set_every(every);
  watch->reader_ = stub_->WatchGame(&watch->context_, request);
  return watch;
}

int CoordinatorClient::Report(const absl::Status& status) const {
  // UNAVAILABLE / DEADLINE_EXCEEDED on a channel that is not connected: nobody answered at all
  // (a draining coordinator also answers UNAVAILABLE, but over a connected channel).
  const bool unreachable = tls::IsTlsFailure(status) ||
                           ((absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) &&
                            channel_->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY);
  const std::string text = absl::StrReplaceAll(StatusText(status), {{"\r\n", "; "}, {"\n", "; "}});
  if (unreachable) {
    std::fprintf(stderr, "nashnet: cannot reach coordinator at %s: %s\n", options_.address.c_str(),
                 tls::DescribeConnectFailure(status, options_.security.tls()).c_str());
  } else {
    std::fprintf(stderr, "nashnet: error: %s\n", text.c_str());
  }
  return 1;
}

}  // namespace nashnet::cli

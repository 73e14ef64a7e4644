// TransportOptions: each flag's bounds, and gRPC's enforcement of them on a real coordinator — a
// connection older than --max-connection-age-ms is closed (its long call ends after the grace,
// and its reactor goes), and a client that pings more often than --min-ping-interval-ms without
// data is sent GOAWAY (too_many_pings) and loses its calls.
#include "server/service/transport_options.h"

#include <arpa/inet.h>
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "nashnet/v1/coordinator.grpc.pb.h"
#include "server/service/admin_service.h"
#include "server/service/coordinator.h"
#include "tests/wait_until.h"

namespace nashnet::server {
namespace {

using std::chrono::milliseconds;

TEST(TransportOptions, DefaultsAreValid) { EXPECT_TRUE(TransportOptions{}.Validate().ok()); }

TEST(TransportOptions, EachBadValueNamesItsFlag) {
  const struct {
    std::function<void(TransportOptions*)> set;
    const char* message;
  } cases[] = {
      {[](TransportOptions* t) { t->join_timeout = milliseconds(0); },
       "--join-timeout-ms: must be in [1, 86400000], got 0"},
      {[](TransportOptions* t) { t->write_timeout = milliseconds(-5); },
       "--write-timeout-ms: must be in [1, 86400000], got -5"},
      {[](TransportOptions* t) { t->keepalive_time = milliseconds(0); },
       "--keepalive-time-ms: must be in [1, 86400000], got 0"},
      {[](TransportOptions* t) { t->keepalive_timeout = milliseconds(86400001); },
       "--keepalive-timeout-ms: must be in [1, 86400000], got 86400001"},
      {[](TransportOptions* t) { t->min_ping_interval = milliseconds(-1); },
       "--min-ping-interval-ms: must be in [0, 86400000], got -1"},
      {[](TransportOptions* t) { t->max_connection_age = milliseconds(-1); },
       "--max-connection-age-ms: must be in [0, 86400000], got -1"},
      {[](TransportOptions* t) { t->max_connection_age_grace = milliseconds(-1); },
       "--max-connection-age-grace-ms: must be in [0, 86400000], got -1"},
      {[](TransportOptions* t) { t->max_connection_idle = milliseconds(-1); },
       "--max-connection-idle-ms: must be in [0, 86400000], got -1"},
      {[](TransportOptions* t) { t->handshake_timeout = milliseconds(0); },
       "--handshake-timeout-ms: must be in [1, 86400000], got 0"},
      {[](TransportOptions* t) { t->max_ping_strikes = -1; },
       "--max-ping-strikes: must be in [0, 1000] (0 = no limit), got -1"},
      {[](TransportOptions* t) { t->fd_reserve = -1; },
       "--fd-reserve: must be in [0, 1048576], got -1"},
  };
  for (const auto& c : cases) {
    TransportOptions options;
    c.set(&options);
    const absl::Status status = options.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_EQ(status.message(), c.message);
  }
}

using test::WaitUntil;

class TransportEnforcement : public testing::Test {
 protected:
  void Start(const TransportOptions& transport) {
    records_ = std::filesystem::temp_directory_path() /
               ("nashnet_transport_" + std::to_string(::getpid()) + "_" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(records_);
    CoordinatorOptions options;
    options.listen = "127.0.0.1:0";
    options.records_dir = records_;
    options.transport = transport;
    absl::StatusOr<std::unique_ptr<Coordinator>> started = Coordinator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    coordinator_ = *std::move(started);
    address_ = "127.0.0.1:" + std::to_string(coordinator_->port());
    // A game that waits for its agent for ever: a watcher of it gets one update, then nothing.
    v1::CreateGameRequest request;
    request.set_game_id("waiting");
    v1::RunSpec& spec = *request.mutable_spec();
    spec.mutable_game()->set_name("prisoners_dilemma");
    spec.mutable_learner()->set_algorithm("hedge");
    spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
    spec.set_rounds(100);
    spec.set_seed(1);
    spec.mutable_service()->add_local_seats(0);
    ASSERT_TRUE(coordinator_->CreateGame(request).ok());
  }

  void TearDown() override {
    coordinator_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(records_, ignored);
  }

  // Watches the waiting game on `channel`: reads the first update, then waits for the end.
  grpc::Status WatchUntilCut(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = v1::Coordinator::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::WatchGameRequest request;
    request.set_game_id("waiting");
    auto reader = stub->WatchGame(&context, request);
    v1::GameUpdate update;
    EXPECT_TRUE(reader->Read(&update));
    EXPECT_EQ(LiveWatchReactors(), 1);
    while (reader->Read(&update)) {
    }
    return reader->Finish();
  }

  std::filesystem::path records_;
  std::unique_ptr<Coordinator> coordinator_;
  std::string address_;
};

TEST_F(TransportEnforcement, AnOldConnectionIsClosedAndItsCallsEndAfterTheGrace) {
  TransportOptions transport;
  transport.max_connection_age = milliseconds(300);
  transport.max_connection_age_grace = milliseconds(300);
  Start(transport);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  // The watch would last 30 s (its deadline): the connection's age ends it first.
  const grpc::Status status = WatchUntilCut(channel);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_TRUE(WaitUntil([] { return LiveWatchReactors() == 0; }, milliseconds(15000)));
  // The channel reconnects: a new call works.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::GetGameRequest request;
  request.set_game_id("waiting");
  v1::GameInfo info;
  const grpc::Status again = v1::Coordinator::NewStub(channel)->GetGame(&context, request, &info);
  EXPECT_TRUE(again.ok()) << again.error_message();
}

TEST_F(TransportEnforcement, AClientThatPingsTooOftenIsSentAway) {
  TransportOptions transport;  // pings without data at most every 10 s; 2 strikes
  Start(transport);
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt("grpc.http2.min_time_between_pings_ms", 10);
  const grpc::Status status =
      WatchUntilCut(grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_TRUE(WaitUntil([] { return LiveWatchReactors() == 0; }, milliseconds(15000)));
}

TEST_F(TransportEnforcement, AConnectionThatNeverSpeaksIsClosedAfterTheHandshakeTimeout) {
  TransportOptions transport;
  transport.handshake_timeout = milliseconds(300);
  Start(transport);
  // A plain TCP connection that sends nothing (no HTTP/2 preface).
  const int socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(socket, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(coordinator_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(socket, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  // The coordinator closes it: its SETTINGS may come first, then end of stream (or a reset).
  const timeval bound{.tv_sec = 15, .tv_usec = 0};  // only matters when broken
  ::setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
  char buffer[4096];
  ssize_t got = 0;
  int64_t total = 0;
  while ((got = ::recv(socket, buffer, sizeof(buffer), 0)) > 0) total += got;
  const int error = got < 0 ? errno : 0;
  ::close(socket);
  EXPECT_TRUE(got == 0 || error == ECONNRESET)
      << "recv: " << got << " (" << std::strerror(error) << ") after " << total << " bytes";
}

}  // namespace
}  // namespace nashnet::server

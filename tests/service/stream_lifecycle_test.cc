// Every Play and WatchGame reactor finishes, whatever the client does: a stream that never joins
// is closed after the join timeout; undecodable bytes are INVALID_ARGUMENT; and a client that
// stops reading — then cancels, half-closes, loses its seat, or sees its game end while a write is
// in flight — has its reactor deleted (the server's live-reactor counters return to 0) while the
// client still holds its end of the stream.
//
// The coordinator runs in this process (its counters are readable) on a real loopback port, and
// the clients are real gRPC clients. A write is held "in flight" by a client that does not read
// and has a small flow-control window (1 KiB, no BDP probe) while the coordinator sends a message
// bigger than it: a Feedback with a 10,000-entry payoff vector (parallel_links, links=10000,
// full feedback), or a stream of GameUpdates to a watcher that never reads.
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/sync_stream.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "nashnet/v1/coordinator.grpc.pb.h"
#include "server/service/admin_service.h"
#include "server/service/coordinator.h"
#include "server/service/play_reactor.h"
#include "tests/wait_until.h"

namespace nashnet::server {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kWait{15000};  // only matters when something is broken
constexpr int kLinks = 10000;         // BigFeedbackGame's actions: 80 kB payoff vectors

bool WaitUntil(const std::function<bool()>& condition, milliseconds timeout = kWait) {
  return test::WaitUntil(condition, timeout);
}

bool NoLiveReactors() { return LivePlayReactors() == 0 && LiveWatchReactors() == 0; }

std::string Counts() {
  return "live Play reactors " + std::to_string(LivePlayReactors()) + ", live WatchGame reactors " +
         std::to_string(LiveWatchReactors());
}

// A channel of its own (its own connection) whose streams take at most 1 KiB before the client
// reads: a coordinator write bigger than that stays in flight until the client reads.
std::shared_ptr<grpc::Channel> SlowReaderChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

v1::AgentMessage JoinMessage(const std::string& game, int seat) {
  v1::AgentMessage message;
  message.mutable_join()->set_game_id(game);
  message.mutable_join()->set_seat(seat);
  message.mutable_join()->set_agent_name("lifecycle-test");
  message.mutable_join()->set_algorithm("raw");
  return message;
}

// parallel_links with 10,000 links and full feedback: every Feedback carries 80 kB of payoffs.
// Seat 0 is local; seat 1 waits for a client. A long round deadline: the game waits for seat 1.
v1::CreateGameRequest BigFeedbackGame(const std::string& id) {
  v1::CreateGameRequest request;
  request.set_game_id(id);
  v1::RunSpec& spec = *request.mutable_spec();
  spec.mutable_game()->set_name("parallel_links");
  (*spec.mutable_game()->mutable_params())["players"] = "2";
  (*spec.mutable_game()->mutable_params())["links"] = std::to_string(kLinks);
  (*spec.mutable_game()->mutable_params())["latency"] = "linear";
  spec.mutable_learner()->set_algorithm("hedge");
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
  spec.set_rounds(1000);
  spec.set_seed(3);
  spec.mutable_service()->add_local_seats(0);
  spec.mutable_service()->set_round_deadline_ms(600000);
  return request;
}

// Two local seats: the game runs on its own, for a long time (a watcher sees an update a round).
v1::CreateGameRequest LocalGame(const std::string& id) {
  v1::CreateGameRequest request;
  request.set_game_id(id);
  v1::RunSpec& spec = *request.mutable_spec();
  spec.mutable_game()->set_name("rock_paper_scissors");
  spec.mutable_learner()->set_algorithm("hedge");
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
  spec.set_rounds(200'000'000);
  spec.set_record_every(1'000'000);
  spec.set_seed(5);
  spec.mutable_service()->add_local_seats(0);
  spec.mutable_service()->add_local_seats(1);
  return request;
}

class StreamLifecycle : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WaitUntil(NoLiveReactors)) << "before the test: " << Counts();
    records_ = std::filesystem::temp_directory_path() /
               ("nashnet_stream_lifecycle_" + std::to_string(::getpid()) + "_" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(records_);
    CoordinatorOptions options;
    options.listen = "127.0.0.1:0";
    options.records_dir = records_;
    options.transport.join_timeout = milliseconds(300);
    options.transport.write_timeout = milliseconds(300);
    absl::StatusOr<std::unique_ptr<Coordinator>> started = Coordinator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    coordinator_ = *std::move(started);
    address_ = "127.0.0.1:" + std::to_string(coordinator_->port());
    stub_ =
        v1::Coordinator::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    coordinator_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(records_, ignored);
  }

  void Create(const v1::CreateGameRequest& request) {
    absl::StatusOr<v1::CreateGameResponse> created = coordinator_->CreateGame(request);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  v1::GameInfo GetGame(const std::string& id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kWait);
    v1::GetGameRequest request;
    request.set_game_id(id);
    v1::GameInfo info;
    const grpc::Status status = stub_->GetGame(&context, request, &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info;
  }

  v1::GameInfo StopGame(const std::string& id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kWait);
    v1::StopGameRequest request;
    request.set_game_id(id);
    v1::GameInfo info;
    const grpc::Status status = stub_->StopGame(&context, request, &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info;
  }

  std::filesystem::path records_;
  std::unique_ptr<Coordinator> coordinator_;
  std::string address_;
  std::unique_ptr<v1::Coordinator::Stub> stub_;
};

// A client on a slow-reader channel that joins seat 1 of a BigFeedbackGame, acts in the first
// round and then reads nothing: the round's 80 kB Feedback is the coordinator's write in flight.
class StalledAgent {
 public:
  StalledAgent(const std::string& address, const std::string& game)
      : stub_(v1::Coordinator::NewStub(SlowReaderChannel(address))) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
    stream_ = stub_->Play(&context_);
    stream_->Write(JoinMessage(game, 1));
  }
  ~StalledAgent() { context_.TryCancel(); }

  // Reads Joined (and Start) and sends the Action of the first round. False if the stream ended.
  bool ActOnce() {
    v1::CoordinatorMessage in;
    int64_t round = -1;
    while (round < 0) {
      if (!stream_->Read(&in)) return false;
      if (in.has_joined() && in.joined().started()) round = in.joined().next_round();
      if (in.has_start()) round = in.start().round();
    }
    v1::AgentMessage out;
    out.mutable_action()->set_round(round);
    out.mutable_action()->set_index(0);
    out.mutable_action()->set_probability(1.0);
    // Full feedback needs the strategy: pure on link 0.
    out.mutable_action()->mutable_strategy()->mutable_probabilities()->Resize(kLinks, 0.0);
    out.mutable_action()->mutable_strategy()->set_probabilities(0, 1.0);
    return stream_->Write(out);
  }

  grpc::ClientContext& context() { return context_; }
  grpc::ClientReaderWriter<v1::AgentMessage, v1::CoordinatorMessage>& stream() { return *stream_; }

  // Reads what is left and returns the final status.
  grpc::Status Drain() {
    v1::CoordinatorMessage in;
    while (stream_->Read(&in)) {
    }
    return stream_->Finish();
  }

 private:
  std::unique_ptr<v1::Coordinator::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CoordinatorMessage>> stream_;
};

// Waits until the game has played its first round (its Feedback to seat 1 is being written).
void WaitForFirstRound(const std::function<v1::GameInfo()>& get) {
  int64_t round = 0;
  ASSERT_TRUE(WaitUntil([&] { return (round = get().round()) >= 1; })) << "round " << round;
}

bool SeatConnected(const v1::GameInfo& info, int seat) {
  for (const v1::SeatInfo& s : info.seats()) {
    if (s.seat() == seat) return s.connected();
  }
  return false;
}

TEST_F(StreamLifecycle, AStreamWithoutAJoinIsClosedAfterTheJoinTimeout) {
  // A stream that joins in time is not closed by the deadline: it opens first, and is still
  // seated after the silent stream (opened after it) was closed by its deadline.
  Create(BigFeedbackGame("waiting"));
  grpc::ClientContext joined_context;
  joined_context.set_deadline(std::chrono::system_clock::now() + kWait);
  auto joined = stub_->Play(&joined_context);
  ASSERT_TRUE(joined->Write(JoinMessage("waiting", 1)));
  v1::CoordinatorMessage in;
  ASSERT_TRUE(joined->Read(&in));
  ASSERT_TRUE(in.has_joined()) << in.ShortDebugString();

  grpc::ClientContext silent_context;
  silent_context.set_deadline(std::chrono::system_clock::now() + kWait);
  auto silent = stub_->Play(&silent_context);
  EXPECT_FALSE(silent->Read(&in));  // no WritesDone: the client just says nothing
  const grpc::Status status = silent->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_NE(status.error_message().find("no Join within 300 ms"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("--join-timeout-ms"), std::string::npos);

  EXPECT_TRUE(SeatConnected(GetGame("waiting"), 1));
  joined_context.TryCancel();
  EXPECT_FALSE(joined->Read(&in) && joined->Read(&in) && joined->Read(&in));
  EXPECT_EQ(joined->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
}

// A Play call whose messages are raw bytes: a client that sends what it likes.
class RawPlay {
 public:
  explicit RawPlay(const std::string& address)
      : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())) {
    context_.set_deadline(std::chrono::system_clock::now() + kWait);
    const grpc::internal::RpcMethod method("/nashnet.v1.Coordinator/Play",
                                           grpc::internal::RpcMethod::BIDI_STREAMING);
    stream_.reset(
        grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
            channel_.get(), method, &context_));
  }

  bool Write(const std::string& bytes) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer buffer(&slice, 1);
    return stream_->Write(buffer);
  }
  bool Write(const v1::AgentMessage& message) { return Write(message.SerializeAsString()); }

  // Reads to the end; returns the final status and how many messages came.
  grpc::Status Finish(int* messages) {
    grpc::ByteBuffer in;
    *messages = 0;
    while (stream_->Read(&in)) ++*messages;
    return stream_->Finish();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream_;
};

TEST_F(StreamLifecycle, UndecodableBytesEndTheStreamInvalidArgument) {
  // 0xff x4: a field key whose varint never ends.
  const std::string garbage("\xff\xff\xff\xff", 4);
  {  // as the first message
    RawPlay play(address_);
    ASSERT_TRUE(play.Write(garbage));
    int messages = 0;
    const grpc::Status status = play.Finish(&messages);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(),
              "message: 4 bytes that are not a nashnet.v1.AgentMessage (undecodable)");
    EXPECT_EQ(messages, 0);
  }
  {  // after a Join, in a game
    Create(BigFeedbackGame("garbled"));
    RawPlay play(address_);
    ASSERT_TRUE(play.Write(JoinMessage("garbled", 1)));
    ASSERT_TRUE(play.Write(garbage));
    int messages = 0;
    const grpc::Status status = play.Finish(&messages);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(),
              "message: 4 bytes that are not a nashnet.v1.AgentMessage (undecodable)");
    EXPECT_GE(messages, 1);  // Joined (and Start) came first
    // The seat is free again.
    EXPECT_TRUE(WaitUntil([&] { return !SeatConnected(GetGame("garbled"), 1); }));
  }
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
}

TEST_F(StreamLifecycle, ClientCancelsWhileAWriteIsInFlight) {
  Create(BigFeedbackGame("g"));
  StalledAgent agent(address_, "g");
  ASSERT_TRUE(agent.ActOnce());
  WaitForFirstRound([&] { return GetGame("g"); });
  EXPECT_EQ(LivePlayReactors(), 1);
  agent.context().TryCancel();
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
  EXPECT_EQ(agent.Drain().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(WaitUntil([&] { return !SeatConnected(GetGame("g"), 1); }));
}

TEST_F(StreamLifecycle, GameEndsWhileAWriteIsInFlight) {
  Create(BigFeedbackGame("g"));
  StalledAgent agent(address_, "g");
  ASSERT_TRUE(agent.ActOnce());
  WaitForFirstRound([&] { return GetGame("g"); });
  // The game ends: its GameOver queues behind a Feedback the client does not read. The stream is
  // cancelled after the write timeout, and its reactor goes, although the client never reads.
  EXPECT_EQ(StopGame("g").status(), v1::GAME_STATUS_STOPPED);
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
  EXPECT_EQ(agent.Drain().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(StreamLifecycle, ClientHalfClosesWhileAWriteIsInFlight) {
  Create(BigFeedbackGame("g"));
  StalledAgent agent(address_, "g");
  ASSERT_TRUE(agent.ActOnce());
  WaitForFirstRound([&] { return GetGame("g"); });
  ASSERT_TRUE(agent.stream().WritesDone());
  // The half-close vacates the seat at once; the unread Feedback holds the finish until the
  // write timeout cancels it.
  EXPECT_TRUE(WaitUntil([&] { return !SeatConnected(GetGame("g"), 1); }));
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
  EXPECT_EQ(GetGame("g").status(), v1::GAME_STATUS_RUNNING);
}

TEST_F(StreamLifecycle, SeatLostWhileAWriteIsInFlight) {
  // A short deadline: seat 1 misses round 2, 3, ...; the policy plays for it, its Feedback piles
  // up behind the unread one and the seat is evicted (outbox full, or missed deadlines).
  v1::CreateGameRequest request = BigFeedbackGame("g");
  request.mutable_spec()->mutable_service()->set_round_deadline_ms(50);
  request.mutable_spec()->mutable_service()->set_evict_after(1000);
  request.mutable_spec()->mutable_service()->set_straggler(v1::STRAGGLER_POLICY_DEFAULT_ACTION);
  Create(request);
  StalledAgent agent(address_, "g");
  ASSERT_TRUE(agent.ActOnce());
  EXPECT_TRUE(WaitUntil([&] {
    const v1::GameInfo info = GetGame("g");
    return info.round() >= 3 && !SeatConnected(info, 1);
  })) << GetGame("g").ShortDebugString();
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
  const grpc::Status status = agent.Drain();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
}

// A WatchGame client on a slow-reader channel that never reads.
class StalledWatcher {
 public:
  StalledWatcher(const std::string& address, const std::string& game)
      : stub_(v1::Coordinator::NewStub(SlowReaderChannel(address))) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
    v1::WatchGameRequest request;
    request.set_game_id(game);
    request.set_every(1);
    reader_ = stub_->WatchGame(&context_, request);
  }
  ~StalledWatcher() { context_.TryCancel(); }
  grpc::ClientContext& context() { return context_; }
  grpc::Status Drain() {
    v1::GameUpdate update;
    while (reader_->Read(&update)) {
    }
    return reader_->Finish();
  }

 private:
  std::unique_ptr<v1::Coordinator::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::GameUpdate>> reader_;
};

TEST_F(StreamLifecycle, WatcherCancelsWhileAWriteIsInFlight) {
  Create(LocalGame("g"));
  StalledWatcher watcher(address_, "g");
  // An update a round and a 1 KiB window: after a few hundred rounds a write is in flight.
  const int64_t start = GetGame("g").round();
  ASSERT_TRUE(WaitUntil([&] { return GetGame("g").round() > start + 1000; }));
  EXPECT_EQ(LiveWatchReactors(), 1);
  watcher.context().TryCancel();
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
  EXPECT_EQ(watcher.Drain().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(StopGame("g").status(), v1::GAME_STATUS_STOPPED);
}

TEST_F(StreamLifecycle, GameEndsWhileAWatchWriteIsInFlight) {
  Create(LocalGame("g"));
  StalledWatcher watcher(address_, "g");
  const int64_t start = GetGame("g").round();
  ASSERT_TRUE(WaitUntil([&] { return GetGame("g").round() > start + 1000; }));
  // The last update waits behind unread ones: the write timeout cancels the stream.
  EXPECT_EQ(StopGame("g").status(), v1::GAME_STATUS_STOPPED);
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
  EXPECT_EQ(watcher.Drain().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(StreamLifecycle, AWatcherThatReadsGetsTheLastUpdateAndOk) {
  // The control: the same end, read by the client, is OK with the final status.
  Create(LocalGame("g"));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  v1::WatchGameRequest request;
  request.set_game_id("g");
  request.set_every(1000);
  auto reader = stub_->WatchGame(&context, request);
  v1::GameUpdate update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(StopGame("g").status(), v1::GAME_STATUS_STOPPED);
  v1::GameUpdate last;
  while (reader->Read(&update)) last = update;
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(last.status(), v1::GAME_STATUS_STOPPED);
  EXPECT_TRUE(WaitUntil(NoLiveReactors)) << Counts();
}

}  // namespace
}  // namespace nashnet::server

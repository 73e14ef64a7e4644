// The coordinator end to end in one process: a real gRPC server on loopback (Coordinator) and
// agents that are threads running nashnet's learners over Coordinator.Play — the record must be
// simulate's, byte for byte, and the Play faults must get their statuses.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agents/wire/wire.h"
#include "nashnet/v1/coordinator.grpc.pb.h"
#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "server/service/coordinator.h"
#include "server/simulation.h"
#include "tests/test_files.h"
#include "tests/wait_until.h"

namespace nashnet::server {
namespace {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// summary.json without the wall-clock lines (elapsed_seconds, rounds_per_second).
std::string WithoutTimes(const std::string& json) {
  std::stringstream in(json);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.find("elapsed_seconds") != std::string::npos ||
        line.find("rounds_per_second") != std::string::npos) {
      continue;
    }
    out += line + "\n";
  }
  return out;
}

std::filesystem::path FreshDir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("nashnet_coord_test_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  return dir;
}

struct AgentResult {
  grpc::Status status;
  v1::GameOver game_over;
  int64_t feedback = 0;
  int64_t errors = 0;
};

// A lockstep agent: Join, build the learner from Joined.view, play until GameOver.
AgentResult RunAgent(const std::string& address, const std::string& game, int seat,
                     const PlayerLearnerSpec& learner_spec) {
  AgentResult result;
  auto stub =
      v1::Coordinator::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto stream = stub->Play(&context);
  v1::AgentMessage out;
  out.mutable_join()->set_game_id(game);
  out.mutable_join()->set_seat(seat);
  out.mutable_join()->set_algorithm(learner_spec.algorithm);
  stream->Write(out);
  v1::CoordinatorMessage in;
  std::unique_ptr<agents::Learner> learner;
  int64_t round = 0;
  int64_t horizon = 0;
  bool playing = false;
  while (stream->Read(&in)) {
    if (in.has_joined()) {
      auto view = agents::PlayerViewFromProto(in.joined().view());
      EXPECT_TRUE(view.ok()) << view.status();
      learner = *agents::MakeLearner(learner_spec.algorithm, learner_spec.params, *view);
      round = in.joined().next_round();
      horizon = in.joined().view().horizon();
      playing = in.joined().started();
    } else if (in.has_start()) {
      playing = true;
      round = in.start().round();
    } else if (in.has_feedback()) {
      ++result.feedback;
      if (!in.feedback().substituted()) learner->Update(agents::FeedbackFromProto(in.feedback()));
      round = in.feedback().round() + 1;
    } else if (in.has_game_over()) {
      result.game_over = in.game_over();
      break;
    } else if (in.has_error()) {
      ++result.errors;
      continue;
    }
    const bool act = in.has_feedback() || in.has_start() || (in.has_joined() && playing);
    if (act && learner != nullptr && round <= horizon) {
      const agents::MixedStrategy& x = learner->strategy();
      const agents::Action a = learner->Act();
      out.Clear();
      agents::ActionToProto(round, a, &x, out.mutable_action());
      // A failed Write: read on (a GameOver may be waiting; a sync Finish() with unread
      // messages blocks for ever).
      stream->Write(out);
    }
  }
  stream->WritesDone();
  result.status = stream->Finish();
  return result;
}

class CoordinatorPlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CoordinatorOptions options;
    options.listen = "127.0.0.1:0";
    options.records_dir = FreshDir("records");
    auto started = Coordinator::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    coordinator_ = *std::move(started);
    address_ = "127.0.0.1:" + std::to_string(coordinator_->port());
  }

  std::unique_ptr<Coordinator> coordinator_;
  std::string address_;
};

TEST_F(CoordinatorPlayTest, TwoRemoteAgentsReproduceSimulatesRecord) {
  const char* kRun = R"(
game: prisoners_dilemma
learner: {algorithm: hedge, params: {gamma0: 0.1, beta: 0.6}}
feedback: {model: noisy, sigma: 2.5}
rounds: 300
seed: 11
record_every: 7
)";
  auto spec = ParseRunSpecYaml(kRun);
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto plan = PlanRun(*spec, ".");
  ASSERT_TRUE(plan.ok()) << plan.status();

  // simulate's record of the same spec and seed.
  const std::filesystem::path sim_dir = FreshDir("simulated");
  auto record = RunRecord::Create(sim_dir, plan->spec);
  ASSERT_TRUE(record.ok()) << record.status();
  auto rounds = record->OpenRounds(plan->spec.seed(), plan->game);
  ASSERT_TRUE(rounds.ok());
  auto summary = Simulate(*plan, plan->spec.seed(), rounds->get(), {});
  ASSERT_TRUE(summary.ok());
  ASSERT_TRUE(record->CommitSeed(plan->spec.seed(), rounds->get(), *summary).ok());

  v1::CreateGameRequest request;
  *request.mutable_spec() = *spec;
  request.set_game_id("pd");
  auto created = coordinator_->CreateGame(request);
  ASSERT_TRUE(created.ok()) << created.status();

  AgentResult results[2];
  std::thread agents[2];
  for (int i = 0; i < 2; ++i) {
    agents[i] =
        std::thread([&, i] { results[i] = RunAgent(address_, "pd", i, plan->learners[i]); });
  }
  for (auto& a : agents) a.join();
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(results[i].status.ok()) << results[i].status.error_message();
    EXPECT_EQ(results[i].feedback, 300);
    EXPECT_EQ(results[i].errors, 0);
    EXPECT_EQ(results[i].game_over.reason(), v1::GAME_OVER_REASON_COMPLETED);
    EXPECT_EQ(results[i].game_over.rounds_played(), 300);
  }
  const std::filesystem::path game_dir = created->record_dir();
  EXPECT_EQ(ReadText(game_dir / "spec.yaml"), ReadText(sim_dir / "spec.yaml"));
  EXPECT_EQ(ReadText(game_dir / "rounds.csv"), ReadText(sim_dir / "rounds.csv"));
  EXPECT_EQ(WithoutTimes(ReadText(game_dir / "summary.json")),
            WithoutTimes(ReadText(sim_dir / "summary.json")));
}

// Opens a Play stream, writes `messages`, half-closes and returns the final status.
grpc::Status PlayOnce(const std::string& address, const std::vector<v1::AgentMessage>& messages,
                      std::vector<v1::CoordinatorMessage>* received = nullptr) {
  auto stub =
      v1::Coordinator::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = stub->Play(&context);
  for (const v1::AgentMessage& m : messages) stream->Write(m);
  stream->WritesDone();
  v1::CoordinatorMessage in;
  while (stream->Read(&in)) {
    if (received != nullptr) received->push_back(in);
  }
  return stream->Finish();
}

v1::AgentMessage JoinMessage(const std::string& game, int seat) {
  v1::AgentMessage m;
  m.mutable_join()->set_game_id(game);
  if (seat >= 0) m.mutable_join()->set_seat(seat);
  return m;
}

TEST_F(CoordinatorPlayTest, FatalPlayFaultsEndTheStreamWithTheirCodes) {
  v1::CreateGameRequest request;
  auto spec = ParseRunSpecYaml("game: prisoners_dilemma\nrounds: 10\nfeedback: bandit");
  ASSERT_TRUE(spec.ok());
  *request.mutable_spec() = *spec;
  ASSERT_TRUE(coordinator_->CreateGame(request).ok());  // g1

  grpc::Status st = PlayOnce(address_, {JoinMessage("nope", 0)});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "join.game_id: no game 'nope'");

  // Oversized Join fields: INVALID_ARGUMENT naming the field and its size, never an echo of it
  // (request_bounds.h); the learner's parameters are bounded too.
  for (const char* field : {"agent_name", "algorithm", "join_token", "resume_token"}) {
    SCOPED_TRACE(field);
    v1::AgentMessage join = JoinMessage("g1", 0);
    const std::string big(257, 'x');
    const std::string name(field);
    if (name == "agent_name") join.mutable_join()->set_agent_name(big);
    if (name == "algorithm") join.mutable_join()->set_algorithm(big);
    if (name == "join_token") join.mutable_join()->set_join_token(big);
    if (name == "resume_token") join.mutable_join()->set_resume_token(big);
    st = PlayOnce(address_, {join});
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(st.error_message(),
              "join." + name + ": 257 bytes, at most " + (name == "algorithm" ? "64" : "256"));
  }
  // A 200 KB game id: its first 64 bytes quoted, not the whole id (metadata too large).
  st = PlayOnce(address_, {JoinMessage(std::string(200000, 'g'), 0)});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "join.game_id: '" + std::string(64, 'g') +
                                    "'... (200000 bytes) must be 1 to 64 characters of "
                                    "[A-Za-z0-9._-]");

  v1::AgentMessage action;
  action.mutable_action()->set_round(1);
  action.mutable_action()->set_index(0);
  st = PlayOnce(address_, {action});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("action before join"), std::string::npos);

  st = PlayOnce(address_, {JoinMessage("g1", 5)});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "join.seat: 5 is not a seat (game g1 has seats 0..1)");

  std::vector<v1::CoordinatorMessage> received;
  st = PlayOnce(address_, {JoinMessage("g1", 0), JoinMessage("g1", 1)}, &received);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("a second Join"), std::string::npos) << st.error_message();
  ASSERT_FALSE(received.empty());
  EXPECT_TRUE(received[0].has_joined());

  // Larger than --max-message-bytes (4 MiB): gRPC itself answers RESOURCE_EXHAUSTED.
  v1::AgentMessage huge = JoinMessage("g1", 0);
  huge.mutable_join()->set_agent_name(std::string(5 << 20, 'x'));
  st = PlayOnce(address_, {huge});
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(CoordinatorPlayTest, DrainLeavesRunningGamesResumableAndSaysSo) {
  auto spec = ParseRunSpecYaml(
      "game: prisoners_dilemma\nrounds: 1000000000\nrecord_every: 1000000\n"
      "feedback: bandit");
  ASSERT_TRUE(spec.ok());
  auto plan = PlanRun(*spec, ".");
  ASSERT_TRUE(plan.ok());
  v1::CreateGameRequest request;
  *request.mutable_spec() = *spec;
  auto created = coordinator_->CreateGame(request);
  ASSERT_TRUE(created.ok()) << created.status();
  AgentResult results[2];
  std::thread agents[2];
  for (int i = 0; i < 2; ++i) {
    agents[i] =
        std::thread([&, i] { results[i] = RunAgent(address_, "g1", i, plan->learners[i]); });
  }
  // Let the game run (both agents joined, rounds played), then drain. Waiting on the game's
  // round, not on a file or a fixed time: agents may take a while to connect on a loaded machine.
  auto stub =
      v1::Coordinator::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  int64_t round = 0;
  test::WaitUntil(
      [&] {
        grpc::ClientContext context;
        v1::GetGameRequest get;
        get.set_game_id("g1");
        v1::GameInfo info;
        if (stub->GetGame(&context, get, &info).ok()) round = info.round();
        return round > 20;
      },
      std::chrono::seconds(10));
  ASSERT_GT(round, 20) << "the game did not start within 10 s";
  coordinator_->Drain();
  for (auto& a : agents) a.join();
  EXPECT_EQ(PlayOnce(address_, {JoinMessage("g1", 0)}).error_code(), grpc::StatusCode::UNAVAILABLE);
  // The agents' streams end UNAVAILABLE (come back later, with the token), not with GameOver.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(results[i].status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << results[i].status.error_message();
    EXPECT_NE(results[i].status.error_message().find("resumable"), std::string::npos)
        << results[i].status.error_message();
    EXPECT_EQ(results[i].game_over.reason(), v1::GAME_OVER_REASON_UNSPECIFIED);
  }
  // The record says the game was cut short, and its journal holds every round played.
  const std::filesystem::path dir(created->record_dir());
  const nlohmann::json summary = nlohmann::json::parse(test::ReadFile(dir / "summary.json"));
  EXPECT_EQ(summary["status"], "drained");
  EXPECT_GT(summary["rounds"].get<int64_t>(), 20);
  EXPECT_TRUE(std::filesystem::exists(dir / "journal"));
}

}  // namespace
}  // namespace nashnet::server

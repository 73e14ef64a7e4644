// AgentClient (agents/remote/agent_client.h) against a scripted in-process fake coordinator on a
// real loopback port: lockstep play that reproduces the in-process learner exactly, resume after a
// dropped stream with the resume token and backoff, in-band Errors, substituted rounds, fatal
// statuses and giving up after max_retry_seconds.
#include "agents/remote/agent_client.h"

#include <grpcpp/grpcpp.h>

#include <bit>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agents/wire/wire.h"
#include "gtest/gtest.h"

namespace nashnet::agents {
namespace {

using Clock = std::chrono::steady_clock;
using Stream = grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::AgentMessage>;

constexpr int64_t kHorizon = 6;
constexpr char kToken[] = "resume-me";

// The game as the fake shows it: 1 player, 3 actions, full information, T = 6.
PlayerView TestView() {
  return PlayerView{.player = 0,
                    .num_players = 1,
                    .num_actions = 3,
                    .feedback = FeedbackModel::kFull,
                    .horizon = kHorizon,
                    .seed = 424242};
}

// The payoff vector of round t (varies with t so that a skipped or shifted update shows).
Eigen::VectorXd PayoffVector(int64_t t) {
  return Eigen::Vector3d(0.1 * static_cast<double>(t), 0.5, 1.0 - 0.1 * static_cast<double>(t));
}

// What one session of the fake sees and does; the script runs on a gRPC handler thread.
struct Fake {
  // Plays session number `session` (0, 1, ...) given its Join; returns the stream's status.
  std::function<grpc::Status(int session, const v1::Join& join, Stream* stream)> script;
  std::mutex mu;
  std::vector<v1::Action> actions;  // every Action received, in order
  std::vector<v1::Join> joins;
  std::vector<Clock::time_point> session_start, session_end;
};

class FakeCoordinator final : public v1::Coordinator::Service {
 public:
  explicit FakeCoordinator(Fake* fake) : fake_(fake) {}

  grpc::Status Play(grpc::ServerContext*, Stream* stream) override {
    int session = 0;
    v1::AgentMessage first;
    if (!stream->Read(&first) || !first.has_join()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "expected Join");
    }
    {
      std::lock_guard<std::mutex> lock(fake_->mu);
      session = static_cast<int>(fake_->joins.size());
      fake_->joins.push_back(first.join());
      fake_->session_start.push_back(Clock::now());
    }
    grpc::Status status = fake_->script(session, first.join(), stream);
    std::lock_guard<std::mutex> lock(fake_->mu);
    fake_->session_end.push_back(Clock::now());
    return status;
  }

 private:
  Fake* fake_;
};

// Script pieces.
bool SendJoined(Stream* stream, bool started, int64_t next_round) {
  v1::CoordinatorMessage m;
  v1::Joined* joined = m.mutable_joined();
  joined->set_game_id("g1");
  joined->set_seat(0);
  PlayerViewToProto(TestView(), joined->mutable_view());
  joined->set_resume_token(kToken);
  joined->set_started(started);
  joined->set_next_round(next_round);
  return stream->Write(m);
}

bool SendStart(Stream* stream) {
  v1::CoordinatorMessage m;
  m.mutable_start()->set_round(1);
  return stream->Write(m);
}

// Reads the Action of round `t` (recorded in fake->actions); false if the stream ended.
bool ReadAction(Fake* fake, Stream* stream, int64_t* round) {
  v1::AgentMessage m;
  if (!stream->Read(&m) || !m.has_action()) return false;
  std::lock_guard<std::mutex> lock(fake->mu);
  fake->actions.push_back(m.action());
  *round = m.action().round();
  return true;
}

bool SendFeedback(Stream* stream, int64_t t, int index, bool substituted) {
  v1::CoordinatorMessage m;
  Feedback f{.round = t, .payoff = PayoffVector(t)[index], .payoff_vector = PayoffVector(t)};
  FeedbackToProto(f, Action{.index = index}, substituted, m.mutable_feedback());
  return stream->Write(m);
}

bool SendGameOver(Stream* stream) {
  v1::CoordinatorMessage m;
  v1::GameOver* over = m.mutable_game_over();
  over->set_reason(v1::GAME_OVER_REASON_COMPLETED);
  over->set_rounds_played(kHorizon);
  v1::PlayerSummary* player = over->mutable_summary()->add_players();
  player->set_average_payoff(0.625);
  player->set_regret(1.5);
  return stream->Write(m);
}

// Answers every Action from round `from` on with its Feedback until the horizon, then GameOver;
// `substitute` rounds get substituted feedback, `error_round` an in-band Error first.
grpc::Status PlayRounds(Fake* fake, Stream* stream, int64_t from, int64_t stop_after = -1,
                        int64_t substitute = -1, int64_t error_round = -1) {
  for (int64_t t = from; t <= kHorizon; ++t) {
    int64_t round = 0;
    if (!ReadAction(fake, stream, &round)) return grpc::Status::OK;
    if (round != t) return grpc::Status(grpc::StatusCode::INTERNAL, "wrong round");
    if (t == error_round) {
      v1::CoordinatorMessage m;
      m.mutable_error()->set_code(3);
      m.mutable_error()->set_message("action.index: a test fault");
      m.mutable_error()->set_round(t);
      stream->Write(m);
    }
    const int index = fake->actions.back().index();
    if (!SendFeedback(stream, t, t == substitute ? 0 : index, t == substitute)) {
      return grpc::Status::OK;
    }
    if (t == stop_after) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "dropped by the test");
  }
  SendGameOver(stream);
  return grpc::Status::OK;
}

class AgentClientTest : public ::testing::Test {
 protected:
  void StartServer() {
    service_ = std::make_unique<FakeCoordinator>(&fake_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }
  AgentClientOptions Options() {
    return AgentClientOptions{.coordinator = "127.0.0.1:" + std::to_string(port_),
                              .game_id = "g1",
                              .max_retry_seconds = 5,
                              .log = [this](const std::string& line) {
                                std::fprintf(stderr, "agent: %s\n", line.c_str());
                                log_.push_back(line);
                              }};
  }

  // The actions an in-process learner plays over the horizon with the same view and feedback,
  // skipping the Update of `skip_round` (0: none).
  static std::vector<std::pair<int, Eigen::VectorXd>> Reference(int64_t skip_round = 0) {
    auto learner = MakeLearner("hedge", {}, TestView());
    EXPECT_TRUE(learner.ok()) << learner.status();
    std::vector<std::pair<int, Eigen::VectorXd>> out;
    for (int64_t t = 1; t <= kHorizon; ++t) {
      Eigen::VectorXd x = (*learner)->strategy().probabilities;
      const Action a = (*learner)->Act();
      out.emplace_back(a.index, x);
      if (t == skip_round) continue;
      (*learner)->Update(Feedback{
          .round = t, .payoff = PayoffVector(t)[a.index], .payoff_vector = PayoffVector(t)});
    }
    return out;
  }

  void ExpectActionsMatch(const std::vector<v1::Action>& actions,
                          const std::vector<std::pair<int, Eigen::VectorXd>>& reference) {
    ASSERT_EQ(actions.size(), reference.size());
    for (size_t k = 0; k < actions.size(); ++k) {
      SCOPED_TRACE(k);
      EXPECT_EQ(actions[k].round(), static_cast<int64_t>(k) + 1);
      EXPECT_EQ(actions[k].index(), reference[k].first);
      ASSERT_EQ(actions[k].strategy().probabilities_size(), 3);
      for (int a = 0; a < 3; ++a) {
        EXPECT_EQ(std::bit_cast<uint64_t>(actions[k].strategy().probabilities(a)),
                  std::bit_cast<uint64_t>(reference[k].second[a]));
      }
      ASSERT_TRUE(actions[k].has_probability());
      EXPECT_EQ(actions[k].probability(), reference[k].second[reference[k].first]);
    }
  }

  Fake fake_;
  std::unique_ptr<FakeCoordinator> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::vector<std::string> log_;
};

TEST_F(AgentClientTest, PlaysAWholeGameExactlyAsTheInProcessLearnerWould) {
  fake_.script = [this](int, const v1::Join&, Stream* stream) {
    if (!SendJoined(stream, false, 1) || !SendStart(stream)) return grpc::Status::OK;
    return PlayRounds(&fake_, stream, 1);
  };
  StartServer();
  std::vector<std::string> joined_tokens;
  AgentClientOptions options = Options();
  options.name = "tester";
  options.on_joined = [&](const v1::Joined& j) { joined_tokens.push_back(j.resume_token()); };
  AgentClient client(options);
  absl::StatusOr<AgentResult> result = client.Run();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->algorithm, "hedge");  // the default for full-information finite games
  EXPECT_EQ(result->seat, 0);
  EXPECT_EQ(result->feedback_rounds, kHorizon);
  EXPECT_EQ(result->updates, kHorizon);
  EXPECT_EQ(result->reconnects, 0);
  EXPECT_EQ(result->game_over.reason(), v1::GAME_OVER_REASON_COMPLETED);
  EXPECT_EQ(result->game_over.summary().players(0).average_payoff(), 0.625);
  EXPECT_EQ(joined_tokens, std::vector<std::string>{kToken});
  ASSERT_EQ(fake_.joins.size(), 1u);
  EXPECT_EQ(fake_.joins[0].game_id(), "g1");
  EXPECT_EQ(fake_.joins[0].agent_name(), "tester");
  EXPECT_FALSE(fake_.joins[0].has_seat());
  ExpectActionsMatch(fake_.actions, Reference());
}

TEST_F(AgentClientTest, ResumesADroppedStreamWithItsTokenAfterBackoffAndResendsThePendingDraw) {
  // Session 0 answers rounds 1..3, reads round 4's action, then drops (UNAVAILABLE) before
  // answering. Session 1 must present the token; it says round 4 is next, so the client resends
  // the very same draw (a new Act() would change the trajectory).
  fake_.script = [this](int session, const v1::Join& join, Stream* stream) {
    if (session == 0) {
      if (!SendJoined(stream, false, 1) || !SendStart(stream)) return grpc::Status::OK;
      grpc::Status status = PlayRounds(&fake_, stream, 1, /*stop_after=*/3);
      int64_t round = 0;
      ReadAction(&fake_, stream, &round);  // round 4, left unanswered
      return status;
    }
    if (join.resume_token() != kToken) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no resume token");
    }
    if (!SendJoined(stream, true, 4)) return grpc::Status::OK;
    return PlayRounds(&fake_, stream, 4);
  };
  StartServer();
  AgentClient client(Options());
  absl::StatusOr<AgentResult> result = client.Run();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->reconnects, 1);
  EXPECT_EQ(result->updates, kHorizon);
  ASSERT_EQ(fake_.joins.size(), 2u);
  EXPECT_EQ(fake_.joins[0].resume_token(), "");
  EXPECT_EQ(fake_.joins[1].resume_token(), kToken);
  // The first backoff is 100 ms: the second session cannot start sooner after the first ended.
  EXPECT_GE(fake_.session_start[1] - fake_.session_end[0], std::chrono::milliseconds(100));
  ASSERT_EQ(fake_.actions.size(), 7u);  // round 4 twice
  EXPECT_EQ(fake_.actions[3].SerializeAsString(), fake_.actions[4].SerializeAsString());
  fake_.actions.erase(fake_.actions.begin() + 4);
  ExpectActionsMatch(fake_.actions, Reference());
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("UNAVAILABLE: dropped by the test; retrying in 100 ms"), std::string::npos)
      << log_[0];
}

TEST_F(AgentClientTest, LogsInBandErrorsAndDoesNotLearnFromSubstitutedRounds) {
  fake_.script = [this](int, const v1::Join&, Stream* stream) {
    if (!SendJoined(stream, false, 1) || !SendStart(stream)) return grpc::Status::OK;
    return PlayRounds(&fake_, stream, 1, /*stop_after=*/-1, /*substitute=*/2, /*error_round=*/2);
  };
  StartServer();
  AgentClient client(Options());
  absl::StatusOr<AgentResult> result = client.Run();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->errors, 1);
  EXPECT_EQ(result->substituted_rounds, 1);
  EXPECT_EQ(result->updates, kHorizon - 1);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "round 2: coordinator error INVALID_ARGUMENT: action.index: a test fault");
  // Round 3 is drawn from the strategy of round 2 again (no Update in between); a learner that
  // had learned from the substituted feedback would differ from round 3 on.
  ExpectActionsMatch(fake_.actions, Reference(/*skip_round=*/2));
  EXPECT_NE(std::bit_cast<uint64_t>(Reference()[2].second[0]),
            std::bit_cast<uint64_t>(fake_.actions[2].strategy().probabilities(0)));
}

TEST_F(AgentClientTest, ReturnsAFatalStatusAtOnceWithoutRetrying) {
  fake_.script = [](int, const v1::Join& join, Stream*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "game " + join.game_id() + " not found");
  };
  StartServer();
  AgentClient client(Options());
  absl::StatusOr<AgentResult> result = client.Run();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(result.status().message(), "game g1 not found");
  EXPECT_EQ(fake_.joins.size(), 1u);
  EXPECT_TRUE(log_.empty());
}

TEST_F(AgentClientTest, TreatsASeatResumedByAnotherConnectionAsFatal) {
  // Two agents with one token would otherwise take the seat from each other for ever.
  fake_.script = [](int, const v1::Join&, Stream*) {
    return grpc::Status(grpc::StatusCode::ABORTED,
                        "seat 0 of game g1 was resumed by another connection");
  };
  StartServer();
  AgentClient client(Options());
  absl::StatusOr<AgentResult> result = client.Run();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(fake_.joins.size(), 1u);
}

TEST_F(AgentClientTest, JoinsOnceWithoutARefusedResumeTokenBeforeTheStart) {
  // Before the start a coordinator may free a vanished agent's seat and forget its token: the
  // agent's reconnect with that token is refused, so it joins afresh — once, not in a loop.
  fake_.script = [](int, const v1::Join&, Stream*) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "join.resume_token: not a resume token of game g1");
  };
  StartServer();
  AgentClientOptions options = Options();
  options.resume_token = "old-token";
  AgentClient client(options);
  absl::StatusOr<AgentResult> result = client.Run();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(fake_.joins.size(), 2u);
  EXPECT_EQ(fake_.joins[0].resume_token(), "old-token");
  EXPECT_EQ(fake_.joins[1].resume_token(), "");
}

TEST_F(AgentClientTest, RefusesALearnerThatDoesNotFitTheGame) {
  fake_.script = [](int, const v1::Join&, Stream* stream) {
    SendJoined(stream, false, 1);
    v1::AgentMessage m;
    while (stream->Read(&m)) {
    }
    return grpc::Status::OK;
  };
  StartServer();
  AgentClientOptions options = Options();
  options.algorithm = "hda";  // continuous-only, the game is finite
  AgentClient client(options);
  absl::StatusOr<AgentResult> result = client.Run();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(client.learner_failed());
  EXPECT_EQ(fake_.joins.size(), 1u);
}

TEST_F(AgentClientTest, GivesUpWithUnavailableOnceMaxRetrySecondsPass) {
  StartServer();
  const int dead_port = port_;
  server_->Shutdown();
  server_.reset();
  port_ = dead_port;
  AgentClientOptions options = Options();
  options.max_retry_seconds = 1.0;
  AgentClient client(options);
  const Clock::time_point start = Clock::now();
  absl::StatusOr<AgentResult> result = client.Run();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("gave up after 1 s"), std::string::npos);
  // Waits of 100, 200, 400 ms, then what remains of the second: at least 1 s; the upper bound is
  // generous for a loaded machine under sanitizers.
  EXPECT_GE(seconds, 1.0);
  EXPECT_LT(seconds, 10.0);
  // The number of attempts depends on how long each refused connection takes; the first two
  // waits do not (unless one attempt alone takes most of the window).
  ASSERT_GE(log_.size(), 2u);
  EXPECT_NE(log_[0].find("retrying in 100 ms"), std::string::npos) << log_[0];
  EXPECT_NE(log_[1].find("retrying in 200 ms"), std::string::npos) << log_[1];
}

TEST_F(AgentClientTest, AJoinWithoutProgressDoesNotRestartTheRetryWindow) {
  // A coordinator that answers Joined and then drops every stream before any Feedback: the agent
  // must still give up once max_retry_seconds pass (rather than retry for ever).
  fake_.script = [](int session, const v1::Join&, Stream* stream) {
    SendJoined(stream, session > 0, 1);
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "flapping");
  };
  StartServer();
  AgentClientOptions options = Options();
  options.max_retry_seconds = 1.0;
  AgentClient client(options);
  absl::StatusOr<AgentResult> result = client.Run();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("last: UNAVAILABLE: flapping"), std::string::npos)
      << result.status();
  // Attempts at about 0, 0.1, 0.3, 0.7 and 1 s (fewer if the machine is slow); never more.
  EXPECT_GE(fake_.joins.size(), 2u);
  EXPECT_LE(fake_.joins.size(), 5u);
  EXPECT_EQ(fake_.joins.back().resume_token(), kToken);
}

TEST(AgentClientOptions, ValidateNamesTheBadField) {
  AgentClientOptions good{.coordinator = "127.0.0.1:1", .game_id = "g"};
  EXPECT_TRUE(good.Validate().ok());
  auto expect = [](AgentClientOptions o, const std::string& field) {
    const absl::Status status = o.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message().substr(0, field.size()), field) << status;
  };
  AgentClientOptions o = good;
  o.coordinator.clear();
  expect(o, "coordinator");
  o = good;
  o.seat = -1;
  expect(o, "seat: -1");
  o = good;
  o.max_retry_seconds = -1;
  expect(o, "max_retry_seconds");
  o = good;
  o.initial_backoff_seconds = 10;
  expect(o, "initial_backoff_seconds: 10");
  o = good;
  o.max_message_bytes = 10;
  expect(o, "max_message_bytes");
}

TEST(DefaultAlgorithm, FollowsThePlanRunChoice) {
  PlayerView view = TestView();
  EXPECT_EQ(DefaultAlgorithm(view), "hedge");
  view.feedback = FeedbackModel::kBandit;
  EXPECT_EQ(DefaultAlgorithm(view), "bandit-hedge");
  view.num_actions = 0;
  view.box.lower = Eigen::VectorXd::Zero(1);
  view.box.upper = Eigen::VectorXd::Ones(1);
  EXPECT_EQ(DefaultAlgorithm(view), "hda");
}

}  // namespace
}  // namespace nashnet::agents

// Every fault at the coordinator's boundary gets its exact gRPC status (or in-band Error) and a
// message naming the fault, while another game on the same coordinator keeps advancing.
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr int kInvalidArgument = static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT);
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// True if `text` contains one of `needles`, ignoring case.
bool NamesAny(const std::string& text, const std::vector<std::string>& needles) {
  const std::string lower = absl::AsciiStrToLower(text);
  for (const std::string& needle : needles) {
    if (lower.find(absl::AsciiStrToLower(needle)) != std::string::npos) return true;
  }
  return false;
}

// Expects the next message to be an in-band Error for `round` with `code`, whose message
// names the fault (contains one of `needles`, ignoring case).
void ExpectError(PlayStream& stream, int64_t round, int code,
                 const std::vector<std::string>& needles) {
  std::optional<v1::CoordinatorMessage> message = stream.Read();
  ASSERT_TRUE(message.has_value()) << "stream ended: " << stream.Finish().error_message();
  ASSERT_TRUE(message->has_error()) << message->ShortDebugString();
  EXPECT_EQ(message->error().code(), code) << message->error().message();
  EXPECT_EQ(message->error().round(), round) << message->error().message();
  EXPECT_TRUE(NamesAny(message->error().message(), needles))
      << "'" << message->error().message() << "' does not name the fault ("
      << absl::StrJoin(needles, " | ") << ")";
}

// Expects a fresh stream that sends `first` (and `second`, if any) to end with `code` and a
// message containing `needle`.
void ExpectFatal(Coordinator& c, const v1::AgentMessage& first, grpc::StatusCode code,
                 const std::string& needle, const v1::AgentMessage* second = nullptr) {
  PlayStream stream(c, seconds(15));
  stream.Send(first);
  if (second != nullptr) stream.Send(*second);
  const grpc::Status status = stream.Finish();
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  EXPECT_TRUE(NamesAny(status.error_message(), {needle}))
      << "'" << status.error_message() << "' does not name '" << needle << "'";
}

v1::AgentMessage JoinMessage(const v1::Join& join) {
  v1::AgentMessage message;
  *message.mutable_join() = join;
  return message;
}

const v1::SeatInfo& Seat(const v1::GameInfo& info, int seat) {
  for (const v1::SeatInfo& s : info.seats()) {
    if (s.seat() == seat) return s;
  }
  static const v1::SeatInfo kNone;
  return kNone;
}

class BadInputs : public testing::Test {
 protected:
  void SetUp() override {
    if (!HaveBinaries()) GTEST_SKIP() << "binaries not built in " << BinDir();
    dir_ = std::make_unique<TestDir>();
    absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
        Coordinator::Start(dir_->path(), {"--max-message-bytes", "65536"});
    ASSERT_TRUE(coordinator.ok()) << coordinator.status();
    coordinator_ = std::move(*coordinator);
    // The bystander: a long game between a local Hedge seat and a real agent, which must keep
    // advancing through all the abuse below.
    v1::RunSpec busy = MakeSpec("rock_paper_scissors", 50'000'000);
    busy.set_record_every(100'000);
    busy.mutable_service()->add_local_seats(0);
    ASSERT_TRUE(coordinator_->CreateGame(busy, "busy").ok()) << coordinator_->process().Describe();
    absl::StatusOr<std::unique_ptr<Process>> agent =
        StartAgent(dir_->path(), "busy-agent",
                   {"--coordinator", coordinator_->address(), "--game", "busy", "--seat", "1"});
    ASSERT_TRUE(agent.ok()) << agent.status();
    busy_agent_ = std::move(*agent);
    absl::StatusOr<v1::GameInfo> running = coordinator_->WaitForGame(
        "busy", [](const v1::GameInfo& info) { return info.round() > 0; }, kStartTimeout);
    ASSERT_TRUE(running.ok()) << running.status() << "\n" << busy_agent_->Describe();
    busy_round_before_ = running->round();
  }

  // The bystander advanced past where it was before the abuse, and is still running.
  void ExpectBystanderAdvanced() {
    if (coordinator_ == nullptr) return;
    absl::StatusOr<v1::GameInfo> info = coordinator_->WaitForGame(
        "busy", [&](const v1::GameInfo& i) { return i.round() > busy_round_before_ + 100; },
        seconds(10));
    ASSERT_TRUE(info.ok()) << info.status() << "\n" << busy_agent_->Describe();
    EXPECT_EQ(info->status(), v1::GAME_STATUS_RUNNING);
    EXPECT_TRUE(Seat(*info, 1).connected());
    EXPECT_EQ(Seat(*info, 1).rejected_messages(), 0);
  }

  std::unique_ptr<TestDir> dir_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<Process> busy_agent_;
  int64_t busy_round_before_ = 0;
};

TEST_F(BadInputs, FaultyActionsGetInBandErrorsAndTheGameGoesOn) {
  Coordinator& c = *coordinator_;
  v1::RunSpec spec = MakeSpec("rock_paper_scissors", 5);
  spec.mutable_service()->add_local_seats(1);
  ASSERT_TRUE(c.CreateGame(spec, "rps").ok());
  PlayStream stream(c);
  ASSERT_TRUE(stream.SendJoin(MakeJoin("rps", 0)));
  std::optional<v1::CoordinatorMessage> joined = stream.Read();
  ASSERT_TRUE(joined && joined->has_joined()) << stream.Finish().error_message();
  EXPECT_EQ(joined->joined().view().num_actions(), 3);
  std::optional<v1::CoordinatorMessage> start = stream.Read();
  ASSERT_TRUE(start && start->has_start());

  // Out of range index.
  v1::Action action = PureAction(1, 7, 3);
  action.mutable_strategy()->set_probabilities(0, 1.0);
  ASSERT_TRUE(stream.SendAction(action));
  ExpectError(stream, 1, kInvalidArgument, {"action.index: 7 out of range [0, 3)"});
  // The played action's probability outside [0, 1].
  for (double p : {-1.0, 2.0}) {
    action = PureAction(1, 0, 3);
    action.set_probability(p);
    ASSERT_TRUE(stream.SendAction(action));
    ExpectError(stream, 1, kInvalidArgument, {absl::StrCat("action.probability: ", p)});
  }
  // A point for a finite game.
  action = PureAction(1, 0, 3);
  action.mutable_point()->add_coordinates(0.5);
  ASSERT_TRUE(stream.SendAction(action));
  ExpectError(stream, 1, kInvalidArgument,
              {"action.point: the game is finite (its actions are indices); send action.index"});
  // Non-finite probability.
  action = PureAction(1, 0, 3);
  action.mutable_strategy()->set_probabilities(1, kNaN);
  ASSERT_TRUE(stream.SendAction(action));
  ExpectError(stream, 1, kInvalidArgument, {"nan", "finite"});
  // Wrong dimension: 2 probabilities for 3 actions.
  action = PureAction(1, 0, 2);
  ASSERT_TRUE(stream.SendAction(action));
  ExpectError(stream, 1, kInvalidArgument, {"dimension", "size", "2"});
  // Probabilities summing to 1.5.
  action = PureAction(1, 0, 3);
  action.mutable_strategy()->set_probabilities(1, 0.5);
  ASSERT_TRUE(stream.SendAction(action));
  ExpectError(stream, 1, kInvalidArgument, {"sum"});
  // Wrong round.
  ASSERT_TRUE(stream.SendAction(PureAction(4, 0, 3)));
  ExpectError(stream, 4, kInvalidArgument, {"round"});

  // The seat's action for round 1 is still expected: a correct one is accepted.
  for (int64_t t = 1; t <= 5; ++t) {
    ASSERT_TRUE(stream.SendAction(PureAction(t, 0, 3)));
    std::optional<v1::CoordinatorMessage> feedback = stream.Read();
    ASSERT_TRUE(feedback && feedback->has_feedback()) << (feedback ? feedback->DebugString() : "");
    EXPECT_EQ(feedback->feedback().round(), t);
    EXPECT_EQ(feedback->feedback().payoff_vector_size(), 3);
    EXPECT_FALSE(feedback->feedback().substituted());
  }
  std::optional<v1::CoordinatorMessage> over = stream.Read();
  ASSERT_TRUE(over && over->has_game_over());
  EXPECT_EQ(over->game_over().reason(), v1::GAME_OVER_REASON_COMPLETED);
  EXPECT_TRUE(stream.Finish().ok());
  absl::StatusOr<v1::GameInfo> info = c.GetGame("rps");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->status(), v1::GAME_STATUS_COMPLETED);
  EXPECT_EQ(Seat(*info, 0).rejected_messages(), 8);
  ExpectBystanderAdvanced();
}

TEST_F(BadInputs, FaultyPointsInAContinuousGameGetInBandErrors) {
  Coordinator& c = *coordinator_;
  // Continuous games take remote seats with bandit feedback (a payoff function has no wire form).
  v1::RunSpec spec = MakeSpec("cournot", 3);
  spec.mutable_learner()->set_algorithm("");
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  spec.mutable_service()->add_local_seats(1);
  absl::StatusOr<std::string> id = c.CreateGame(spec, "cournot");
  ASSERT_TRUE(id.ok()) << id.status();
  PlayStream stream(c);
  ASSERT_TRUE(stream.SendJoin(MakeJoin("cournot", 0)));
  std::optional<v1::CoordinatorMessage> joined = stream.Read();
  ASSERT_TRUE(joined && joined->has_joined()) << stream.Finish().error_message();
  ASSERT_EQ(joined->joined().view().box().lower_size(), 1);
  ASSERT_TRUE(stream.Read().has_value());  // Start

  const auto point_action = [](std::vector<double> coordinates) {
    v1::Action action;
    action.set_round(1);
    for (double x : coordinates) action.mutable_point()->add_coordinates(x);
    return action;
  };
  ASSERT_TRUE(stream.SendAction(point_action({kNaN})));
  ExpectError(stream, 1, kInvalidArgument, {"nan", "finite"});
  ASSERT_TRUE(stream.SendAction(point_action({0.2, 0.3})));
  ExpectError(stream, 1, kInvalidArgument, {"dimension", "size", "2"});
  ASSERT_TRUE(stream.SendAction(point_action({5.0})));  // outside the box [0, 1]
  ExpectError(stream, 1, kInvalidArgument, {"5"});
  v1::Action index_action;  // an index in a continuous game
  index_action.set_round(1);
  index_action.set_index(0);
  ASSERT_TRUE(stream.SendAction(index_action));
  ExpectError(stream, 1, kInvalidArgument, {"action.index: the game is continuous"});
  v1::Action negative_density = point_action({0.3});  // a density below 0
  negative_density.set_probability(-1.0);
  ASSERT_TRUE(stream.SendAction(negative_density));
  ExpectError(stream, 1, kInvalidArgument, {"action.probability: -1 is negative"});

  ASSERT_TRUE(stream.SendAction(point_action({0.3})));
  std::optional<v1::CoordinatorMessage> feedback = stream.Read();
  ASSERT_TRUE(feedback && feedback->has_feedback()) << (feedback ? feedback->DebugString() : "");
  EXPECT_EQ(feedback->feedback().round(), 1);
  EXPECT_TRUE(std::isfinite(feedback->feedback().payoff()));
  ExpectBystanderAdvanced();
}

TEST_F(BadInputs, FatalJoinFaultsEndTheStreamWithTheirCode) {
  Coordinator& c = *coordinator_;
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 1000);
  spec.mutable_service()->add_local_seats(1);
  spec.mutable_service()->set_join_token("s3cret");
  ASSERT_TRUE(c.CreateGame(spec, "locked").ok());

  // Unknown game.
  ExpectFatal(c, JoinMessage(MakeJoin("no-such-game", 0)), grpc::StatusCode::NOT_FOUND,
              "no-such-game");
  // Wrong join token, and none at all.
  v1::Join wrong = MakeJoin("locked", 0);
  wrong.set_join_token("guess");
  ExpectFatal(c, JoinMessage(wrong), grpc::StatusCode::UNAUTHENTICATED, "token");
  ExpectFatal(c, JoinMessage(MakeJoin("locked", 0)), grpc::StatusCode::UNAUTHENTICATED, "token");
  // A seat that does not exist.
  v1::Join out_of_range = MakeJoin("locked", 5);
  out_of_range.set_join_token("s3cret");
  ExpectFatal(c, JoinMessage(out_of_range), grpc::StatusCode::INVALID_ARGUMENT, "5");
  // An Action before any Join.
  v1::AgentMessage early;
  *early.mutable_action() = PureAction(1, 0, 2);
  ExpectFatal(c, early, grpc::StatusCode::FAILED_PRECONDITION, "Join");
  // An oversized message (over --max-message-bytes 65536): gRPC refuses it.
  v1::Join huge = MakeJoin("locked", 0);
  huge.set_join_token("s3cret");
  huge.set_agent_name(std::string(200'000, 'x'));
  ExpectFatal(c, JoinMessage(huge), grpc::StatusCode::RESOURCE_EXHAUSTED, "larger than max");

  // The right token takes the seat; a second agent on that seat is refused; so is a second Join
  // on the first agent's stream.
  v1::Join right = MakeJoin("locked", 0);
  right.set_join_token("s3cret");
  PlayStream first(c);
  ASSERT_TRUE(first.SendJoin(right));
  std::optional<v1::CoordinatorMessage> joined = first.Read();
  ASSERT_TRUE(joined && joined->has_joined()) << first.Finish().error_message();
  ExpectFatal(c, JoinMessage(right), grpc::StatusCode::FAILED_PRECONDITION, "seat 0");
  ASSERT_TRUE(first.Read().has_value());  // Start
  ASSERT_TRUE(first.SendJoin(right));
  const grpc::Status second_join = first.Finish();
  EXPECT_EQ(second_join.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << second_join.error_message();
  EXPECT_NE(second_join.error_message().find("Join"), std::string::npos)
      << second_join.error_message();
  ExpectBystanderAdvanced();
}

TEST_F(BadInputs, VanishedStreamVacatesItsSeatForAResume) {
  Coordinator& c = *coordinator_;
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 1000);
  spec.mutable_service()->add_local_seats(1);
  ASSERT_TRUE(c.CreateGame(spec, "vanish").ok());
  std::string token;
  {
    PlayStream stream(c);
    ASSERT_TRUE(stream.SendJoin(MakeJoin("vanish", 0)));
    std::optional<v1::CoordinatorMessage> joined = stream.Read();
    ASSERT_TRUE(joined && joined->has_joined()) << stream.Finish().error_message();
    token = joined->joined().resume_token();
    ASSERT_TRUE(stream.Read().has_value());  // Start
    ASSERT_TRUE(stream.SendAction(PureAction(1, 0, 2)));
    std::optional<v1::CoordinatorMessage> feedback = stream.Read();
    ASSERT_TRUE(feedback && feedback->has_feedback());
    absl::StatusOr<v1::GameInfo> info = c.GetGame("vanish");
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(Seat(*info, 0).connected());
    stream.Cancel();
  }
  absl::StatusOr<v1::GameInfo> vacated = c.WaitForGame(
      "vanish", [](const v1::GameInfo& i) { return !Seat(i, 0).connected(); }, seconds(10));
  ASSERT_TRUE(vacated.ok()) << vacated.status();
  EXPECT_EQ(vacated->status(), v1::GAME_STATUS_RUNNING);

  // The token takes the vacated seat back, mid-game. The client says its learner has absorbed
  // round 1 (it read that feedback), so there is nothing to replay.
  PlayStream resumed(c);
  v1::Join join = MakeJoin("vanish");
  join.set_resume_token(token);
  join.set_learner_round(1);
  ASSERT_TRUE(resumed.SendJoin(join));
  std::optional<v1::CoordinatorMessage> rejoined = resumed.Read();
  ASSERT_TRUE(rejoined && rejoined->has_joined()) << resumed.Finish().error_message();
  EXPECT_EQ(rejoined->joined().seat(), 0);
  EXPECT_TRUE(rejoined->joined().started());
  EXPECT_EQ(rejoined->joined().next_round(), 2);
  EXPECT_EQ(rejoined->joined().replay_from(), 0);
  ASSERT_TRUE(resumed.SendAction(PureAction(2, 1, 2)));
  std::optional<v1::CoordinatorMessage> feedback = resumed.Read();
  ASSERT_TRUE(feedback && feedback->has_feedback()) << (feedback ? feedback->DebugString() : "");
  EXPECT_EQ(feedback->feedback().round(), 2);
  ExpectBystanderAdvanced();
}

// Coordinator limits: --max-games and --max-seats answer RESOURCE_EXHAUSTED.
TEST(CoordinatorLimits, MaxGamesAndMaxSeatsAreResourceExhausted) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Start(dir.path(), {"--max-games", "1", "--max-seats", "1"});
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  ASSERT_TRUE(c.CreateGame(MakeSpec("prisoners_dilemma", 100), "only").ok());
  absl::StatusOr<std::string> second = c.CreateGame(MakeSpec("prisoners_dilemma", 100), "more");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted) << second.status();
  EXPECT_NE(second.status().message().find("1"), std::string::npos) << second.status();

  PlayStream first(c);
  ASSERT_TRUE(first.SendJoin(MakeJoin("only", 0)));
  std::optional<v1::CoordinatorMessage> joined = first.Read();
  ASSERT_TRUE(joined && joined->has_joined()) << first.Finish().error_message();
  ExpectFatal(c, JoinMessage(MakeJoin("only", 1)), grpc::StatusCode::RESOURCE_EXHAUSTED, "seat");
  // Unknown games are NOT_FOUND on the admin side too.
  absl::StatusOr<v1::GameInfo> unknown = c.GetGame("nope");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();
}

TEST(CoordinatorLimits, AdminRpcsNeedTheAdminToken) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Start(dir.path(), {}, "adm1n");
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  ASSERT_TRUE(c.CreateGame(MakeSpec("prisoners_dilemma", 100), "g").ok());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::ListGamesResponse response;
  const grpc::Status status = c.stub().ListGames(&context, v1::ListGamesRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
}

}  // namespace
}  // namespace nashnet::service_test

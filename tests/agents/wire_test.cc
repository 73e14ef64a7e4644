// Wire forms (agents/wire/wire.h): every value survives agents' type → proto → bytes → proto →
// agents' type bit for bit (NaN payloads, denormals, -0.0 included), and every malformed shape is
// refused with InvalidArgument naming the field.
#include "agents/wire/wire.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace nashnet::agents {
namespace {

constexpr double kDenormal = std::numeric_limits<double>::denorm_min();
constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaNPayload = std::bit_cast<double>(uint64_t{0x7ff80000deadbeefULL});

// Sends `message` through its serialized bytes, as gRPC does.
template <typename Message>
Message ThroughBytes(const Message& message) {
  std::string bytes;
  EXPECT_TRUE(message.SerializeToString(&bytes));
  Message out;
  EXPECT_TRUE(out.ParseFromString(bytes));
  return out;
}

uint64_t Bits(double x) { return std::bit_cast<uint64_t>(x); }

// Bit-for-bit equality of two dense Eigen objects (shape and every double's bits).
template <typename A, typename B>
void ExpectBitsEqual(const A& expected, const B& actual) {
  ASSERT_EQ(expected.rows(), actual.rows());
  ASSERT_EQ(expected.cols(), actual.cols());
  for (Eigen::Index k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(Bits(expected.data()[k]), Bits(actual.data()[k])) << "at " << k;
  }
}

void ExpectInvalid(const absl::Status& status, const std::string& mentions) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(mentions), std::string::npos)
      << "'" << status.message() << "' should mention '" << mentions << "'";
}

TEST(WirePlayerView, FiniteAndContinuousViewsRoundTripExactly) {
  PlayerView finite{.player = 2,
                    .num_players = 3,
                    .num_actions = 5,
                    .payoff_range = {.min = -kDenormal, .max = 0.1 + 0.2},
                    .feedback = FeedbackModel::kCounterfactual,
                    .horizon = int64_t{1} << 40,
                    .seed = std::numeric_limits<uint64_t>::max()};
  PlayerView continuous{.player = 0,
                        .num_players = 1,
                        .num_actions = 0,
                        .feedback = FeedbackModel::kBandit,
                        .horizon = 0,
                        .seed = 12345};
  continuous.box.lower = Eigen::Vector3d(-1.0 / 3.0, kDenormal, -0.0);
  continuous.box.upper = Eigen::Vector3d(2.0 / 3.0, 2 * kDenormal, 0.0);
  for (const PlayerView& view : {finite, continuous}) {
    v1::PlayerView proto;
    PlayerViewToProto(view, &proto);
    auto back = PlayerViewFromProto(ThroughBytes(proto));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->player, view.player);
    EXPECT_EQ(back->num_players, view.num_players);
    EXPECT_EQ(back->num_actions, view.num_actions);
    ExpectBitsEqual(view.box.lower, back->box.lower);
    ExpectBitsEqual(view.box.upper, back->box.upper);
    EXPECT_EQ(Bits(back->payoff_range.min), Bits(view.payoff_range.min));
    EXPECT_EQ(Bits(back->payoff_range.max), Bits(view.payoff_range.max));
    EXPECT_EQ(back->feedback, view.feedback);
    EXPECT_EQ(back->horizon, view.horizon);
    EXPECT_EQ(back->seed, view.seed);
  }
}

TEST(WireFeedbackModel, EveryModelRoundTripsAndUnspecifiedReadsAsFull) {
  for (FeedbackModel model : {FeedbackModel::kFull, FeedbackModel::kNoisy,
                              FeedbackModel::kCounterfactual, FeedbackModel::kBandit}) {
    EXPECT_EQ(FeedbackModelFromProto(FeedbackModelToProto(model)), model);
  }
  EXPECT_EQ(FeedbackModelFromProto(v1::FEEDBACK_MODEL_UNSPECIFIED), FeedbackModel::kFull);
  EXPECT_EQ(FeedbackModelToProto(FeedbackModel::kBandit), v1::FEEDBACK_MODEL_BANDIT);
}

v1::PlayerView GoodFiniteView() {
  v1::PlayerView view;
  view.set_player(1);
  view.set_num_players(2);
  view.set_num_actions(3);
  view.set_payoff_min(0.0);
  view.set_payoff_max(1.0);
  view.set_horizon(100);
  return view;
}

v1::PlayerView GoodContinuousView() {
  v1::PlayerView view = GoodFiniteView();
  view.set_num_actions(0);
  view.mutable_box()->add_lower(0.0);
  view.mutable_box()->add_upper(1.0);
  return view;
}

TEST(WirePlayerView, RefusesViewsNoLearnerCouldPlayNamingTheField) {
  ASSERT_TRUE(PlayerViewFromProto(GoodFiniteView()).ok());
  ASSERT_TRUE(PlayerViewFromProto(GoodContinuousView()).ok());
  struct Case {
    std::string name;
    v1::PlayerView view;
    std::string mentions;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, v1::PlayerView view, std::string mentions) {
    cases.push_back({std::move(name), std::move(view), std::move(mentions)});
  };
  v1::PlayerView v = GoodFiniteView();
  v.set_num_players(0);
  add("no players", v, "view.num_players");
  v = GoodFiniteView();
  v.set_player(2);
  add("player past the end", v, "view.player: 2");
  v.set_player(-1);
  add("negative player", v, "view.player: -1");
  v = GoodFiniteView();
  v.set_num_actions(-1);
  add("negative actions", v, "view.num_actions");
  v = GoodFiniteView();
  v.mutable_box()->add_lower(0.0);
  v.mutable_box()->add_upper(1.0);
  add("finite with a box", v, "view.box: a finite game");
  v = GoodContinuousView();
  v.mutable_box()->Clear();
  add("continuous without a box", v, "view.box: a continuous game");
  v = GoodContinuousView();
  v.mutable_box()->add_lower(0.0);
  add("lower/upper lengths", v, "view.box: lower has 2 values, upper 1");
  v = GoodContinuousView();
  v.mutable_box()->set_lower(0, 2.0);
  add("lower above upper", v, "lower[0] = 2 > upper[0] = 1");
  v = GoodContinuousView();
  v.mutable_box()->set_upper(0, kInf);
  add("infinite box", v, "view.box.upper[0]: not finite");
  v = GoodContinuousView();
  v.mutable_box()->set_lower(0, std::nan(""));
  add("NaN box", v, "view.box.lower[0]: not finite");
  v = GoodFiniteView();
  v.set_payoff_min(2.0);
  add("payoff_min > payoff_max", v, "view.payoff_min/payoff_max");
  v = GoodFiniteView();
  v.set_payoff_max(std::nan(""));
  add("NaN payoff bound", v, "view.payoff_min/payoff_max");
  v = GoodFiniteView();
  v.set_horizon(-5);
  add("negative horizon", v, "view.horizon: -5");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectInvalid(PlayerViewFromProto(c.view).status(), c.mentions);
  }
}

TEST(WireMixedStrategy, FiniteStrategyRoundTripsBitForBitWithoutShapeChecksOnValues) {
  // Values are the match's business (sum to 1, finite): the wire keeps even NaN payloads.
  MixedStrategy strategy;
  strategy.probabilities = Eigen::Vector4d(0.1, kDenormal, -0.0, kNaNPayload);
  v1::MixedStrategy proto;
  MixedStrategyToProto(strategy, &proto);
  auto back = MixedStrategyFromProto(ThroughBytes(proto), /*dimension=*/0);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectBitsEqual(strategy.probabilities, back->probabilities);
  EXPECT_EQ(back->cell_lower.size(), 0);
  EXPECT_EQ(back->cell_upper.size(), 0);
}

TEST(WireMixedStrategy, ContinuousCellsAreFlattenedCellByCell) {
  // d = 2, 3 cells: cell k's corners are columns k of the 2 × 3 matrices, and on the wire
  // cell_lower[2k .. 2k+2).
  MixedStrategy strategy;
  strategy.probabilities = Eigen::Vector3d(0.25, 0.5, 0.25);
  strategy.cell_lower.resize(2, 3);
  strategy.cell_lower << 0.0, 0.5, kDenormal, 1.0, 1.5, -0.0;
  strategy.cell_upper = strategy.cell_lower.array() + 1.0 / 3.0;
  v1::MixedStrategy proto;
  MixedStrategyToProto(strategy, &proto);
  ASSERT_EQ(proto.cell_lower_size(), 6);
  EXPECT_EQ(proto.cell_lower(2), 0.5);  // cell 1, coordinate 0
  EXPECT_EQ(proto.cell_lower(3), 1.5);  // cell 1, coordinate 1
  auto back = MixedStrategyFromProto(ThroughBytes(proto), /*dimension=*/2);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectBitsEqual(strategy.probabilities, back->probabilities);
  ExpectBitsEqual(strategy.cell_lower, back->cell_lower);
  ExpectBitsEqual(strategy.cell_upper, back->cell_upper);
}

TEST(WireMixedStrategy, RefusesCellsThatAreNotCellsTimesDOrOnAFiniteGame) {
  v1::MixedStrategy proto;
  proto.add_probabilities(0.5);
  proto.add_probabilities(0.5);
  for (double x : {0.0, 0.0, 0.5, 0.0}) proto.add_cell_lower(x);
  for (double x : {0.5, 1.0, 1.0}) proto.add_cell_upper(x);  // one short
  ExpectInvalid(MixedStrategyFromProto(proto, 2).status(),
                "strategy.cell_upper: 3 values, expected cells × d = 2 × 2 = 4");
  proto.add_cell_upper(1.0);
  EXPECT_TRUE(MixedStrategyFromProto(proto, 2).ok());
  ExpectInvalid(MixedStrategyFromProto(proto, 1).status(),
                "strategy.cell_lower: 4 values, expected cells × d = 2 × 1 = 2");
  ExpectInvalid(MixedStrategyFromProto(proto, 0).status(), "a finite game's strategy has no cells");
  proto.set_cell_lower(3, kInf);
  ExpectInvalid(MixedStrategyFromProto(proto, 2).status(), "strategy.cell_lower[3]: not finite");
  ExpectInvalid(MixedStrategyFromProto(proto, -1).status(), "dimension -1");
}

TEST(WireAction, FiniteActionRoundTripsWithStrategyAndProbability) {
  Action action{.index = 4, .probability = kDenormal};
  MixedStrategy strategy;
  strategy.probabilities = Eigen::VectorXd::Constant(5, 0.2);
  v1::Action proto;
  ActionToProto(17, action, &strategy, &proto);
  auto back = ActionFromProto(ThroughBytes(proto), 0);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->round, 17);
  EXPECT_EQ(back->action.index, 4);
  EXPECT_EQ(back->action.point.size(), 0);
  EXPECT_EQ(Bits(back->action.probability), Bits(kDenormal));
  ASSERT_TRUE(back->has_strategy);
  ExpectBitsEqual(strategy.probabilities, back->strategy.probabilities);
}

TEST(WireAction, ContinuousActionRoundTripsAndAReusedMessageForgetsStaleFields) {
  MixedStrategy strategy;
  strategy.probabilities = Eigen::Vector2d(0.5, 0.5);
  strategy.cell_lower = Eigen::Vector2d(0.0, 0.5).transpose();
  strategy.cell_upper = Eigen::Vector2d(0.5, 1.0).transpose();
  Action first{.index = -1, .point = Eigen::Vector2d(kDenormal, 1.0 / 7.0), .probability = 2.0};
  v1::Action proto;
  ActionToProto(1, first, &strategy, &proto);
  auto back = ActionFromProto(ThroughBytes(proto), 1);
  // d = 1 for the strategy, but the point has 2 coordinates: dimensions are the match's check.
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectBitsEqual(first.point, back->action.point);
  EXPECT_EQ(back->action.probability, 2.0);
  ExpectBitsEqual(strategy.cell_upper, back->strategy.cell_upper);

  // Round 2 reuses the message: no strategy, unknown probability, a 1-d point.
  Action second{.point = Eigen::VectorXd::Constant(1, -0.0)};
  ActionToProto(2, second, nullptr, &proto);
  back = ActionFromProto(ThroughBytes(proto), 1);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->round, 2);
  ExpectBitsEqual(second.point, back->action.point);
  EXPECT_FALSE(back->has_strategy);
  EXPECT_TRUE(std::isnan(back->action.probability));

  // And a finite action after a continuous one carries no point.
  ActionToProto(3, Action{.index = 0}, nullptr, &proto);
  EXPECT_EQ(proto.played_case(), v1::Action::kIndex);
}

TEST(WireAction, RefusesMalformedActionsNamingTheField) {
  v1::Action proto;
  proto.set_round(3);
  ExpectInvalid(ActionFromProto(proto, 0).status(), "action.played: not set");
  // A point without coordinates (found by fuzz/wire.cc: it re-encoded as index -1).
  proto.mutable_point();
  ExpectInvalid(ActionFromProto(proto, 2).status(), "action.point.coordinates: empty");

  proto.mutable_point()->add_coordinates(0.5);
  proto.mutable_point()->add_coordinates(0.25);
  proto.mutable_point()->add_coordinates(std::nan(""));
  ExpectInvalid(ActionFromProto(proto, 3).status(), "action.point.coordinates[2]: not finite");
  proto.mutable_point()->set_coordinates(2, -kInf);
  ExpectInvalid(ActionFromProto(proto, 3).status(), "action.point.coordinates[2]: not finite");
  proto.mutable_point()->set_coordinates(2, 0.0);
  EXPECT_TRUE(ActionFromProto(proto, 3).ok());

  proto.set_probability(kInf);
  ExpectInvalid(ActionFromProto(proto, 3).status(), "action.probability: not finite");
  proto.set_probability(-1.0);
  ExpectInvalid(ActionFromProto(proto, 3).status(), "action.probability: -1 is negative");
  proto.set_probability(2.0);  // a density may pass 1
  EXPECT_TRUE(ActionFromProto(proto, 3).ok());
  // A point for a finite game (dimension 0), an index for a continuous one.
  ExpectInvalid(ActionFromProto(proto, 0).status(),
                "action.point: the game is finite (its actions are indices); send action.index");
  proto.clear_probability_given();
  v1::Action index;
  index.set_index(1);
  ExpectInvalid(ActionFromProto(index, 3).status(), "action.index: the game is continuous");
  index.set_index(-1);
  ExpectInvalid(ActionFromProto(index, 0).status(), "action.index: -1 is negative");
  index.set_index(1);
  for (double p : {-1.0, 2.0, 1.0 + 1e-9}) {
    index.set_probability(p);
    ExpectInvalid(ActionFromProto(index, 0).status(), "action.probability: ");
    EXPECT_NE(ActionFromProto(index, 0).status().message().find("is not in [0, 1]"),
              std::string::npos);
  }
  index.set_probability(1.0);
  EXPECT_TRUE(ActionFromProto(index, 0).ok());

  proto.mutable_strategy()->add_probabilities(1.0);
  proto.mutable_strategy()->add_cell_lower(0.0);
  ExpectInvalid(ActionFromProto(proto, 3).status(), "action.strategy.cell_lower: 1 values");
}

TEST(WireFeedback, RoundTripsBitForBitAndCarriesThePlayedActionAndSubstitution) {
  Feedback feedback;
  feedback.round = 99;
  feedback.payoff = kNaNPayload;
  feedback.payoff_vector = Eigen::Vector3d(kDenormal, -0.0, 1e308);
  v1::Feedback proto;
  FeedbackToProto(feedback, Action{.index = 2}, /*substituted=*/true, &proto);
  const v1::Feedback wire = ThroughBytes(proto);
  EXPECT_EQ(wire.index(), 2);
  EXPECT_TRUE(wire.substituted());
  Feedback back = FeedbackFromProto(wire);
  EXPECT_EQ(back.round, 99);
  EXPECT_EQ(Bits(back.payoff), Bits(kNaNPayload));
  ExpectBitsEqual(feedback.payoff_vector, back.payoff_vector);
  EXPECT_FALSE(back.payoff_function);

  // Bandit feedback on a continuous game: no vector, the played point.
  Feedback bandit{.round = 100, .payoff = 0.75};
  FeedbackToProto(bandit, Action{.point = Eigen::Vector2d(0.1, 0.2)}, false, &proto);
  EXPECT_EQ(proto.payoff_vector_size(), 0);
  ASSERT_EQ(proto.played_case(), v1::Feedback::kPoint);
  EXPECT_EQ(proto.point().coordinates(1), 0.2);
  EXPECT_FALSE(proto.substituted());
  EXPECT_EQ(FeedbackFromProto(proto).payoff_vector.size(), 0);
}

}  // namespace
}  // namespace nashnet::agents

// metrics_wire: RoundMetrics / RunSummary survive the trip through the protocol's messages (and
// through their serialized bytes) bit for bit — NaN payloads, -0.0 and infinities included — and a
// finite player's strategy stays a strategy while a continuous player's point stays a point.
#include "server/service/metrics_wire.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace nashnet::server {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A NaN with a payload other than the default quiet NaN: only a bit-exact copy keeps it.
double PayloadNaN() { return std::bit_cast<double>(uint64_t{0x7ff8'0000'dead'beefULL}); }

// Bit-exact equality: distinguishes NaN payloads and -0.0 from 0.0.
::testing::AssertionResult SameBits(double expected, double actual) {
  if (std::bit_cast<uint64_t>(expected) == std::bit_cast<uint64_t>(actual)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected bits " << std::hex << std::bit_cast<uint64_t>(expected) << " (" << expected
         << "), got " << std::bit_cast<uint64_t>(actual) << " (" << actual << ")";
}

::testing::AssertionResult SameVector(const Eigen::VectorXd& expected,
                                      const Eigen::VectorXd& actual) {
  if (expected.size() != actual.size()) {
    return ::testing::AssertionFailure()
           << "size " << actual.size() << ", expected " << expected.size();
  }
  for (Eigen::Index i = 0; i < expected.size(); ++i) {
    if (auto same = SameBits(expected[i], actual[i]); !same) return same << " at [" << i << "]";
  }
  return ::testing::AssertionSuccess();
}

RoundMetrics MixedRoundMetrics() {
  RoundMetrics metrics;
  metrics.round = 123456789012LL;
  metrics.nash_gap = 0.1 + 0.2;  // not exactly representable in decimal text
  metrics.empirical_nash_gap = -0.0;
  metrics.equilibrium_distance = kNaN;
  metrics.variation = PayloadNaN();
  PlayerRoundMetrics finite;
  finite.regret = 1e-300;
  finite.realized_regret = -kInf;
  finite.dynamic_regret = kInf;
  finite.payoff = -3.5;
  finite.average_payoff = std::numeric_limits<double>::denorm_min();
  finite.equilibrium_distance = kNaN;
  finite.strategy = Eigen::Vector3d(0.25, 0.5, 0.25);
  PlayerRoundMetrics continuous;  // NaN defaults everywhere but the point
  continuous.point = Eigen::Vector2d(-1.0 / 3.0, 7e10);
  metrics.players = {finite, continuous};
  return metrics;
}

void ExpectSameRoundMetrics(const RoundMetrics& expected, const RoundMetrics& actual) {
  EXPECT_EQ(expected.round, actual.round);
  EXPECT_TRUE(SameBits(expected.nash_gap, actual.nash_gap));
  EXPECT_TRUE(SameBits(expected.empirical_nash_gap, actual.empirical_nash_gap));
  EXPECT_TRUE(SameBits(expected.equilibrium_distance, actual.equilibrium_distance));
  EXPECT_TRUE(SameBits(expected.variation, actual.variation));
  ASSERT_EQ(expected.players.size(), actual.players.size());
  for (size_t i = 0; i < expected.players.size(); ++i) {
    SCOPED_TRACE("player " + std::to_string(i));
    const PlayerRoundMetrics& e = expected.players[i];
    const PlayerRoundMetrics& a = actual.players[i];
    EXPECT_TRUE(SameBits(e.regret, a.regret));
    EXPECT_TRUE(SameBits(e.realized_regret, a.realized_regret));
    EXPECT_TRUE(SameBits(e.dynamic_regret, a.dynamic_regret));
    EXPECT_TRUE(SameBits(e.payoff, a.payoff));
    EXPECT_TRUE(SameBits(e.average_payoff, a.average_payoff));
    EXPECT_TRUE(SameBits(e.equilibrium_distance, a.equilibrium_distance));
    EXPECT_TRUE(SameVector(e.strategy, a.strategy));
    EXPECT_TRUE(SameVector(e.point, a.point));
  }
}

RunSummary MixedRunSummary() {
  RunSummary summary;
  summary.rounds = 100000;
  summary.seed = 0xffff'ffff'ffff'fffeULL;  // above INT64_MAX: the uint64 field must keep it
  summary.nash_gap = 2.5e-7;
  summary.empirical_nash_gap = PayloadNaN();
  summary.equilibrium_distance = kNaN;
  summary.elapsed_seconds = 1.0 / 7.0;
  summary.rounds_per_second = 700000.0000000001;
  PlayerSummary hedge;
  hedge.algorithm = "hedge";
  hedge.strategy = Eigen::Vector2d(1.0 - 1e-16, 1e-16);
  hedge.regret = -0.0;
  hedge.realized_regret = 12.75;
  hedge.dynamic_regret = kInf;
  hedge.average_payoff = -1.0 / 3.0;
  PlayerSummary unnamed;  // empty algorithm, empty strategy, NaN numbers
  summary.players = {hedge, unnamed};
  return summary;
}

void ExpectSameRunSummary(const RunSummary& expected, const RunSummary& actual) {
  EXPECT_EQ(expected.rounds, actual.rounds);
  EXPECT_EQ(expected.seed, actual.seed);
  EXPECT_TRUE(SameBits(expected.nash_gap, actual.nash_gap));
  EXPECT_TRUE(SameBits(expected.empirical_nash_gap, actual.empirical_nash_gap));
  EXPECT_TRUE(SameBits(expected.equilibrium_distance, actual.equilibrium_distance));
  EXPECT_TRUE(SameBits(expected.elapsed_seconds, actual.elapsed_seconds));
  EXPECT_TRUE(SameBits(expected.rounds_per_second, actual.rounds_per_second));
  ASSERT_EQ(expected.players.size(), actual.players.size());
  for (size_t i = 0; i < expected.players.size(); ++i) {
    SCOPED_TRACE("player " + std::to_string(i));
    const PlayerSummary& e = expected.players[i];
    const PlayerSummary& a = actual.players[i];
    EXPECT_EQ(e.algorithm, a.algorithm);
    EXPECT_TRUE(SameVector(e.strategy, a.strategy));
    EXPECT_TRUE(SameBits(e.regret, a.regret));
    EXPECT_TRUE(SameBits(e.realized_regret, a.realized_regret));
    EXPECT_TRUE(SameBits(e.dynamic_regret, a.dynamic_regret));
    EXPECT_TRUE(SameBits(e.average_payoff, a.average_payoff));
  }
}

TEST(MetricsWire, RoundMetricsRoundTripIsBitExact) {
  const RoundMetrics metrics = MixedRoundMetrics();
  v1::RoundMetrics wire;
  RoundMetricsToProto(metrics, &wire);
  ExpectSameRoundMetrics(metrics, RoundMetricsFromProto(wire));
}

TEST(MetricsWire, RoundMetricsSurviveSerialization) {
  // proto3 omits fields equal to +0.0; NaN, -0.0 and the infinities must still go on the wire.
  const RoundMetrics metrics = MixedRoundMetrics();
  v1::RoundMetrics wire;
  RoundMetricsToProto(metrics, &wire);
  v1::RoundMetrics parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire.SerializeAsString()));
  ExpectSameRoundMetrics(metrics, RoundMetricsFromProto(parsed));
}

TEST(MetricsWire, FiniteStrategyAndContinuousPointStayApart) {
  const RoundMetrics metrics = MixedRoundMetrics();
  v1::RoundMetrics wire;
  RoundMetricsToProto(metrics, &wire);
  ASSERT_EQ(wire.players_size(), 2);
  EXPECT_EQ(wire.players(0).strategy_size(), 3);
  EXPECT_EQ(wire.players(0).point_size(), 0);
  EXPECT_EQ(wire.players(1).strategy_size(), 0);
  EXPECT_EQ(wire.players(1).point_size(), 2);
  const RoundMetrics back = RoundMetricsFromProto(wire);
  EXPECT_EQ(back.players[0].point.size(), 0);
  EXPECT_EQ(back.players[1].strategy.size(), 0);
}

TEST(MetricsWire, ToProtoReplacesWhatTheMessageHeld) {
  v1::RoundMetrics wire;
  RoundMetricsToProto(MixedRoundMetrics(), &wire);
  RoundMetrics one_player;
  one_player.round = 1;
  one_player.players.resize(1);
  RoundMetricsToProto(one_player, &wire);
  EXPECT_EQ(wire.round(), 1);
  ASSERT_EQ(wire.players_size(), 1);
  EXPECT_EQ(wire.players(0).strategy_size(), 0);

  v1::GameSummary summary_wire;
  RunSummaryToProto(MixedRunSummary(), &summary_wire);
  RunSummaryToProto(RunSummary{}, &summary_wire);
  EXPECT_EQ(summary_wire.players_size(), 0);
  EXPECT_EQ(summary_wire.seed(), 0u);
}

TEST(MetricsWire, RunSummaryRoundTripIsBitExact) {
  const RunSummary summary = MixedRunSummary();
  v1::GameSummary wire;
  RunSummaryToProto(summary, &wire);
  ExpectSameRunSummary(summary, RunSummaryFromProto(wire));
  v1::GameSummary parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire.SerializeAsString()));
  ExpectSameRunSummary(summary, RunSummaryFromProto(parsed));
}

TEST(MetricsWire, DefaultStructsRoundTrip) {
  // Every double of a default struct is NaN ("not measured"), not the proto default 0.
  v1::RoundMetrics round_wire;
  RoundMetricsToProto(RoundMetrics{}, &round_wire);
  EXPECT_TRUE(std::isnan(round_wire.nash_gap()));
  ExpectSameRoundMetrics(RoundMetrics{}, RoundMetricsFromProto(round_wire));
  v1::GameSummary summary_wire;
  RunSummaryToProto(RunSummary{}, &summary_wire);
  EXPECT_TRUE(std::isnan(summary_wire.rounds_per_second()));
  ExpectSameRunSummary(RunSummary{}, RunSummaryFromProto(summary_wire));
}

}  // namespace
}  // namespace nashnet::server

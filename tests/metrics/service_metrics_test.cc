// ServiceMetrics and GameMetrics on a registry: the contract's series, values, the detail budget,
// the end of a game and the publish rule (metrics_contract.md of issue 4).
#include "server/metrics/service_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/metrics/game_metrics.h"
#include "tests/metrics/scrape.h"

namespace nashnet::server {
namespace {

using metrics_test::AnySeries;
using metrics_test::Samples;

// Sets are exact copies of doubles; only derived numbers (entropy, sums of increments) need a
// tolerance: 1e-9 is far below the 4th decimal that any wrong formula would change.
constexpr double kTol = 1e-9;

Samples Scrape(const ServiceMetrics& metrics) {
  return metrics_test::ParseText(
      prometheus::TextSerializer().Serialize(metrics.registry()->Collect()));
}

std::unique_ptr<ServiceMetrics> MakeMetrics(int64_t detail_games, int64_t period_ms) {
  absl::StatusOr<std::unique_ptr<ServiceMetrics>> metrics =
      ServiceMetrics::Create({.detail_games = detail_games, .period_ms = period_ms});
  EXPECT_TRUE(metrics.ok()) << metrics.status();
  return *std::move(metrics);
}

GameShape TwoByTwo() { return GameShape{.players = 2, .finite = true, .num_actions = {2, 2}}; }

// Round 4 of a 2-player, 2-action game; player i has regret 2 + i, strategy (0.25, 0.75).
RoundMetrics HandRound() {
  RoundMetrics m;
  m.round = 4;
  m.nash_gap = 0.3;
  m.empirical_nash_gap = 0.2;
  m.equilibrium_distance = 0.5;
  for (int i = 0; i < 2; ++i) {
    PlayerRoundMetrics p;
    p.regret = 2.0 + i;
    p.realized_regret = 3.0 + i;
    p.dynamic_regret = 4.0 + i;
    p.payoff = 1.5;
    p.average_payoff = 1.25;
    p.equilibrium_distance = 0.75;
    p.strategy = Eigen::Vector2d(0.25, 0.75);
    m.players.push_back(p);
  }
  return m;
}

std::string P(const std::string& name, const std::string& game, int player) {
  return name + "{game=\"" + game + "\",player=\"" + std::to_string(player) + "\"}";
}

TEST(ServiceMetrics, OptionsNameTheirFlag) {
  EXPECT_NE(ServiceMetrics::Create({.detail_games = -1})
                .status()
                .message()
                .find("--metrics-detail-games"),
            std::string::npos);
  EXPECT_NE(
      ServiceMetrics::Create({.period_ms = -5}).status().message().find("--metrics-period-ms"),
      std::string::npos);
}

TEST(ServiceMetrics, ServiceSeriesExistAtZeroWithEveryReason) {
  auto metrics = MakeMetrics(64, 100);
  const Samples s = Scrape(*metrics);
  for (const char* reason : {"invalid_action", "wrong_round", "protocol", "unauthenticated",
                             "not_found", "no_seat", "limit", "other"}) {
    const std::string series =
        std::string("nashnet_rejected_messages_total{reason=\"") + reason + "\"}";
    ASSERT_TRUE(s.contains(series)) << series;
    EXPECT_EQ(s.at(series), 0);
  }
  for (const char* reason : {"horizon", "stopped", "draining", "failed"}) {
    EXPECT_EQ(s.at(std::string("nashnet_games_ended_total{reason=\"") + reason + "\"}"), 0);
  }
  for (const char* name :
       {"nashnet_agents_connected", "nashnet_games_active", "nashnet_games_created_total",
        "nashnet_rounds_total", "nashnet_deadline_misses_total", "nashnet_evictions_total",
        "nashnet_metrics_detailed_games", "nashnet_live_games_reporting"}) {
    ASSERT_TRUE(s.contains(name)) << name;
    EXPECT_EQ(s.at(name), 0) << name;
  }
  // The project's version (CMake's PROJECT_VERSION), whatever it is today.
  int build_info = 0;
  for (const auto& [series, value] : s) {
    if (series.rfind("nashnet_build_info{version=\"", 0) == 0 && value == 1) ++build_info;
  }
  EXPECT_EQ(build_info, 1);
  // 25 µs × 2^k: the 21st bucket is 26.2144 s, the last below ~30 s.
  EXPECT_EQ(ServiceMetrics::DurationBuckets().size(), 21u);
  EXPECT_DOUBLE_EQ(ServiceMetrics::DurationBuckets().back(), 25e-6 * (1 << 20));
}

TEST(ServiceMetrics, EventsCountAndTime) {
  auto metrics = MakeMetrics(64, 100);
  metrics->AgentConnected();
  metrics->AgentConnected();
  metrics->AgentDisconnected();
  metrics->RoundResolved(0.001);
  metrics->RoundResolved(0.003);
  metrics->AgentResponded(0.0001);
  metrics->DeadlineMissed();
  metrics->Evicted();
  metrics->Rejected(RejectReason::kInvalidAction);
  metrics->Rejected(RejectReason::kInvalidAction);
  metrics->Rejected(RejectReason::kNotFound);
  const Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_agents_connected"), 1);
  EXPECT_EQ(s.at("nashnet_rounds_total"), 2);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_count"), 2);
  EXPECT_NEAR(s.at("nashnet_round_duration_seconds_sum"), 0.004, kTol);
  // 1 ms lies in (800 µs, 1.6 ms]: the bucket le=0.0016 holds it, le=0.0008 does not.
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"0.0008\"}"), 0);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"0.0016\"}"), 1);
  EXPECT_EQ(s.at("nashnet_agent_response_seconds_count"), 1);
  EXPECT_EQ(s.at("nashnet_deadline_misses_total"), 1);
  EXPECT_EQ(s.at("nashnet_evictions_total"), 1);
  EXPECT_EQ(s.at("nashnet_rejected_messages_total{reason=\"invalid_action\"}"), 2);
  EXPECT_EQ(s.at("nashnet_rejected_messages_total{reason=\"not_found\"}"), 1);
  EXPECT_EQ(s.at("nashnet_rejected_messages_total{reason=\"limit\"}"), 0);
}

TEST(GameMetrics, PublishesHandComputedRound) {
  auto metrics = MakeMetrics(64, 0);
  std::unique_ptr<GameMetrics> game = metrics->ForGame("g1", TwoByTwo());
  ASSERT_TRUE(game->Due(4, false));
  game->Publish(HandRound());
  const Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_game_round{game=\"g1\"}"), 4);
  EXPECT_EQ(s.at("nashnet_game_nash_gap{game=\"g1\"}"), 0.3);
  EXPECT_EQ(s.at("nashnet_game_empirical_nash_gap{game=\"g1\"}"), 0.2);
  EXPECT_EQ(s.at("nashnet_game_equilibrium_distance{game=\"g1\"}"), 0.5);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(s.at(P("nashnet_player_regret", "g1", i)), 2.0 + i);
    EXPECT_EQ(s.at(P("nashnet_player_realized_regret", "g1", i)), 3.0 + i);
    EXPECT_EQ(s.at(P("nashnet_player_dynamic_regret", "g1", i)), 4.0 + i);
    EXPECT_EQ(s.at(P("nashnet_player_average_regret", "g1", i)), (2.0 + i) / 4);  // regret/round
    EXPECT_EQ(s.at(P("nashnet_player_payoff", "g1", i)), 1.5);
    EXPECT_EQ(s.at(P("nashnet_player_average_payoff", "g1", i)), 1.25);
    // −(0.25 ln 0.25 + 0.75 ln 0.75) = 0.5623351446 nats.
    EXPECT_NEAR(s.at(P("nashnet_player_strategy_entropy", "g1", i)), 0.5623351446, 1e-10);
    EXPECT_EQ(s.at(P("nashnet_player_equilibrium_action_probability", "g1", i)), 0.25);
    const std::string prefix = "nashnet_player_strategy_probability{action=\"";
    const std::string suffix = "\",game=\"g1\",player=\"" + std::to_string(i) + "\"}";
    EXPECT_EQ(s.at(prefix + "0" + suffix), 0.25);
    EXPECT_EQ(s.at(prefix + "1" + suffix), 0.75);
  }
  EXPECT_EQ(s.at("nashnet_games_created_total"), 1);
  EXPECT_EQ(s.at("nashnet_games_active"), 1);
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 1);
  EXPECT_EQ(s.at("nashnet_live_games_reporting"), 1);
  EXPECT_NEAR(s.at("nashnet_live_summed_nash_gap"), 0.3, kTol);
  EXPECT_NEAR(s.at("nashnet_live_summed_worst_average_regret"), 0.75, kTol);  // max(2/4, 3/4)
}

TEST(GameMetrics, ContinuousGamesHaveNoStrategySeries) {
  auto metrics = MakeMetrics(64, 0);
  std::unique_ptr<GameMetrics> game =
      metrics->ForGame("c1", GameShape{.players = 2, .finite = false});
  const Samples s = Scrape(*metrics);
  EXPECT_TRUE(s.contains(P("nashnet_player_regret", "c1", 1)));
  EXPECT_TRUE(std::isnan(s.at(P("nashnet_player_regret", "c1", 1))));  // nothing published yet
  EXPECT_FALSE(AnySeries(s, "nashnet_player_strategy_entropy"));
  EXPECT_FALSE(AnySeries(s, "nashnet_player_strategy_probability"));
  EXPECT_FALSE(AnySeries(s, "nashnet_player_equilibrium_action_probability"));
}

TEST(GameMetrics, PlayersAndActionsBeyondTheLimitsGetNoSeries) {
  auto metrics = MakeMetrics(64, 0);
  GameShape shape{.players = 40, .finite = true, .num_actions = std::vector<int>(40, 2)};
  shape.num_actions[0] = 17;  // > 16 actions: no per-action series for player 0
  std::unique_ptr<GameMetrics> game = metrics->ForGame("big", shape);
  const Samples s = Scrape(*metrics);
  EXPECT_TRUE(s.contains(P("nashnet_player_regret", "big", 31)));
  EXPECT_FALSE(s.contains(P("nashnet_player_regret", "big", 32)));
  EXPECT_TRUE(s.contains(P("nashnet_player_strategy_entropy", "big", 0)));
  EXPECT_FALSE(
      s.contains("nashnet_player_strategy_probability{action=\"0\",game=\"big\",player=\"0\"}"));
  EXPECT_TRUE(
      s.contains("nashnet_player_strategy_probability{action=\"1\",game=\"big\",player=\"1\"}"));
}

TEST(GameMetrics, DetailLimitEndAndSlotReuse) {
  auto metrics = MakeMetrics(/*detail_games=*/1, 0);
  std::unique_ptr<GameMetrics> g1 = metrics->ForGame("g1", TwoByTwo());
  std::unique_ptr<GameMetrics> g2 = metrics->ForGame("g2", TwoByTwo());
  EXPECT_TRUE(g1->detailed());
  EXPECT_FALSE(g2->detailed());
  RoundMetrics m = HandRound();
  g1->Publish(m);
  m.nash_gap = 0.05;
  g2->Publish(m);
  Samples s = Scrape(*metrics);
  EXPECT_TRUE(AnySeries(s, "game=\"g1\""));
  EXPECT_FALSE(AnySeries(s, "game=\"g2\""));  // no slot: aggregates only
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 1);
  EXPECT_EQ(s.at("nashnet_live_games_reporting"), 2);
  EXPECT_NEAR(s.at("nashnet_live_summed_nash_gap"), 0.35, kTol);
  EXPECT_NEAR(s.at("nashnet_live_summed_worst_average_regret"), 1.5, kTol);

  g1->End("horizon");
  s = Scrape(*metrics);
  EXPECT_FALSE(AnySeries(s, "game=\"g1\""));             // removed, not left at its last value
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 1);  // handed on to g2 (below)
  EXPECT_EQ(s.at("nashnet_games_active"), 1);
  EXPECT_EQ(s.at("nashnet_games_ended_total{reason=\"horizon\"}"), 1);
  EXPECT_EQ(s.at("nashnet_live_games_reporting"), 1);
  EXPECT_NEAR(s.at("nashnet_live_summed_nash_gap"), 0.05, kTol);
  // The final gap 0.3 falls in (0.1, 1].
  EXPECT_EQ(s.at("nashnet_game_final_nash_gap_bucket{le=\"0.1\"}"), 0);
  EXPECT_EQ(s.at("nashnet_game_final_nash_gap_bucket{le=\"1\"}"), 1);
  EXPECT_EQ(s.at("nashnet_game_final_nash_gap_count"), 1);

  // The freed slot goes to g2, the game that queued for one; a new game then has none.
  EXPECT_TRUE(g2->detailed());
  std::unique_ptr<GameMetrics> g3 = metrics->ForGame("g3", TwoByTwo());
  EXPECT_FALSE(g3->detailed());
  s = Scrape(*metrics);
  EXPECT_TRUE(AnySeries(s, "game=\"g2\""));
  EXPECT_FALSE(AnySeries(s, "game=\"g3\""));

  g2->End("stopped");
  g3->End("draining");
  g3->End("draining");  // idempotent
  s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_games_active"), 0);
  EXPECT_EQ(s.at("nashnet_games_created_total"), 3);
  EXPECT_EQ(s.at("nashnet_live_games_reporting"), 0);
  EXPECT_NEAR(s.at("nashnet_live_summed_nash_gap"), 0.0, kTol);
  EXPECT_NEAR(s.at("nashnet_live_summed_worst_average_regret"), 0.0, kTol);
  EXPECT_EQ(s.at("nashnet_games_ended_total{reason=\"stopped\"}"), 1);
  EXPECT_EQ(s.at("nashnet_games_ended_total{reason=\"draining\"}"), 1);
  // g2's final gap 0.05 in (0.01, 0.1]; g3 never published, so it observes nothing.
  EXPECT_EQ(s.at("nashnet_game_final_nash_gap_bucket{le=\"0.1\"}"), 1);
  EXPECT_EQ(s.at("nashnet_game_final_nash_gap_count"), 2);
  EXPECT_FALSE(AnySeries(s, "game=\""));
}

TEST(GameMetrics, PublishesAtMostOncePerPeriodAndTheFinalRound) {
  auto metrics = MakeMetrics(64, /*period_ms=*/3600 * 1000);
  std::unique_ptr<GameMetrics> game = metrics->ForGame("g1", TwoByTwo());
  RoundMetrics m = HandRound();
  m.round = 1;
  ASSERT_TRUE(game->Due(1, false));  // nothing published yet: round 1 goes out
  game->Publish(m);
  EXPECT_FALSE(game->Due(1, true));   // never the same round twice
  EXPECT_FALSE(game->Due(2, false));  // within the hour
  EXPECT_TRUE(game->Due(3, true));    // the final round always
  m.round = 3;
  game->Publish(m);
  EXPECT_EQ(Scrape(*metrics).at("nashnet_game_round{game=\"g1\"}"), 3);
  EXPECT_EQ(game->last_round(), 3);
}

TEST(GameMetrics, FirstRoundIsDueOnAMachineThatBootedASecondAgo) {
  // The steady clock counts from boot: "never published" must not be read as "published at the
  // clock's epoch", or nothing is due until the machine has been up for a whole period.
  using Clock = std::chrono::steady_clock;
  auto metrics = MakeMetrics(64, /*period_ms=*/3600 * 1000);
  std::unique_ptr<GameMetrics> game = metrics->ForGame("g1", TwoByTwo());
  const Clock::time_point booted_a_second_ago = Clock::time_point{} + std::chrono::seconds(1);
  EXPECT_TRUE(game->Due(1, false, booted_a_second_ago));
  RoundMetrics m = HandRound();
  m.round = 1;
  game->Publish(m, booted_a_second_ago);
  EXPECT_FALSE(game->Due(2, false, booted_a_second_ago + std::chrono::minutes(59)));
  EXPECT_TRUE(game->Due(2, false, booted_a_second_ago + std::chrono::hours(1)));
}

TEST(GameMetrics, RoundsAreBatchedUntilFlushPublishOrEnd) {
  auto metrics = MakeMetrics(64, 0);
  std::unique_ptr<GameMetrics> game = metrics->ForGame("g1", TwoByTwo());
  for (int k = 0; k < 3; ++k) game->RoundResolved(0.001);
  EXPECT_EQ(Scrape(*metrics).at("nashnet_rounds_total"), 0);  // held by the game, no lock taken
  game->FlushRounds();
  Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_rounds_total"), 3);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_count"), 3);
  EXPECT_NEAR(s.at("nashnet_round_duration_seconds_sum"), 0.003, kTol);
  // 1 ms lies in (800 µs, 1.6 ms], as Histogram::Observe would sort it.
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"0.0008\"}"), 0);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"0.0016\"}"), 3);
  game->RoundResolved(25e-6);  // exactly the first bound: le="2.5e-05" holds it
  game->RoundResolved(100.0);  // beyond the last bound: only +Inf
  game->End("horizon");
  s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_rounds_total"), 5);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"2.5e-05\"}"), 1);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"26.2144\"}"), 4);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"+Inf\"}"), 5);
}

TEST(GameMetrics, CountedRoundsAddToTheTotalButNotToTheDurations) {
  auto metrics = MakeMetrics(64, 0);
  std::unique_ptr<GameMetrics> game = metrics->ForGame("g1", TwoByTwo());
  // A game of local seats: 1 timed round, 63 counted ones, then the final round timed.
  game->RoundResolved(0.001);
  for (int k = 0; k < 63; ++k) game->RoundCounted();
  game->FlushRounds();
  Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_rounds_total"), 64);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_count"), 1);
  for (int k = 0; k < 5; ++k) game->RoundCounted();
  game->End("horizon");  // flushes the counted rounds too
  s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_rounds_total"), 69);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_count"), 1);
}

TEST(GameMetrics, AggregatesAreExactlyZeroOnceEveryGameEnded) {
  // 100 games × 1000 publishes of values with no short binary form: adding and subtracting each
  // game's share through the gauges left a residue (the review measured −1.1e-13).
  auto metrics = MakeMetrics(64, 0);
  std::vector<std::unique_ptr<GameMetrics>> games;
  for (int g = 0; g < 100; ++g) games.push_back(metrics->ForGame(absl::StrCat("g", g), TwoByTwo()));
  RoundMetrics m = HandRound();
  for (int t = 1; t <= 1000; ++t) {
    for (int g = 0; g < 100; ++g) {
      m.round = t;
      m.nash_gap = 1.0 / (3.0 + g + t);
      m.players[0].regret = std::sqrt(t + 0.1 * g);
      m.players[1].regret = -0.7 * std::sqrt(t);  // negative regrets count too
      games[static_cast<size_t>(g)]->Publish(m);
    }
  }
  Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_live_games_reporting"), 100);
  double expected_gap = 0.0;
  for (int g = 0; g < 100; ++g) expected_gap += 1.0 / (1003.0 + g);
  EXPECT_NEAR(s.at("nashnet_live_summed_nash_gap"), expected_gap, 1e-12);
  for (auto& game : games) game->End("horizon");
  s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_live_games_reporting"), 0);
  EXPECT_EQ(s.at("nashnet_live_summed_nash_gap"), 0.0);  // exactly, not about
  EXPECT_EQ(s.at("nashnet_live_summed_worst_average_regret"), 0.0);
}

TEST(GameMetrics, ResponseTimesAreBatchedWithTheRounds) {
  auto metrics = MakeMetrics(64, 0);
  std::unique_ptr<GameMetrics> game = metrics->ForGame("g1", TwoByTwo());
  game->RoundResolved(0.002);
  game->AgentResponded(0.001);
  game->AgentResponded(0.0005);
  EXPECT_EQ(Scrape(*metrics).at("nashnet_agent_response_seconds_count"), 0);  // held by the game
  game->Publish(HandRound());
  Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_agent_response_seconds_count"), 2);
  EXPECT_NEAR(s.at("nashnet_agent_response_seconds_sum"), 0.0015, kTol);
  // 0.5 ms in (400 µs, 800 µs], 1 ms in (800 µs, 1.6 ms].
  EXPECT_EQ(s.at("nashnet_agent_response_seconds_bucket{le=\"0.0004\"}"), 0);
  EXPECT_EQ(s.at("nashnet_agent_response_seconds_bucket{le=\"0.0008\"}"), 1);
  EXPECT_EQ(s.at("nashnet_agent_response_seconds_bucket{le=\"0.0016\"}"), 2);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_count"), 1);  // a single one: Observe
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"0.0016\"}"), 0);
  EXPECT_EQ(s.at("nashnet_round_duration_seconds_bucket{le=\"0.0032\"}"), 1);
}

TEST(GameMetrics, DestructorEndsWithoutCountingAReason) {
  auto metrics = MakeMetrics(64, 0);
  { std::unique_ptr<GameMetrics> game = metrics->ForGame("g1", TwoByTwo()); }
  const Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_games_active"), 0);
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 0);
  EXPECT_FALSE(AnySeries(s, "game=\"g1\""));
  for (const char* reason : {"horizon", "stopped", "draining", "failed"}) {
    EXPECT_EQ(s.at(std::string("nashnet_games_ended_total{reason=\"") + reason + "\"}"), 0);
  }
}

}  // namespace
}  // namespace nashnet::server

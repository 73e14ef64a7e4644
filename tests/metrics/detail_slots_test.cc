// Detail slots go to running games first (game_metrics.h, "Detail"); seats and substituted
// rounds; continuous games' played points and variation.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
#include "tests/metrics/scrape.h"

namespace nashnet::server {
namespace {

using metrics_test::AnySeries;
using metrics_test::Samples;

Samples Scrape(const ServiceMetrics& metrics) {
  return metrics_test::ParseText(
      prometheus::TextSerializer().Serialize(metrics.registry()->Collect()));
}

std::unique_ptr<ServiceMetrics> MakeMetrics(int64_t detail_games, int64_t period_ms = 0) {
  absl::StatusOr<std::unique_ptr<ServiceMetrics>> metrics =
      ServiceMetrics::Create({.detail_games = detail_games, .period_ms = period_ms});
  EXPECT_TRUE(metrics.ok()) << metrics.status();
  return *std::move(metrics);
}

GameShape TwoByTwo() { return GameShape{.players = 2, .finite = true, .num_actions = {2, 2}}; }

std::string G(const std::string& name, const std::string& game) {
  return name + "{game=\"" + game + "\"}";
}

// A round `t` with Nash gap `gap` of a 2-player game (regrets 1 and 2).
RoundMetrics Round(int64_t t, double gap) {
  RoundMetrics m;
  m.round = t;
  m.nash_gap = gap;
  for (int i = 0; i < 2; ++i) {
    PlayerRoundMetrics p;
    p.regret = 1.0 + i;
    p.strategy = Eigen::Vector2d(0.5, 0.5);
    m.players.push_back(p);
  }
  return m;
}

// The ids of the games whose detailed series a scrape shows.
std::vector<std::string> Detailed(const ServiceMetrics& metrics,
                                  const std::vector<std::string>& ids) {
  const Samples s = Scrape(metrics);
  std::vector<std::string> out;
  for (const std::string& id : ids) {
    if (s.contains(G("nashnet_game_round", id))) out.push_back(id);
  }
  return out;
}

using Ids = std::vector<std::string>;

TEST(DetailSlots, HundredIdleGamesDoNotStarveLaterRunningGames) {
  // The case: 100 waiting games took all 64 slots at creation, and games that started
  // running later never got detail.
  auto metrics = MakeMetrics(64);
  std::vector<std::unique_ptr<GameMetrics>> idle;
  for (int g = 0; g < 100; ++g)
    idle.push_back(metrics->ForGame(absl::StrCat("idle", g), TwoByTwo()));
  EXPECT_EQ(Scrape(*metrics).at("nashnet_metrics_detailed_games"), 64);
  std::vector<std::unique_ptr<GameMetrics>> running;
  for (int g = 0; g < 5; ++g) {
    running.push_back(metrics->ForGame(absl::StrCat("run", g), TwoByTwo()));
    EXPECT_FALSE(running.back()->detailed());  // waiting, and every slot is taken
    running.back()->SetRunning(true);
    EXPECT_TRUE(running.back()->detailed());
  }
  // The five slots came from the games that have waited longest: idle0..idle4.
  for (int g = 0; g < 100; ++g) EXPECT_EQ(idle[g]->detailed(), g >= 5 && g < 64) << g;
  const Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 64);
  EXPECT_FALSE(AnySeries(s, "game=\"idle0\""));  // removed, not left at NaN
  EXPECT_EQ(s.at(G("nashnet_game_running", "run4")), 1);
  EXPECT_EQ(s.at(G("nashnet_game_running", "idle5")), 0);
}

TEST(DetailSlots, RunningGamesAreNeverPreemptedAndQueueInOrder) {
  auto metrics = MakeMetrics(1);
  auto a = metrics->ForGame("a", TwoByTwo());
  auto b = metrics->ForGame("b", TwoByTwo());
  auto c = metrics->ForGame("c", TwoByTwo());
  a->SetRunning(true);
  b->SetRunning(true);
  c->SetRunning(true);
  EXPECT_EQ(Detailed(*metrics, {"a", "b", "c"}), Ids({"a"}));
  a->End("horizon");  // b queued first
  EXPECT_EQ(Detailed(*metrics, {"a", "b", "c"}), Ids({"b"}));
  b->SetRunning(false);  // paused: its slot goes to the running game c at once
  EXPECT_EQ(Detailed(*metrics, {"a", "b", "c"}), Ids({"c"}));
  c->SetRunning(false);  // nobody running waits: c keeps it while waiting
  EXPECT_EQ(Detailed(*metrics, {"a", "b", "c"}), Ids({"c"}));
  b->SetRunning(true);  // takes it back from the waiting game c
  EXPECT_EQ(Detailed(*metrics, {"a", "b", "c"}), Ids({"b"}));
  b->End("stopped");  // no running game queues: the waiting game c gets it
  EXPECT_EQ(Detailed(*metrics, {"a", "b", "c"}), Ids({"c"}));
  EXPECT_EQ(Scrape(*metrics).at(G("nashnet_game_running", "c")), 0);
}

TEST(DetailSlots, ZeroSlotsMeanNoSeriesAtAll) {
  auto metrics = MakeMetrics(0);
  auto a = metrics->ForGame("a", TwoByTwo());
  a->SetRunning(true);
  a->PublishSeats(1, 3);
  a->Publish(Round(5, 0.1));
  const Samples s = Scrape(*metrics);
  EXPECT_FALSE(AnySeries(s, "game=\""));
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 0);
  EXPECT_EQ(s.at("nashnet_vacant_seats"), 1);  // the service-wide series count every game
  EXPECT_EQ(s.at("nashnet_substituted_rounds_total"), 3);
}

TEST(DetailSlots, AGameThatGetsASlotRepublishesItsLastRound) {
  auto metrics = MakeMetrics(1, /*period_ms=*/3600 * 1000);
  auto a = metrics->ForGame("a", TwoByTwo());
  auto b = metrics->ForGame("b", TwoByTwo());
  b->SetRunning(true);  // takes the waiting a's slot
  a->SetRunning(true);  // queued: no slot for a
  ASSERT_TRUE(a->Due(7, false));
  a->Publish(Round(7, 0.25));
  EXPECT_FALSE(a->detailed());
  EXPECT_FALSE(a->Due(7, false));  // published, nothing new
  b->End("horizon");               // a gets the slot: its series start at NaN ...
  ASSERT_TRUE(a->detailed());
  EXPECT_TRUE(std::isnan(Scrape(*metrics).at(G("nashnet_game_nash_gap", "a"))));
  EXPECT_EQ(Scrape(*metrics).at(G("nashnet_game_round", "a")), 7);  // never NaN: rate() works
  // ... and the same round is due again (a stalled game's deadline timer publishes it), once.
  EXPECT_FALSE(a->Due(6, false));
  ASSERT_TRUE(a->Due(7, false));
  a->Publish(Round(7, 0.25));
  EXPECT_FALSE(a->Due(7, false));
  const Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at(G("nashnet_game_round", "a")), 7);
  EXPECT_EQ(s.at(G("nashnet_game_nash_gap", "a")), 0.25);
}

TEST(DetailSlots, TheLatestRoundBeforeAStallIsPublishedFromTheTimer) {
  // Rounds 2..9 resolved within the period and were not published; the game then stalls. Its
  // deadline timer asks with the latest round once the period has passed.
  using Clock = std::chrono::steady_clock;
  auto metrics = MakeMetrics(1, /*period_ms=*/1000);
  auto a = metrics->ForGame("a", TwoByTwo());
  const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(5);
  a->Publish(Round(1, 0.5), t0);
  EXPECT_FALSE(a->Due(9, false, t0 + std::chrono::milliseconds(400)));
  ASSERT_TRUE(a->Due(9, false, t0 + std::chrono::milliseconds(1000)));
  a->Publish(Round(9, 0.125), t0 + std::chrono::milliseconds(1000));
  EXPECT_FALSE(a->Due(9, false, t0 + std::chrono::hours(1)));  // no new round: nothing to do
  EXPECT_EQ(Scrape(*metrics).at(G("nashnet_game_round", "a")), 9);
}

TEST(DetailSlots, SeatsPerGameAndServiceWide) {
  auto metrics = MakeMetrics(1);
  auto a = metrics->ForGame("a", TwoByTwo());
  auto b = metrics->ForGame("b", TwoByTwo());  // no slot
  a->PublishSeats(2, 0);
  b->PublishSeats(2, 0);
  Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at(G("nashnet_game_vacant_seats", "a")), 2);
  EXPECT_EQ(s.at(G("nashnet_game_substituted_rounds_total", "a")), 0);
  EXPECT_EQ(s.at("nashnet_vacant_seats"), 4);
  a->PublishSeats(0, 0);
  a->PublishSeats(1, 10);  // a seat left; 10 seat-rounds substituted so far
  b->PublishSeats(0, 4);
  b->PublishSeats(0, 3);  // a total never goes back: ignored
  s = Scrape(*metrics);
  EXPECT_EQ(s.at(G("nashnet_game_vacant_seats", "a")), 1);
  EXPECT_EQ(s.at(G("nashnet_game_substituted_rounds_total", "a")), 10);
  EXPECT_EQ(s.at("nashnet_vacant_seats"), 1);
  EXPECT_EQ(s.at("nashnet_substituted_rounds_total"), 14);
  a->End("horizon");  // b gets the slot, with its current seats
  s = Scrape(*metrics);
  EXPECT_EQ(s.at(G("nashnet_game_vacant_seats", "b")), 0);
  EXPECT_EQ(s.at(G("nashnet_game_substituted_rounds_total", "b")), 4);
  EXPECT_EQ(s.at("nashnet_vacant_seats"), 0);  // a's vacant seat left with it
  b->PublishSeats(2, 4);
  b->End("stopped");
  s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_vacant_seats"), 0);
  EXPECT_EQ(s.at("nashnet_substituted_rounds_total"), 14);  // a counter: never falls
  EXPECT_FALSE(AnySeries(s, "game=\""));
}

TEST(DetailSlots, ContinuousGamesExportTheirPlayedPointAndVariation) {
  auto metrics = MakeMetrics(4);
  GameShape shape{.players = 2, .finite = false, .dimensions = {2, 17}, .time_varying = true};
  auto c = metrics->ForGame("c", shape);
  RoundMetrics m;
  m.round = 4;
  m.variation = 0.75;
  for (int i = 0; i < 2; ++i) {
    PlayerRoundMetrics p;
    p.regret = 1.0;
    p.point = Eigen::VectorXd::Constant(i == 0 ? 2 : 17, 0.5);
    m.players.push_back(p);
  }
  m.players[0].point = Eigen::Vector2d(0.25, -1.5);
  c->Publish(m);
  const Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_player_point{coordinate=\"0\",game=\"c\",player=\"0\"}"), 0.25);
  EXPECT_EQ(s.at("nashnet_player_point{coordinate=\"1\",game=\"c\",player=\"0\"}"), -1.5);
  // 17 > kMaxDetailedCoordinates: no point series for player 1 (its regrets are there).
  EXPECT_FALSE(AnySeries(s, "player_point{coordinate=\"0\",game=\"c\",player=\"1\"}"));
  EXPECT_TRUE(s.contains("nashnet_player_regret{game=\"c\",player=\"1\"}"));
  EXPECT_EQ(s.at(G("nashnet_game_variation", "c")), 0.75);
  EXPECT_FALSE(AnySeries(s, "nashnet_player_strategy_probability"));
  c->End("horizon");
  EXPECT_FALSE(AnySeries(Scrape(*metrics), "game=\"c\""));
  // A game whose losses do not vary has no variation series.
  auto cournot =
      metrics->ForGame("k", GameShape{.players = 2, .finite = false, .dimensions = {1, 1}});
  EXPECT_FALSE(AnySeries(Scrape(*metrics), "nashnet_game_variation"));
  EXPECT_TRUE(
      Scrape(*metrics).contains("nashnet_player_point{coordinate=\"0\",game=\"k\",player=\"1\"}"));
}

TEST(DetailSlots, SlotsMoveSafelyWhileOtherGamesPublish) {
  // Four strands: each owns games it publishes and toggles; slots move between them all the time.
  // The invariant afterwards: the slot count is exact and every series left belongs to a slot
  // holder. (Under the asan preset this also checks no gauge is used after its removal.)
  constexpr int kThreads = 4;
  constexpr int kGamesPerThread = 8;
  auto metrics = MakeMetrics(5);
  std::vector<std::vector<std::unique_ptr<GameMetrics>>> games(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int g = 0; g < kGamesPerThread; ++g) {
      games[t].push_back(metrics->ForGame(absl::StrCat("t", t, "g", g), TwoByTwo()));
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 1; round <= 300; ++round) {
        for (int g = 0; g < kGamesPerThread; ++g) {
          GameMetrics& game = *games[t][g];
          game.SetRunning((round + g) % 3 != 0);
          game.PublishSeats(round % 2, round);
          if (game.Due(round, false)) game.Publish(Round(round, 1.0 / round));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Samples s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 5);
  int detailed = 0;
  for (auto& per_thread : games) {
    for (auto& game : per_thread) {
      detailed += game->detailed() ? 1 : 0;
    }
  }
  EXPECT_EQ(detailed, 5);
  int round_series = 0;
  for (const auto& [series, value] : s) {
    if (series.rfind("nashnet_game_round{", 0) == 0) ++round_series;
  }
  EXPECT_EQ(round_series, 5);
  EXPECT_EQ(s.at("nashnet_vacant_seats"), 0);  // round 300 is even: every game has 0 vacant
  EXPECT_EQ(s.at("nashnet_substituted_rounds_total"), 300.0 * kThreads * kGamesPerThread);
  for (auto& per_thread : games) per_thread.clear();  // destructors end every game
  s = Scrape(*metrics);
  EXPECT_EQ(s.at("nashnet_metrics_detailed_games"), 0);
  EXPECT_FALSE(AnySeries(s, "game=\""));
}

}  // namespace
}  // namespace nashnet::server

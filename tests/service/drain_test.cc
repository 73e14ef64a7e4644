// SIGTERM drains the coordinator: running games end their round, agents get GameOver{DRAINING}
// (or UNAVAILABLE), every run record is complete, new games are refused, and it exits 0.
#include <signal.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr int64_t kHorizon = 100'000'000;  // never reached: the drain ends the games

TEST(Drain, SigtermEndsRunningGamesWithCompleteRecordsAndExitsZero) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;

  // Two games, each a local Hedge seat against a real agent.
  const std::vector<std::string> games = {"d1", "d2"};
  std::vector<std::unique_ptr<Process>> agents;
  for (const std::string& game : games) {
    v1::RunSpec spec = MakeSpec("prisoners_dilemma", kHorizon);
    spec.set_record_every(1000);
    spec.mutable_service()->add_local_seats(0);
    ASSERT_TRUE(c.CreateGame(spec, game).ok()) << c.process().Describe();
    absl::StatusOr<std::unique_ptr<Process>> agent = StartAgent(
        dir.path(), "agent-" + game,
        {"--coordinator", c.address(), "--game", game, "--seat", "1", "--max-retry-seconds", "1"});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(std::move(*agent));
  }
  for (const std::string& game : games) {
    absl::StatusOr<v1::GameInfo> running = c.WaitForGame(
        game, [](const v1::GameInfo& info) { return info.round() > 100; }, kStartTimeout);
    ASSERT_TRUE(running.ok()) << running.status();
  }

  const auto sigterm_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.process().process().Signal(SIGTERM).ok());
  // A game created during the drain (or once the coordinator is gone) is refused: UNAVAILABLE.
  // The signal is handled asynchronously, so the first calls may still be accepted (such games
  // wait for agents, and must not hold up the drain either).
  int accepted = 0;
  absl::Status late;
  for (int i = 0; i < 1000 && late.ok(); ++i) {
    late = c.CreateGame(MakeSpec("prisoners_dilemma", 10), absl::StrCat("late", i)).status();
    if (late.ok()) ++accepted;
  }
  // UNAVAILABLE from the draining coordinator; CANCELLED if the call raced the server's shutdown.
  EXPECT_TRUE(late.code() == absl::StatusCode::kUnavailable ||
              late.code() == absl::StatusCode::kCancelled)
      << late;
  RecordProperty("created_after_sigterm", accepted);

  // It exits 0, promptly: ending one round per game and writing two summaries takes
  // milliseconds; 10 s is the bound of an unloaded-to-ASan machine.
  absl::StatusOr<ExitStatus> exit = c.process().process().Wait(seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status() << "\n" << c.process().Describe();
  EXPECT_TRUE(exit->ok()) << c.process().Describe();
  const auto drain_time = std::chrono::steady_clock::now() - sigterm_at;
  EXPECT_LT(drain_time, seconds(10));
  RecordProperty("drain_ms",
                 static_cast<int>(std::chrono::duration_cast<milliseconds>(drain_time).count()));

  // Each agent got GameOver{DRAINING} (exit 0 and its summary line), or UNAVAILABLE and gave up
  // after --max-retry-seconds 1 (exit 1 naming the code).
  for (size_t g = 0; g < agents.size(); ++g) {
    Process* agent = agents[g].get();
    absl::StatusOr<ExitStatus> agent_exit = agent->process().Wait(seconds(15));
    ASSERT_TRUE(agent_exit.ok()) << agent_exit.status() << "\n" << agent->Describe();
    if (agent_exit->ok()) {
      EXPECT_NE(agent->Stdout().find("game " + games[g]), std::string::npos) << agent->Describe();
    } else {
      EXPECT_EQ(agent_exit->code, 1) << agent->Describe();
      EXPECT_NE(agent->Stderr().find("UNAVAILABLE"), std::string::npos) << agent->Describe();
    }
  }

  // Every record is complete: summary.json's rounds = the last round in rounds.csv (the last
  // round played is always recorded), and the game did end early.
  for (const std::string& game : games) {
    const std::filesystem::path record = dir.path() / game;
    const nlohmann::json summary = ReadJson(record / "summary.json");
    ASSERT_FALSE(summary.is_discarded()) << "no summary.json in " << record;
    const int64_t rounds = summary["rounds"].get<int64_t>();
    EXPECT_GT(rounds, 100) << game;
    EXPECT_LT(rounds, kHorizon) << game;
    EXPECT_EQ(LastCsvRound(record / "rounds.csv"), rounds) << game;
    EXPECT_TRUE(std::filesystem::exists(record / "spec.yaml")) << game;
    ASSERT_EQ(summary["players"].size(), 2u) << game;
  }
  // No half-written file is left behind.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().rfind(".partial-", 0), std::string::npos)
        << entry.path();
  }
}

// A game still waiting for its agents has no round to finish: the drain closes it at once.
TEST(Drain, WaitingGameDoesNotHoldUpTheDrain) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  ASSERT_TRUE(c.CreateGame(MakeSpec("prisoners_dilemma", 10), "waiting").ok());
  absl::StatusOr<v1::GameInfo> info = c.GetGame("waiting");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->status(), v1::GAME_STATUS_WAITING);
  ASSERT_TRUE(c.process().process().Signal(SIGTERM).ok());
  absl::StatusOr<ExitStatus> exit = c.process().process().Wait(seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status() << "\n" << c.process().Describe();
  EXPECT_TRUE(exit->ok()) << c.process().Describe();
}

}  // namespace
}  // namespace nashnet::service_test

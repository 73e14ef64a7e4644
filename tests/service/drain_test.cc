// SIGTERM drains the coordinator: every game stops where it is, resumable (summary.json says
// "drained", agents' streams end UNAVAILABLE), new games are refused, and it exits 0. A new
// coordinator on the same records folder (a rolling update) continues every game when its agents
// come back with their state files, and the records end exactly as `nashnet simulate`'s.
#include <signal.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr int64_t kHorizon = 6000;

TEST(Drain, SigtermLeavesGamesResumableAndTheNextCoordinatorFinishesThem) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  const std::string address = (*coordinator)->address();

  // Two games, each a local Hedge seat against a real agent with a state file.
  const std::vector<std::string> games = {"d1", "d2"};
  std::vector<v1::RunSpec> specs;
  std::vector<std::unique_ptr<Process>> agents;
  for (size_t g = 0; g < games.size(); ++g) {
    v1::RunSpec spec = MakeSpec("prisoners_dilemma", kHorizon, 3 + g);
    spec.set_name(games[g]);
    spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_NOISY);
    spec.mutable_feedback()->set_sigma(1.0);
    spec.set_record_every(100);
    spec.mutable_service()->add_local_seats(0);
    specs.push_back(spec);
    ASSERT_TRUE((*coordinator)->CreateGame(spec, games[g]).ok())
        << (*coordinator)->process().Describe();
    absl::StatusOr<std::unique_ptr<Process>> agent =
        StartAgent(dir.path(), "agent-" + games[g],
                   {"--coordinator", address, "--game", games[g], "--seat", "1", "--state-file",
                    (dir.path() / (games[g] + ".state")).string(), "--max-retry-seconds", "120"});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(std::move(*agent));
  }
  for (const std::string& game : games) {
    absl::StatusOr<v1::GameInfo> running =
        (*coordinator)
            ->WaitForGame(
                game, [](const v1::GameInfo& info) { return info.round() > 100; }, kStartTimeout);
    ASSERT_TRUE(running.ok()) << running.status();
  }

  ASSERT_TRUE((*coordinator)->process().process().Signal(SIGTERM).ok());
  // A game created during the drain (or once the coordinator is gone) is refused: UNAVAILABLE
  // (CANCELLED if the call raced the server's shutdown). The signal is handled asynchronously,
  // so the first calls may still be accepted; such games must not hold up the drain either.
  absl::Status late;
  for (int i = 0; i < 1000 && late.ok(); ++i) {
    late = (*coordinator)
               ->CreateGame(MakeSpec("prisoners_dilemma", 10), absl::StrCat("late", i))
               .status();
  }
  EXPECT_TRUE(late.code() == absl::StatusCode::kUnavailable ||
              late.code() == absl::StatusCode::kCancelled)
      << late;
  absl::StatusOr<ExitStatus> exit = (*coordinator)->process().process().Wait(seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status() << "\n" << (*coordinator)->process().Describe();
  EXPECT_TRUE(exit->ok()) << (*coordinator)->process().Describe();

  // Every record says it was cut short, and is readable: complete rows, its journal synced.
  for (const std::string& game : games) {
    const std::filesystem::path record = dir.path() / game;
    const nlohmann::json summary = ReadJson(record / "summary.json");
    ASSERT_FALSE(summary.is_discarded()) << "no summary.json in " << record;
    EXPECT_EQ(summary["status"], "drained") << game;
    const int64_t rounds = summary["rounds"].get<int64_t>();
    EXPECT_GT(rounds, 100) << game;
    EXPECT_LT(rounds, kHorizon) << game;
    EXPECT_LE(LastCsvRound(record / "rounds.csv"), rounds) << game;
    EXPECT_EQ(ReadFile(record / "rounds.csv").back(), '\n') << game;
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().rfind(".partial-", 0), std::string::npos)
        << entry.path();
  }

  // The rolling update: a new coordinator on the same records (and address) continues both.
  coordinator->reset();
  absl::StatusOr<std::unique_ptr<Coordinator>> next =
      Coordinator::Start(dir.path(), {}, "", address, "coordinator-2");
  ASSERT_TRUE(next.ok()) << next.status();
  for (size_t g = 0; g < games.size(); ++g) {
    absl::StatusOr<v1::GameInfo> over = (*next)->WaitForGame(games[g], IsOver, seconds(120));
    ASSERT_TRUE(over.ok()) << over.status() << "\n" << agents[g]->Describe();
    EXPECT_EQ(over->status(), v1::GAME_STATUS_COMPLETED);
    EXPECT_EQ(over->seats(1).resumes(), 1);
    absl::StatusOr<ExitStatus> agent_exit = agents[g]->process().Wait(kStartTimeout);
    ASSERT_TRUE(agent_exit.ok()) << agents[g]->Describe();
    EXPECT_TRUE(agent_exit->ok()) << agents[g]->Describe();
    EXPECT_EQ(ReadFile(dir.path() / games[g] / "rounds.csv"), SimulatedRounds(specs[g], dir.path()))
        << games[g];
    EXPECT_EQ(ReadJson(dir.path() / games[g] / "summary.json")["status"], "completed");
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

TEST(Drain, FinishedGamesStayListedByTheNextCoordinatorAndKeepTheirIds) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 500);
  spec.mutable_service()->add_local_seats(0);
  spec.mutable_service()->add_local_seats(1);  // played in the coordinator: it ends on its own
  {
    absl::StatusOr<std::unique_ptr<Coordinator>> first = Coordinator::Start(dir.path());
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE((*first)->CreateGame(spec, "done").ok());
    absl::StatusOr<v1::GameInfo> over = (*first)->WaitForGame(
        "done", [](const v1::GameInfo& info) { return info.status() == v1::GAME_STATUS_COMPLETED; },
        kStartTimeout);
    ASSERT_TRUE(over.ok()) << over.status();
    ASSERT_TRUE((*first)->process().process().Signal(SIGTERM).ok());
    ASSERT_TRUE((*first)->process().process().Wait(seconds(10)).ok());
  }
  absl::StatusOr<std::unique_ptr<Coordinator>> next = Coordinator::Start(dir.path());
  ASSERT_TRUE(next.ok()) << next.status();
  Coordinator& c = **next;
  v1::ListGamesResponse list;
  const grpc::Status listed = c.stub().ListGames(c.Context().get(), {}, &list);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(list.games_size(), 1);
  EXPECT_EQ(list.games(0).game_id(), "done");
  EXPECT_EQ(list.games(0).status(), v1::GAME_STATUS_COMPLETED);
  EXPECT_EQ(list.games(0).summary().rounds(), 500);
  absl::StatusOr<v1::GameInfo> info = c.GetGame("done");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_COMPLETED);
  // Its id is taken: a new game cannot write over its record.
  absl::StatusOr<std::string> again = c.CreateGame(spec, "done");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
  absl::StatusOr<std::string> logged =
      c.process().WaitForStderrLine("lists 1 finished game(s)", seconds(5));
  EXPECT_TRUE(logged.ok()) << logged.status();
}

}  // namespace
}  // namespace nashnet::service_test

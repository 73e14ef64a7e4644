// Remote Hedge agents (real nashnet-agent processes) on a Gambit game with a strict pure
// equilibrium converge to it, through a real coordinator.
#include <cmath>
#include <filesystem>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

// The Gambit prisoner's dilemma: its only equilibrium, (defect, defect) = (1, 1), is strict
// (pure_equilibria.json) and defecting is dominant, so Hedge converges there from any start.
constexpr char kGame[] = "pd.nfg";
// 1000 rounds of Hedge (default gamma0/beta, full feedback, seed 7): the in-process simulation
// (`nashnet simulate`) ends with x_i(defect) = 1 - 4.6e-5 and a Nash gap of 9.2e-5. Remote play
// reproduces that trajectory; 1e-3 leaves room without admitting a learner that did not learn
// (uniform play has distance 0.5, and 300 rounds still leave 0.048).
constexpr int64_t kRounds = 1000;
constexpr double kEpsilon = 1e-3;

TEST(RemoteConvergence, HedgeAgentsReachTheStrictEquilibriumOfAGambitGame) {
  NASHNET_REQUIRE_BINARIES();
  const std::filesystem::path gambit = SharedDir() / "games" / "gambit";
  if (!std::filesystem::exists(gambit / "pure_equilibria.json")) {
    GTEST_SKIP() << "no shared/ games in " << gambit;
  }
  // The equilibrium to reach, from the corpus' own list.
  const nlohmann::json equilibria = ReadJson(gambit / "pure_equilibria.json");
  ASSERT_TRUE(equilibria.contains(kGame));
  const nlohmann::json& entry = equilibria[kGame];
  ASSERT_EQ(entry["pure_equilibria"].size(), 1u);
  ASSERT_TRUE(entry["pure_equilibria"][0]["strict"].get<bool>());
  const std::vector<int> profile = entry["pure_equilibria"][0]["profile"].get<std::vector<int>>();
  const std::vector<int> num_actions = entry["strategies"].get<std::vector<int>>();
  ASSERT_EQ(profile.size(), 2u);

  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  v1::RunSpec spec = MakeSpec(kGame, kRounds, /*seed=*/7);
  // The game travels with the spec: the coordinator opens no client's file.
  spec.mutable_game()->set_nfg(ReadFile(gambit / kGame));
  spec.set_record_every(10);
  absl::StatusOr<std::string> id = c.CreateGame(spec, "pd");
  ASSERT_TRUE(id.ok()) << id.status() << "\n" << c.process().Describe();
  EXPECT_EQ(*id, "pd");

  std::vector<std::unique_ptr<Process>> agents;
  for (int seat = 0; seat < 2; ++seat) {
    absl::StatusOr<std::unique_ptr<Process>> agent =
        StartAgent(dir.path(), "agent" + std::to_string(seat),
                   {"--coordinator", c.address(), "--game", "pd", "--seat", std::to_string(seat),
                    "--algorithm", "hedge", "--name", "hedge-" + std::to_string(seat)});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(std::move(*agent));
  }
  absl::StatusOr<v1::GameInfo> info = c.WaitForGame("pd", IsOver);
  ASSERT_TRUE(info.ok()) << info.status() << "\n" << agents[0]->Describe() << agents[1]->Describe();
  ASSERT_EQ(info->status(), v1::GAME_STATUS_COMPLETED) << info->message();
  EXPECT_EQ(info->round(), kRounds);

  for (std::unique_ptr<Process>& agent : agents) {
    absl::StatusOr<ExitStatus> exit = agent->process().Wait(kStartTimeout);
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_TRUE(exit->ok()) << agent->Describe();
    EXPECT_NE(agent->Stdout().find("pd"), std::string::npos) << agent->Describe();
  }

  // GetGame's summary: every player's final strategy within epsilon of the pure equilibrium.
  ASSERT_EQ(info->summary().players_size(), 2);
  EXPECT_EQ(info->summary().rounds(), kRounds);
  EXPECT_EQ(info->summary().seed(), 7u);
  EXPECT_LT(info->summary().nash_gap(), kEpsilon);
  for (int p = 0; p < 2; ++p) {
    const v1::PlayerSummary& player = info->summary().players(p);
    ASSERT_EQ(player.strategy_size(), num_actions[p]);
    EXPECT_GT(player.strategy(profile[p]), 1.0 - kEpsilon) << "player " << p;
    EXPECT_EQ(player.algorithm(), "hedge");
  }

  // The run record says the same: summary.json, and rounds.csv up to the horizon.
  const std::filesystem::path record = dir.path() / "pd";
  ASSERT_TRUE(std::filesystem::exists(record / "summary.json")) << "no record in " << record;
  const nlohmann::json summary = ReadJson(record / "summary.json");
  ASSERT_FALSE(summary.is_discarded());
  EXPECT_EQ(summary["rounds"].get<int64_t>(), kRounds);
  EXPECT_LT(summary["nash_gap"].get<double>(), kEpsilon);
  EXPECT_LT(summary["equilibrium_distance"].get<double>(), 2 * kEpsilon);
  for (int p = 0; p < 2; ++p) {
    const double x = summary["players"][p]["strategy"][profile[p]].get<double>();
    EXPECT_GT(x, 1.0 - kEpsilon) << "player " << p;
    EXPECT_DOUBLE_EQ(x, info->summary().players(p).strategy(profile[p]));
  }
  EXPECT_EQ(LastCsvRound(record / "rounds.csv"), kRounds);
  EXPECT_TRUE(std::filesystem::exists(record / "spec.yaml"));
}

}  // namespace
}  // namespace nashnet::service_test

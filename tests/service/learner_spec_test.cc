// Agents play the game's learner: started as deploy/compose.yaml starts them (no --algorithm, no
// --param), they build the seat's learner from Joined.learner, so the record equals `nashnet
// simulate`'s for a run file with non-default parameters. An agent that runs its own learner
// says so in Join, and the record says what actually played the seat.
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/record/run_file.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr char kRunFile[] = R"(name: tuned
game: {name: braess, params: {players: 3}}
learner: {algorithm: hedge, params: {gamma0: 0.5, beta: 0.3}}
players:
  - {}
  - {}
  - {algorithm: hedge-lr, params: {eta0: 0.7}}
feedback: {model: noisy, sigma: 0.5}
rounds: 3000
seed: 9
record_every: 100
)";

TEST(LearnerSpec, ComposeStyleAgentsPlayTheSpecsLearnerAndReproduceSimulate) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  std::ofstream(dir.path() / "run.yaml") << kRunFile;
  // The coordinator creates the game at start-up, as Compose's does.
  absl::StatusOr<std::unique_ptr<Coordinator>> c =
      Coordinator::Start(dir.path(), {"--create", (dir.path() / "run.yaml").string()});
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<std::unique_ptr<Process>> agents;
  for (int k = 0; k < 3; ++k) {
    absl::StatusOr<std::unique_ptr<Process>> agent =
        StartAgent(dir.path(), absl::StrCat("agent", k),
                   {"--coordinator", (*c)->address(), "--game", "tuned"});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(std::move(*agent));
  }
  for (auto& agent : agents) {
    absl::StatusOr<ExitStatus> exit = agent->process().Wait(kGameTimeout);
    ASSERT_TRUE(exit.ok() && exit->ok()) << agent->Describe();
  }
  auto spec = server::ParseRunSpecYaml(kRunFile);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(ReadFile(dir.path() / "tuned" / "rounds.csv"), SimulatedRounds(*spec, dir.path()));
  const nlohmann::json summary = ReadJson(dir.path() / "tuned" / "summary.json");
  EXPECT_EQ(summary["players"][0]["algorithm"], "hedge");
  EXPECT_EQ(summary["players"][0]["params"]["gamma0"], 0.5);
  EXPECT_EQ(summary["players"][0]["params"]["beta"], 0.3);
  EXPECT_EQ(summary["players"][2]["algorithm"], "hedge-lr");
  EXPECT_EQ(summary["players"][2]["params"]["eta0"], 0.7);
}

TEST(LearnerSpec, AnAgentsOwnLearnerIsWhatTheRecordSays) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> c = Coordinator::Start(dir.path());
  ASSERT_TRUE(c.ok()) << c.status();
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 500);
  spec.mutable_service()->add_local_seats(0);
  ASSERT_TRUE((*c)->CreateGame(spec, "own").ok());
  absl::StatusOr<std::unique_ptr<Process>> agent =
      StartAgent(dir.path(), "agent",
                 {"--coordinator", (*c)->address(), "--game", "own", "--algorithm", "hedge-lr",
                  "--param", "eta0=0.25"});
  ASSERT_TRUE(agent.ok()) << agent.status();
  absl::StatusOr<ExitStatus> exit = (*agent)->process().Wait(kGameTimeout);
  ASSERT_TRUE(exit.ok() && exit->ok()) << (*agent)->Describe();
  absl::StatusOr<v1::GameInfo> info = (*c)->WaitForGame("own", IsOver);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->seats(1).learner().algorithm(), "hedge-lr");
  EXPECT_EQ(info->seats(1).learner().params().at("eta0"), 0.25);
  EXPECT_EQ(info->seats(0).learner().algorithm(), "hedge");  // the local seat: the spec's
  const nlohmann::json summary = ReadJson(dir.path() / "own" / "summary.json");
  EXPECT_EQ(summary["players"][1]["algorithm"], "hedge-lr");
  EXPECT_EQ(summary["players"][1]["params"]["eta0"], 0.25);
}

}  // namespace
}  // namespace nashnet::service_test

// The Python example agent (examples/python/nashnet_agent.py on the Python SDK, python/, built
// into <build>/python with its generated stubs) against a real coordinator: with the game's
// learner it writes simulate's record byte for byte; with its own learner (regret matching) it
// says so in Join and converges.
#include <filesystem>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr int64_t kRounds = 1000;

// /usr/bin/python3 can import grpc (Debian's python3-grpcio).
bool PythonHasGrpc() {
  SpawnOptions options;
  options.stdout_path = "/dev/null";
  options.stderr_path = "/dev/null";
  absl::StatusOr<Subprocess> python = Subprocess::Spawn({kPython, "-c", "import grpc"}, options);
  if (!python.ok()) return false;
  absl::StatusOr<ExitStatus> status = python->Wait(kStartTimeout);
  return status.ok() && status->ok();
}

// The prisoner's dilemma: defect (action 1) is strictly dominant, so (defect, defect) is the
// strict equilibrium every no-regret learner converges to.
TEST(PythonAgent, ItsOwnLearnerPlaysAWholeGameAndConvergesToTheStrictEquilibrium) {
  NASHNET_REQUIRE_BINARIES();
  if (!PythonHasGrpc()) GTEST_SKIP() << kPython << " has no grpc module (python3-grpcio)";
  const std::filesystem::path script = SourceDir() / "examples/python/nashnet_agent.py";
  ASSERT_TRUE(std::filesystem::exists(script)) << script;
  ASSERT_TRUE(std::filesystem::exists(PythonStubsDir() / "nashnet/v1/coordinator_pb2_grpc.py"))
      << "no Python SDK in " << PythonStubsDir() << " (target nashnet_python)";

  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", kRounds, /*seed=*/3);
  spec.set_record_every(50);
  ASSERT_TRUE(c.CreateGame(spec, "py").ok()) << c.process().Describe();

  // Seat 0: the Python agent; seat 1: a nashnet-agent running Hedge.
  SpawnOptions options;
  options.extra_env = {"PYTHONPATH=" + PythonStubsDir().string(), "PYTHONUNBUFFERED=1"};
  absl::StatusOr<std::unique_ptr<Process>> python =
      Process::Start(dir.path(), "python-agent",
                     {kPython, script.string(), "--coordinator", c.address(), "--game", "py",
                      "--seat", "0", "--learner", "regret-matching"},
                     options);
  ASSERT_TRUE(python.ok()) << python.status();
  absl::StatusOr<std::unique_ptr<Process>> opponent = StartAgent(
      dir.path(), "cpp-agent", {"--coordinator", c.address(), "--game", "py", "--seat", "1"});
  ASSERT_TRUE(opponent.ok()) << opponent.status();

  absl::StatusOr<v1::GameInfo> info = c.WaitForGame("py", IsOver, seconds(60));
  ASSERT_TRUE(info.ok()) << info.status() << "\n"
                         << (*python)->Describe() << (*opponent)->Describe();
  ASSERT_EQ(info->status(), v1::GAME_STATUS_COMPLETED) << info->message();
  EXPECT_EQ(info->round(), kRounds);
  ASSERT_EQ(info->summary().players_size(), 2);
  EXPECT_EQ(info->summary().rounds(), kRounds);

  absl::StatusOr<ExitStatus> exit = (*python)->process().Wait(kStartTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->ok()) << (*python)->Describe();
  EXPECT_FALSE((*python)->Stdout().empty()) << (*python)->Describe();
  absl::StatusOr<ExitStatus> opponent_exit = (*opponent)->process().Wait(kStartTimeout);
  ASSERT_TRUE(opponent_exit.ok());
  EXPECT_TRUE(opponent_exit->ok()) << (*opponent)->Describe();

  // The record says what played the seat: the agent's own learner.
  const v1::PlayerSummary& py = info->summary().players(0);
  EXPECT_EQ(py.algorithm(), "regret-matching");
  EXPECT_EQ(info->seats(0).learner().algorithm(), "regret-matching");
  // Regret matching: defect's regret grows by >= 1 per round against any opponent (defect
  // dominates by >= 1 on payoffs in [0, 5]) while cooperate's goes negative, so after round 1
  // the strategy is pure defect. Uniform play would be 0.5.
  ASSERT_EQ(py.strategy_size(), 2);
  EXPECT_EQ(py.strategy(1), 1.0) << info->summary().ShortDebugString();
  EXPECT_GT(info->summary().players(1).strategy(1), 0.99);
  EXPECT_LT(info->summary().nash_gap(), 0.25);
  // Its regret is sublinear: uniform play would have about 0.5 x 1.5 x 1000 = 750.
  EXPECT_LT(py.regret(), 0.15 * kRounds) << info->summary().ShortDebugString();

  const nlohmann::json summary = ReadJson(dir.path() / "py" / "summary.json");
  ASSERT_FALSE(summary.is_discarded());
  EXPECT_EQ(summary["rounds"].get<int64_t>(), kRounds);
  EXPECT_EQ(LastCsvRound(dir.path() / "py" / "rounds.csv"), kRounds);
}

// Without --learner the example plays the game's learner with the SDK's Python port of it: the
// record is simulate's, byte for byte, against a C++ nashnet-agent on the other seat.
TEST(PythonAgent, TheGamesLearnerInPythonWritesSimulatesRecord) {
  NASHNET_REQUIRE_BINARIES();
  if (!PythonHasGrpc()) GTEST_SKIP() << kPython << " has no grpc module (python3-grpcio)";
  const std::filesystem::path script = SourceDir() / "examples/python/nashnet_agent.py";
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  v1::RunSpec spec = MakeSpec("rock_paper_scissors", kRounds, /*seed=*/11);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_NOISY);
  spec.mutable_feedback()->set_sigma(0.5);
  ASSERT_TRUE(c.CreateGame(spec, "same").ok()) << c.process().Describe();
  SpawnOptions options;
  options.extra_env = {"PYTHONPATH=" + PythonStubsDir().string(), "PYTHONUNBUFFERED=1"};
  absl::StatusOr<std::unique_ptr<Process>> python = Process::Start(
      dir.path(), "python-agent",
      {kPython, script.string(), "--coordinator", c.address(), "--game", "same", "--seat", "1"},
      options);
  ASSERT_TRUE(python.ok()) << python.status();
  absl::StatusOr<std::unique_ptr<Process>> opponent = StartAgent(
      dir.path(), "cpp-agent", {"--coordinator", c.address(), "--game", "same", "--seat", "0"});
  ASSERT_TRUE(opponent.ok()) << opponent.status();
  absl::StatusOr<v1::GameInfo> info = c.WaitForGame("same", IsOver, seconds(60));
  ASSERT_TRUE(info.ok()) << info.status() << "\n" << (*python)->Describe();
  ASSERT_EQ(info->status(), v1::GAME_STATUS_COMPLETED) << info->message();
  absl::StatusOr<ExitStatus> exit = (*python)->process().Wait(kStartTimeout);
  ASSERT_TRUE(exit.ok() && exit->ok()) << (*python)->Describe();
  EXPECT_EQ(info->summary().players(1).algorithm(), "hedge");
  EXPECT_EQ(ReadFile(dir.path() / "same" / "rounds.csv"), SimulatedRounds(spec, dir.path()));
}

}  // namespace
}  // namespace nashnet::service_test

// The Python agent (examples/python/nashnet_agent.py, Debian's python3-grpcio, stubs generated
// at build time) plays a whole game against a real coordinator and its Hedge converges.
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
TEST(PythonAgent, PlaysAWholeGameAndConvergesToTheStrictEquilibrium) {
  NASHNET_REQUIRE_BINARIES();
  if (!PythonHasGrpc()) GTEST_SKIP() << kPython << " has no grpc module (python3-grpcio)";
  const std::filesystem::path script = SourceDir() / "examples/python/nashnet_agent.py";
  ASSERT_TRUE(std::filesystem::exists(script)) << script;
  ASSERT_TRUE(std::filesystem::exists(PythonStubsDir() / "nashnet/v1/coordinator_pb2_grpc.py"))
      << "no Python stubs in " << PythonStubsDir() << " (target nashnet_python_stubs)";

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
  absl::StatusOr<std::unique_ptr<Process>> python = Process::Start(
      dir.path(), "python-agent",
      {kPython, script.string(), "--coordinator", c.address(), "--game", "py", "--seat", "0"},
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

  // The Python seat's final strategy puts (nearly) all its mass on defect. Hedge's gap here is
  // >= 1 per round on payoffs in [0, 5]; after 1000 rounds any Hedge step size schedule of
  // ALGORITHMS.md leaves cooperate below 1e-2 (C++ Hedge: below 1e-4). Uniform play would be 0.5.
  const v1::PlayerSummary& py = info->summary().players(0);
  ASSERT_EQ(py.strategy_size(), 2);
  EXPECT_GT(py.strategy(1), 0.95) << info->summary().ShortDebugString();
  EXPECT_GT(info->summary().players(1).strategy(1), 0.99);
  EXPECT_LT(info->summary().nash_gap(), 0.25);
  // Its regret is sublinear: uniform play would have about 0.5 x 1.5 x 1000 = 750.
  EXPECT_LT(py.regret(), 0.15 * kRounds) << info->summary().ShortDebugString();

  const nlohmann::json summary = ReadJson(dir.path() / "py" / "summary.json");
  ASSERT_FALSE(summary.is_discarded());
  EXPECT_EQ(summary["rounds"].get<int64_t>(), kRounds);
  EXPECT_EQ(LastCsvRound(dir.path() / "py" / "rounds.csv"), kRounds);
}

}  // namespace
}  // namespace nashnet::service_test

// `nashnet run`, with the real nashnet, nashnet-coordinator and nashnet-agent processes on
// loopback: its record is simulate's, byte for byte (spec.yaml, rounds.csv; summary.json but for
// the wall-clock fields), for full-information and bandit games, one seed and several, remote and
// local seats; bad input exits 2 before anything starts; a child that fails is named with its log.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "tests/cli/cli_runner.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;

// Finite, full information: Hedge sees the exact payoff vector (uses the learners' RNG only).
constexpr char kFullInfo[] =
    "name: rps-full\n"
    "game: rock_paper_scissors\n"
    "learner: {algorithm: hedge, params: {gamma0: 0.3, beta: 0.6}}\n"
    "feedback: full\n"
    "rounds: 400\n"
    "seed: 21\n"
    "record_every: 3\n";

// Bandit: 3 players on Braess's network see only their own latency (noise RNG + explicit
// exploration: every random stream of the engine is exercised).
constexpr char kBandit[] =
    "name: braess-bandit\n"
    "game: {name: braess, params: {players: 3}}\n"
    "learner: {algorithm: bandit-hedge, params: {beta: 0.7}}\n"
    "feedback: {model: bandit, sigma: 0.1}\n"
    "rounds: 300\n"
    "seed: 7\n"
    "record_every: 10\n";

struct Case {
  const char* name;
  const char* run_file;
  int seeds;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class RunEqualsSimulate : public testing::TestWithParam<Case> {};

TEST_P(RunEqualsSimulate, SameSpecAndSeedGiveTheSameRecord) {
  const Case& c = GetParam();
  TempDir tmp;
  WriteFile(tmp / "run.yaml", c.run_file);
  const std::string flags = " --seeds " + std::to_string(c.seeds);
  const CliResult sim = RunCli(
      tmp, "simulate '" + (tmp / "run.yaml") + "'" + flags + " -q --out '" + (tmp / "sim") + "'");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const CliResult run =
      RunCli(tmp, "run '" + (tmp / "run.yaml") + "'" + flags + " --out '" + (tmp / "run") + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ExpectSameRecord(tmp.path() / "run", tmp.path() / "sim");
  if (c.seeds > 1) {
    EXPECT_TRUE(fs::exists(tmp.path() / "run" / "seed-8" / "rounds.csv") ||
                fs::exists(tmp.path() / "run" / "seed-22" / "rounds.csv"));
    EXPECT_NE(run.out.find("median [min, max] over seeds"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("rounds/s per seed"), std::string::npos) << run.out;
  } else {
    EXPECT_NE(run.out.find("rounds/s"), std::string::npos) << run.out;
  }
  // The summary table and where the record is, as simulate prints them.
  EXPECT_NE(run.out.find("record: " + (tmp / "run") + "\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("final strategy"), std::string::npos) << run.out;
}

INSTANTIATE_TEST_SUITE_P(
    Games, RunEqualsSimulate,
    testing::Values(Case{"FullInfoOneSeed", kFullInfo, 1}, Case{"FullInfoTwoSeeds", kFullInfo, 2},
                    Case{"BanditOneSeed", kBandit, 1}, Case{"BanditTwoSeeds", kBandit, 2}),
    [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(RunCli, LocalSeatsPlayInTheCoordinatorAndChangeNothing) {
  // Seat 1 is a built-in learner in the coordinator, seats 0 and 2 are agent processes; the
  // service block is part of the spec, so both records carry it in spec.yaml.
  TempDir tmp;
  WriteFile(tmp / "run.yaml", std::string(kBandit) + "service: {local_seats: [1]}\n");
  const CliResult sim =
      RunCli(tmp, "simulate '" + (tmp / "run.yaml") + "' -q --out '" + (tmp / "sim") + "'");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const CliResult run =
      RunCli(tmp, "run '" + (tmp / "run.yaml") + "' -q --out '" + (tmp / "run") + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, (tmp / "run") + "\n");  // --quiet: only the record's path
  ExpectSameRecord(tmp.path() / "run", tmp.path() / "sim");
  EXPECT_NE(ReadFile(tmp.path() / "run" / "spec.yaml").find("local_seats: [1]"), std::string::npos);
}

TEST(RunCli, FlagsOverrideTheRunFileAsInSimulate) {
  TempDir tmp;
  WriteFile(tmp / "run.yaml", kFullInfo);
  const std::string flags =
      " --rounds 50 --seed 3 --algorithm hedge-lr --param eta0=0.25 --record-every 1 -q";
  ASSERT_EQ(
      RunCli(tmp, "simulate '" + (tmp / "run.yaml") + "'" + flags + " --out '" + (tmp / "s") + "'")
          .exit_code,
      0);
  const CliResult run =
      RunCli(tmp, "run '" + (tmp / "run.yaml") + "'" + flags + " --out '" + (tmp / "r") + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ExpectSameRecord(tmp.path() / "r", tmp.path() / "s");
  EXPECT_NE(ReadFile(tmp.path() / "r" / "spec.yaml").find("\"eta0\": 0.25"), std::string::npos);
}

TEST(RunCli, BadInputExitsTwoAndStartsNothing) {
  TempDir tmp;
  WriteFile(tmp / "run.yaml", kFullInfo);
  WriteFile(tmp / "local.yaml", std::string(kFullInfo) + "service: {local_seats: [2]}\n");
  fs::create_directories(tmp.path() / "full");
  WriteFile(tmp / "full/x", "x");
  struct BadRun {
    std::string args;
    std::string message;
  };
  const BadRun cases[] = {
      {"--rounds 0", "nashnet: error: --rounds: must be at least 1\n"},
      {"--feedback nosy",
       "nashnet: error: --feedback: unknown model 'nosy' (known: full, noisy, counterfactual, "
       "bandit)\n"},
      {"--out '" + (tmp / "full") + "'",
       "nashnet: error: " + (tmp / "full") +
           ": folder is not empty (choose another --out or remove it)\n"},
      {"--frobnicate", ""},
  };
  for (const BadRun& c : cases) {
    SCOPED_TRACE(c.args);
    const CliResult r = RunCli(tmp, "run '" + (tmp / "run.yaml") + "' " + c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    if (!c.message.empty()) {
      EXPECT_EQ(r.err, c.message);
    }
    EXPECT_EQ(r.out, "");
  }
  // A continuous game whose payoff function agents cannot get: refused before anything starts.
  const CliResult continuous =
      RunCli(tmp,
             "run --game cournot --algorithm hda --feedback noisy --noise 0.1 --rounds 10 "
             "--out '" +
                 (tmp / "never") + "'");
  EXPECT_EQ(continuous.exit_code, 2);
  EXPECT_EQ(continuous.err,
            "nashnet: error: feedback.model: noisy feedback on a continuous game needs the payoff "
            "function, which agents cannot get over the wire: use bandit feedback, or play every "
            "seat in the coordinator (service.local_seats)\n");
  // What only the coordinator checks comes back as its own message, still exit 2, no record.
  WriteFile(tmp / "default.yaml",
            std::string(kFullInfo) + "service: {straggler: default_action, default_action: 5}\n");
  const CliResult refused =
      RunCli(tmp, "run '" + (tmp / "default.yaml") + "' --out '" + (tmp / "never") + "'");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err.rfind("nashnet: error: the coordinator refused game seed-21: "
                              "INVALID_ARGUMENT: service.default_action: 5",
                              0),
            0u)
      << refused.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "never"));
  const CliResult local =
      RunCli(tmp, "run '" + (tmp / "local.yaml") + "' --out '" + (tmp / "never") + "'");
  EXPECT_EQ(local.exit_code, 2);
  EXPECT_NE(local.err.find(":8:"), std::string::npos) << local.err;  // points into the file
  EXPECT_NE(local.err.find("service.local_seats: 2 is not a seat (the game has seats 0..1)"),
            std::string::npos)
      << local.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "never"));
}

TEST(RunCli, AChildThatFailsIsNamedWithItsLog) {
  TempDir tmp;
  WriteFile(tmp / "run.yaml", kFullInfo);
  // No coordinator at that path: nothing can start.
  const CliResult no_coordinator =
      RunCli(tmp, "run '" + (tmp / "run.yaml") + "' --coordinator-bin /nonexistent/coord --out '" +
                      (tmp / "a") + "'");
  EXPECT_EQ(no_coordinator.exit_code, 1);
  EXPECT_NE(no_coordinator.err.find("nashnet: error: coordinator: "), std::string::npos)
      << no_coordinator.err;
  EXPECT_NE(no_coordinator.err.find("/nonexistent/coord"), std::string::npos);
  const std::size_t logs = no_coordinator.err.find("logs in ");
  ASSERT_NE(logs, std::string::npos) << no_coordinator.err;
  const std::string logs_dir = no_coordinator.err.substr(
      logs + 8, no_coordinator.err.find_first_of(")\n", logs) - (logs + 8));
  EXPECT_NE(logs_dir.find("nashnet-run-"), std::string::npos) << logs_dir;
  EXPECT_TRUE(fs::is_directory(logs_dir)) << logs_dir;
  fs::remove_all(logs_dir);

  // Agents that exit 1 at once: the run stops, kills the coordinator, names the agent and its log.
  const CliResult bad_agent = RunCli(
      tmp, "run '" + (tmp / "run.yaml") + "' --agent-bin /bin/false --out '" + (tmp / "b") + "'");
  EXPECT_EQ(bad_agent.exit_code, 1);
  EXPECT_NE(bad_agent.err.find("agent seed-21 seat "), std::string::npos) << bad_agent.err;
  EXPECT_NE(bad_agent.err.find("failed (exit 1)"), std::string::npos) << bad_agent.err;
  const std::size_t log = bad_agent.err.find("its log: ");
  ASSERT_NE(log, std::string::npos) << bad_agent.err;
  const std::string log_path =
      bad_agent.err.substr(log + 9, bad_agent.err.find(' ', log + 9) - (log + 9));
  EXPECT_TRUE(fs::exists(log_path)) << log_path;  // kept for the user to read
  EXPECT_FALSE(fs::exists(tmp.path() / "b" / "summary.json"));
  fs::remove_all(fs::path(log_path).parent_path());
}

}  // namespace
}  // namespace nashnet::cli_test

// `nashnet simulate`, run as a real process: reproducible records, parallel seeds equal to seeds
// run alone, flags over run files, and bad input that exits 2 with one clear line and no record.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/cli/cli_runner.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;

// A noisy run, so that the noise and learner RNG streams are both exercised.
constexpr char kNoisyPd[] =
    "name: reproducible\n"
    "game: prisoners_dilemma\n"
    "learner: {algorithm: hedge, params: {gamma0: 0.2, beta: 0.6}}\n"
    "feedback: {model: noisy, sigma: 1.5}\n"
    "rounds: 3000\n"
    "seed: 11\n"
    "record_every: 7\n";

TEST(SimulateCli, SameSpecAndSeedGiveByteIdenticalRecords) {
  TempDir tmp;
  WriteFile(tmp / "run.yaml", kNoisyPd);
  for (const char* out : {"a", "b"}) {
    const CliResult r =
        RunCli(tmp, "simulate '" + (tmp / "run.yaml") + "' --quiet --out '" + (tmp / out) + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, (tmp / out) + "\n");  // --quiet: only the record's path
  }
  const fs::path a = tmp / "a", b = tmp / "b";
  EXPECT_EQ(ReadFile(a / "rounds.csv"), ReadFile(b / "rounds.csv"));
  EXPECT_EQ(ReadFile(a / "spec.yaml"), ReadFile(b / "spec.yaml"));
  EXPECT_EQ(SummaryWithoutElapsed(a / "summary.json"), SummaryWithoutElapsed(b / "summary.json"));
  // rounds.csv: header, round 1, every 7th round (428 of them) and the last (3000).
  const std::string csv = ReadFile(a / "rounds.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 1 + 428 + 1);
  EXPECT_NE(csv.find("\n3000,"), std::string::npos);
  // spec.yaml is itself a run file: running it again gives the same rounds.csv.
  const CliResult again =
      RunCli(tmp, "simulate '" + (a / "spec.yaml").string() + "' -q --out '" + (tmp / "c") + "'");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReadFile(tmp.path() / "c" / "rounds.csv"), csv);
}

TEST(SimulateCli, SeedsRunInParallelAndEachEqualsTheSeedRunAlone) {
  TempDir tmp;
  WriteFile(tmp / "run.yaml", kNoisyPd);
  const CliResult many = RunCli(tmp, "simulate '" + (tmp / "run.yaml") +
                                         "' --seeds 3 --seed 4 --out '" + (tmp / "many") + "'");
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_NE(many.out.find("median [min, max]"), std::string::npos) << many.out;
  const fs::path dir = tmp / "many";
  for (const char* seed : {"seed-4", "seed-5", "seed-6"}) {
    EXPECT_TRUE(fs::exists(dir / seed / "rounds.csv")) << seed;
    EXPECT_TRUE(fs::exists(dir / seed / "summary.json")) << seed;
  }
  const CliResult alone = RunCli(
      tmp, "simulate '" + (tmp / "run.yaml") + "' --seed 5 -q --out '" + (tmp / "alone") + "'");
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_EQ(ReadFile(dir / "seed-5" / "rounds.csv"), ReadFile(tmp.path() / "alone" / "rounds.csv"));
  EXPECT_EQ(SummaryWithoutElapsed(dir / "seed-5" / "summary.json"),
            SummaryWithoutElapsed(tmp.path() / "alone" / "summary.json"));

  const nlohmann::json aggregate = nlohmann::json::parse(ReadFile(dir / "summary.json"));
  EXPECT_EQ(aggregate["seeds"], nlohmann::json({4, 5, 6}));
  std::vector<double> regrets;
  for (const char* seed : {"seed-4", "seed-5", "seed-6"}) {
    regrets.push_back(
        nlohmann::json::parse(ReadFile(dir / seed / "summary.json"))["players"][0]["regret"]);
  }
  std::sort(regrets.begin(), regrets.end());
  EXPECT_EQ(aggregate["players"][0]["regret"]["median"].get<double>(), regrets[1]);
  EXPECT_EQ(aggregate["players"][0]["regret"]["min"].get<double>(), regrets[0]);
  EXPECT_EQ(aggregate["players"][0]["regret"]["max"].get<double>(), regrets[2]);
}

TEST(SimulateCli, FlagsOverrideTheRunFile) {
  TempDir tmp;
  WriteFile(tmp / "run.yaml", kNoisyPd);
  const CliResult r = RunCli(tmp, "simulate '" + (tmp / "run.yaml") +
                                      "' --rounds 30 --seed 9 --algorithm hedge-lr --param "
                                      "eta0=0.5 --feedback counterfactual --noise 0 --out '" +
                                      (tmp / "out") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string spec = ReadFile(tmp.path() / "out" / "spec.yaml");
  EXPECT_NE(spec.find("rounds: 30\n"), std::string::npos) << spec;
  EXPECT_NE(spec.find("seed: 9\n"), std::string::npos);
  EXPECT_NE(spec.find("model: counterfactual\n"), std::string::npos);
  // --algorithm replaces the learner: hedge's gamma0/beta from the file are gone.
  EXPECT_NE(spec.find("algorithm: \"hedge-lr\"\n  params:\n    \"eta0\": 0.5\nname:"),
            std::string::npos)
      << spec;
  const nlohmann::json summary =
      nlohmann::json::parse(ReadFile(tmp.path() / "out" / "summary.json"));
  EXPECT_EQ(summary["rounds"], 30);
  EXPECT_EQ(summary["seed"], 9);
  EXPECT_EQ(summary["players"][0]["algorithm"], "hedge-lr");
  EXPECT_NE(r.out.find("record: " + (tmp / "out")), std::string::npos) << r.out;
}

TEST(SimulateCli, ResolvesRelativeNfgPathsAndDefaultsTheOutputFolder) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "exp" / "games");
  WriteFile(tmp.path() / "exp" / "games" / "pd.nfg",
            "NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 10 0 0 10 1 1\n");
  WriteFile(tmp.path() / "exp" / "run.yaml", "game: games/pd.nfg\nrounds: 50\n");
  // Run from tmp: the .nfg path is relative to the run file's folder, not to the cwd.
  const CliResult r = RunCli(tmp, "simulate exp/run.yaml -q", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.out.starts_with("runs/pd-")) << r.out;  // runs/<game>-<UTC timestamp>
  const fs::path record = tmp.path() / r.out.substr(0, r.out.size() - 1);
  EXPECT_TRUE(fs::exists(record / "summary.json"));
  // The record carries the game itself, under the file's name: no path.
  const std::string spec = ReadFile(record / "spec.yaml");
  EXPECT_NE(spec.find("  name: \"pd.nfg\"\n  nfg: |2\n    NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n"
                      "    9 9 10 0 0 10 1 1\n  params: {}\n"),
            std::string::npos)
      << spec;
  EXPECT_EQ(spec.find(tmp.path().string()), std::string::npos) << spec;
}

struct BadInput {
  std::string args;
  std::string message;  // expected in the one stderr line
};

TEST(SimulateCli, BadInputExitsTwoWithOneLineAndNoRecord) {
  TempDir tmp;
  WriteFile(tmp / "nosy.yaml", "game: prisoners_dilemma\nrounds: 10\nfeedback:\n  model: nosy\n");
  WriteFile(tmp / "broken.yaml", "game: [prisoners_dilemma\nrounds: 10\n");
  WriteFile(tmp / "param.yaml",
            "game: prisoners_dilemma\nrounds: 10\nlearner:\n  algorithm: hedge\n"
            "  params: {gama0: 0.1}\n");
  const std::string pd = "--game prisoners_dilemma --rounds 10 ";
  const BadInput cases[] = {
      {"'" + (tmp / "nosy.yaml") + "'",
       "nosy.yaml:4:10: feedback.model: unknown model 'nosy' (known: full, noisy, "
       "counterfactual, bandit)"},
      {"'" + (tmp / "broken.yaml") + "'", "YAML syntax error"},
      {"'" + (tmp / "param.yaml") + "'",
       "param.yaml:5:12: learner.params.gama0: unknown parameter"},
      {"'" + (tmp / "missing.yaml") + "'", "missing.yaml: cannot open the run file"},
      {"--game nosuch --rounds 10", "unknown game 'nosuch'"},
      {pd + "--game-param nosuch=1", "no parameter 'nosuch'"},
      {pd + "--game-param reward", "--game-param 'reward': expected KEY=VALUE"},
      {pd + "--algorithm nosuch", "unknown algorithm 'nosuch'"},
      {pd + "--param beta", "--param 'beta': expected KEY=VALUE"},
      {pd + "--param beta=0.6x", "--param beta: expected a number, got '0.6x'"},
      {pd + "--feedback nosy", "--feedback: unknown model 'nosy'"},
      {pd + "--noise -1", "--noise: must be >= 0"},
      {pd + "--seeds 0", "--seeds: must be in [1, 1000000]"},
      {"--game prisoners_dilemma --rounds 10x", "--rounds: expected an integer, got '10x'"},
      {"--game prisoners_dilemma", "no horizon: give --rounds T"},
      {"--rounds 10", "no game"},
      {pd + "--bogus", "--bogus"},
  };
  int k = 0;
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.args);
    const std::string out = tmp / ("out" + std::to_string(k++));
    const CliResult r = RunCli(tmp, "simulate " + c.args + " --out '" + out + "'");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out));  // no record at all, let alone a summary.json
  }
}

TEST(SimulateCli, RefusesAnOutputFolderThatAlreadyHoldsFiles) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "out");
  WriteFile(tmp / "out/notes.txt", "mine");
  const CliResult r =
      RunCli(tmp, "simulate --game prisoners_dilemma --rounds 10 --out '" + (tmp / "out") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("folder is not empty"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "summary.json"));
}

}  // namespace
}  // namespace nashnet::cli_test

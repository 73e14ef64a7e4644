// `nashnet games`: the catalogue and one game's payoffs and pure equilibria, as text and JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/cli/cli_runner.h"

namespace nashnet::cli_test {
namespace {

TEST(GamesCli, ShowsPdNfgEquilibriumZeroBased) {
  const std::filesystem::path pd =
      std::filesystem::path(NASHNET_SHARED_DIR) / "games/gambit/pd.nfg";
  if (!std::filesystem::exists(pd)) GTEST_SKIP() << pd << " not present";
  TempDir tmp;
  const CliResult r = RunCli(tmp, "games '" + pd.string() + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["name"], "Two person Prisoner's Dilemma game");
  EXPECT_EQ(json["players"], 2);
  EXPECT_EQ(json["actions"], nlohmann::json({2, 2}));
  EXPECT_EQ(json["payoff_range"]["min"].get<double>(), 0.0);
  EXPECT_EQ(json["payoff_range"]["max"].get<double>(), 10.0);
  // (defect, defect) = strategies "2","2" = 0-based (1, 1): strict, gap min(1-0, 1-0) = 1.
  ASSERT_EQ(json["pure_equilibria"].size(), 1u);
  EXPECT_EQ(json["pure_equilibria"][0]["profile"], nlohmann::json({1, 1}));
  EXPECT_EQ(json["pure_equilibria"][0]["strict"], true);
  EXPECT_EQ(json["pure_equilibria"][0]["gap"].get<double>(), 1.0);

  const CliResult text = RunCli(tmp, "games '" + pd.string() + "'");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("(1, 1)   strict  1"), std::string::npos) << text.out;
}

TEST(GamesCli, ListsTheCatalogueWithParameterDefaults) {
  TempDir tmp;
  const CliResult r = RunCli(tmp, "games --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  bool found = false;
  for (const nlohmann::json& game : json["games"]) {
    if (game["name"] != "braess") continue;
    found = true;
    EXPECT_FALSE(game["description"].get<std::string>().empty());
    EXPECT_FALSE(game["params"].empty());
  }
  EXPECT_TRUE(found) << r.out;
  const CliResult text = RunCli(tmp, "games");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("rock_paper_scissors"), std::string::npos);
}

TEST(GamesCli, AppliesGameParametersAndRejectsBadOnes) {
  TempDir tmp;
  const CliResult r = RunCli(tmp, "games coordination --game-param actions=3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["actions"], nlohmann::json({3, 3}));
  EXPECT_EQ(json["pure_equilibria"].size(), 3u);  // every diagonal profile

  for (const char* args : {"games nosuch", "games coordination --game-param nosuch=1",
                           "games coordination --game-param actions", "games missing.nfg"}) {
    SCOPED_TRACE(args);
    const CliResult bad = RunCli(tmp, args);
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    EXPECT_TRUE(bad.err.starts_with("nashnet: error: ")) << bad.err;
  }
}

}  // namespace
TEST(GamesCli, NonUtf8LabelsInAnNfgFileDoNotAbortTheJsonOutput) {
  // Gambit files in Latin-1 are common; the JSON writer replaces the byte instead of aborting.
  TempDir tmp;
  WriteFile(tmp / "latin1.nfg",
            "NFG 1 R \"P\xe9"
            "D\" { \"A\" \"B\" } { 1 1 }\n\n1 2\n");
  const CliResult r = RunCli(tmp, "games '" + (tmp / "latin1.nfg") + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["players"], 2);
}

TEST(GamesCli, ANonRegularFileIsRefusedNotReadForever) {
  TempDir tmp;
  const CliResult r = RunCli(tmp, "games /dev/zero.nfg");  // no such file
  EXPECT_NE(r.exit_code, 0);
  std::filesystem::create_symlink("/dev/zero", tmp / "zero.nfg");
  const CliResult z = RunCli(tmp, "games '" + (tmp / "zero.nfg") + "'");
  EXPECT_EQ(z.exit_code, 2) << z.err;
  EXPECT_NE(z.err.find("not a regular file"), std::string::npos) << z.err;
}

}  // namespace nashnet::cli_test

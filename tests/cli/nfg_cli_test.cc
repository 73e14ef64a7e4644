// A Gambit .nfg game from any folder, with the real processes: `nashnet run` reads the file on
// the client side and its record is simulate's byte for byte, whether the file is given by
// absolute path, by relative path or through a run file in another folder; the record carries the
// game itself (no path), so it replays after the file is gone; bad text points into the run file.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/cli/cli_runner.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;

// Row's best reply depends on Col's action: Hedge does not just sit on a dominant strategy.
constexpr char kGame[] =
    "NFG 1 R \"Mine\" { \"Row\" \"Col\" } { 2 3 }\n"
    "3 1 0 2\n"
    "2 0 1 1\n"
    "4 0 0 3\n";

// The same spec as a run file (the game relative to its folder) and as flags.
constexpr char kRunFile[] =
    "game: ../games/mine.nfg\n"
    "feedback: {model: noisy, sigma: 0.5}\n"
    "rounds: 300\n"
    "seed: 4\n"
    "record_every: 7\n";
constexpr char kFlags[] = " --feedback noisy --noise 0.5 --rounds 300 --seed 4 --record-every 7";

// tmp/games/mine.nfg, tmp/runs/run.yaml and an empty working folder tmp/work.
void MakeFolders(const TempDir& tmp) {
  for (const char* dir : {"games", "runs", "work"}) fs::create_directories(tmp.path() / dir);
  WriteFile(tmp / "games/mine.nfg", kGame);
  WriteFile(tmp / "runs/run.yaml", kRunFile);
}

TEST(NfgCli, RunEqualsSimulateWithAGameFileFromAnyFolder) {
  TempDir tmp;  // under the system's temp folder: outside the repository
  MakeFolders(tmp);
  const fs::path work = tmp.path() / "work";
  struct Form {
    std::string name;
    std::string args;  // from tmp/work
  };
  const Form forms[] = {
      {"absolute", "--game '" + (tmp / "games/mine.nfg") + "'" + kFlags},
      {"relative", std::string("--game ../games/mine.nfg") + kFlags},
      {"run_file", "../runs/run.yaml"},  // its game path is relative to tmp/runs
  };
  std::string first_spec;
  for (const Form& form : forms) {
    SCOPED_TRACE(form.name);
    const std::string sim = "sim-" + form.name, run = "run-" + form.name;
    const CliResult simulated = RunCli(tmp, "simulate " + form.args + " -q --out " + sim, work);
    ASSERT_EQ(simulated.exit_code, 0) << simulated.err;
    const CliResult ran = RunCli(tmp, "run " + form.args + " -q --out " + run, work);
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(ran.out, run + "\n");
    ExpectSameRecord(work / run, work / sim);

    // The record carries the game under the file's name, not a path; every form says the same.
    const std::string spec = ReadFile(work / run / "spec.yaml");
    EXPECT_NE(spec.find("  name: \"mine.nfg\"\n"
                        "  nfg: |2\n"
                        "    NFG 1 R \"Mine\" { \"Row\" \"Col\" } { 2 3 }\n"
                        "    3 1 0 2\n"
                        "    2 0 1 1\n"
                        "    4 0 0 3\n"
                        "  params: {}\n"),
              std::string::npos)
        << spec;
    EXPECT_EQ(spec.find(tmp.path().string()), std::string::npos) << spec;
    if (first_spec.empty()) first_spec = spec;
    EXPECT_EQ(spec, first_spec);
  }
}

TEST(NfgCli, TheRecordAloneReplaysAfterTheGameFileIsDeleted) {
  TempDir tmp;
  MakeFolders(tmp);
  const CliResult simulated = RunCli(tmp, "simulate runs/run.yaml -q --out rec", tmp.path());
  ASSERT_EQ(simulated.exit_code, 0) << simulated.err;
  fs::remove(tmp.path() / "games" / "mine.nfg");

  // spec.yaml is a run file: simulate and run replay it, with no game file anywhere.
  const CliResult replayed = RunCli(tmp, "simulate rec/spec.yaml -q --out replay", tmp.path());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  ExpectSameRecord(tmp.path() / "replay", tmp.path() / "rec", /*hosted=*/false);
  const CliResult ran = RunCli(tmp, "run rec/spec.yaml -q --out ran", tmp.path());
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  ExpectSameRecord(tmp.path() / "ran", tmp.path() / "rec");

  // The report names the game by its file and title.
  const CliResult report = RunCli(tmp, "report rec", tmp.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string html = ReadFile(tmp.path() / "rec" / "report.html");
  EXPECT_NE(html.find("<title>nashnet report: mine.nfg: Mine</title>"), std::string::npos);
  EXPECT_NE(html.find("<td>mine.nfg: Mine — 2 players</td>"), std::string::npos);
}

TEST(NfgCli, BadGameFilesAndTextExitTwoNamingWhere) {
  TempDir tmp;
  MakeFolders(tmp);
  // A payoff that is not a number, inline: the run file's `nfg` key, then the text's position.
  WriteFile(tmp / "runs/bad.yaml",
            "rounds: 10\n"
            "game:\n"
            "  name: bad.nfg\n"
            "  nfg: |\n"
            "    NFG 1 R \"Bad\" { \"1\" \"2\" } { 2 2 }\n"
            "    9 9 x 0 0 10 1 1\n");
  WriteFile(tmp / "runs/missing.yaml", "rounds: 10\ngame: {name: nowhere/x.nfg}\n");
  struct Case {
    std::string args;
    std::string error;  // the start of the one stderr line
  };
  const Case cases[] = {
      {"runs/bad.yaml", "nashnet: error: runs/bad.yaml:4:3: game.nfg:2:5: "},
      {"runs/missing.yaml",
       "nashnet: error: runs/missing.yaml:2:8: game.name: runs/nowhere/x.nfg: "
       "cannot open the .nfg file: No such file or directory\n"},
      {"--game nope.nfg --rounds 5",
       "nashnet: error: --game: game.name: nope.nfg: cannot open the .nfg file: No such file or "
       "directory\n"},
      {"--game games --rounds 5", "nashnet: error: game.name: unknown game 'games'"},
  };
  for (const char* verb : {"simulate", "run"}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(verb) + " " + c.args);
      const CliResult r =
          RunCli(tmp, std::string(verb) + " " + c.args + " --out never", tmp.path());
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_EQ(r.err.rfind(c.error, 0), 0u) << r.err;
      EXPECT_EQ(r.out, "");
      EXPECT_FALSE(fs::exists(tmp.path() / "never"));
    }
  }
}

}  // namespace
}  // namespace nashnet::cli_test

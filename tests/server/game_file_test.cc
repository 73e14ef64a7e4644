// Game files travel with the spec: EmbedGameFile reads a file named by path into game.nfg;
// PlanRun builds the game from that text (its faults as game.nfg:LINE:COLUMN) and never opens a
// path itself; only PlanRun(spec, base_dir), for the in-process tools, may read one.
#include "server/game_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "games/nfg.h"
#include "games/normal_form_game.h"
#include "server/simulation.h"
#include "tests/test_files.h"

namespace nashnet::server {
namespace {

using test::TempDir;
using test::WriteFile;

constexpr char kPd[] = "NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 10 0 0 10 1 1\n";

v1::RunSpec Spec(const std::string& name, const std::string& nfg = "") {
  v1::RunSpec spec;
  spec.mutable_game()->set_name(name);
  spec.mutable_game()->set_nfg(nfg);
  spec.set_rounds(10);
  return spec;
}

TEST(GameFile, PathsAreNamesWithASlashOrTheNfgExtension) {
  for (const char* path : {"pd.nfg", "PD.NFG", "games/pd", "/abs/x.nfg", "../x", "a/"}) {
    EXPECT_TRUE(IsGameFilePath(path)) << path;
  }
  for (const char* name : {"braess", "prisoners_dilemma", "nfg", "x.nfg.txt", ""}) {
    EXPECT_FALSE(IsGameFilePath(name)) << name;
  }
}

TEST(GameFile, EmbedReadsTheFileRelativeToTheFolderAndKeepsItsBaseName) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "games");
  WriteFile(tmp.path() / "games" / "pd.nfg", kPd);
  for (const std::string& name :
       {std::string("games/pd.nfg"), std::string("./games/../games/pd.nfg"),
        (tmp.path() / "games" / "pd.nfg").string()}) {
    SCOPED_TRACE(name);
    v1::GameSpec game;
    game.set_name(name);
    ASSERT_TRUE(EmbedGameFile(tmp.path(), &game).ok());
    EXPECT_EQ(game.name(), "pd.nfg");
    EXPECT_EQ(game.nfg(), kPd);
  }
  // A catalogue name, or a game that carries its text already: nothing is read.
  v1::GameSpec catalogue;
  catalogue.set_name("braess");
  ASSERT_TRUE(EmbedGameFile(tmp.path(), &catalogue).ok());
  EXPECT_EQ(catalogue.nfg(), "");
  v1::GameSpec carried;
  carried.set_name("elsewhere/missing.nfg");
  carried.set_nfg(kPd);
  ASSERT_TRUE(EmbedGameFile(tmp.path(), &carried).ok());
  EXPECT_EQ(carried.name(), "elsewhere/missing.nfg");
}

TEST(GameFile, EmbedRefusesWhatIsNotAReadableBoundedFile) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "folder.nfg");
  std::filesystem::create_symlink("/dev/zero", tmp.path() / "zero.nfg");
  WriteFile(tmp.path() / "empty.nfg", "");
  // One byte over the limit (a sparse file: nothing is written).
  WriteFile(tmp.path() / "huge.nfg", "");
  std::filesystem::resize_file(tmp.path() / "huge.nfg", kMaxNfgBytes + 1);
  struct Case {
    const char* name;
    absl::StatusCode code;
    std::string message;
  };
  const std::string dir = tmp.path().string();
  const Case cases[] = {
      {"missing.nfg", absl::StatusCode::kNotFound,
       "game.name: " + dir + "/missing.nfg: cannot open the .nfg file: No such file or directory"},
      {"folder.nfg", absl::StatusCode::kInvalidArgument,
       "game.name: " + dir + "/folder.nfg: is a folder, not a .nfg file"},
      {"zero.nfg", absl::StatusCode::kInvalidArgument,
       "game.name: " + dir + "/zero.nfg: not a regular file"},
      {"empty.nfg", absl::StatusCode::kInvalidArgument,
       "game.name: " + dir + "/empty.nfg: empty .nfg file"},
      {"huge.nfg", absl::StatusCode::kInvalidArgument,
       "game.name: " + dir + "/huge.nfg: 16777217 bytes, more than the limit of 16777216 (16 MiB)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::GameSpec game;
    game.set_name(c.name);
    const absl::Status status = EmbedGameFile(tmp.path(), &game);
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_EQ(status.message(), c.message);
    EXPECT_EQ(game.name(), c.name);  // unchanged on failure
    EXPECT_EQ(game.nfg(), "");
  }
}

TEST(PlanRunGame, BuildsTheGameFromItsNfgTextWithTheNameAsALabel) {
  absl::StatusOr<RunPlan> plan = PlanRun(Spec("pd.nfg", kPd));
  ASSERT_TRUE(plan.ok()) << plan.status();
  const auto* game = dynamic_cast<const games::NormalFormGame*>(plan->game.get());
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().title, "PD");
  EXPECT_EQ(game->data().payoffs[0], (std::vector<double>{9, 10, 0, 1}));
  EXPECT_EQ(game->data().payoffs[1], (std::vector<double>{9, 0, 10, 1}));
  EXPECT_EQ(plan->spec.game().name(), "pd.nfg");
  EXPECT_EQ(plan->spec.game().nfg(), kPd);
  EXPECT_EQ(GameDisplayName(*plan), "pd.nfg: PD");
  // Untitled: the label alone; catalogue games keep their own name.
  const std::string untitled = "NFG 1 R \"\" { \"1\" \"2\" } { 2 2 }\n9 9 10 0 0 10 1 1\n";
  EXPECT_EQ(GameDisplayName(*PlanRun(Spec("mine.nfg", untitled))), "mine.nfg");
  EXPECT_EQ(GameDisplayName(*PlanRun(Spec("braess"))), PlanRun(Spec("braess"))->game->name());
}

TEST(PlanRunGame, NeverOpensAPathAndSaysTheGameMustTravelWithTheSpec) {
  TempDir tmp;
  WriteFile(tmp.path() / "pd.nfg", kPd);  // there, readable, and still not opened
  const std::string expected =
      "game.nfg: missing: a game file travels with the spec; `nashnet create`/`run` read it for "
      "you";
  for (const std::string& name : {std::string("pd.nfg"), (tmp.path() / "pd.nfg").string(),
                                  std::string("../etc/passwd"), std::string("games/PD.NFG")}) {
    SCOPED_TRACE(name);
    const absl::Status status = PlanRun(Spec(name)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(status.message(), expected)) << status;
    EXPECT_NE(status.message().find(name), absl::string_view::npos) << status;
  }
}

TEST(PlanRunGame, TheInProcessToolsReadAPathRelativeToTheRunFileFolder) {
  TempDir tmp;
  WriteFile(tmp.path() / "pd.nfg", kPd);
  absl::StatusOr<RunPlan> plan = PlanRun(Spec("pd.nfg"), tmp.path());
  ASSERT_TRUE(plan.ok()) << plan.status();
  // The plan's spec carries the text, as its spec.yaml will.
  EXPECT_EQ(plan->spec.game().name(), "pd.nfg");
  EXPECT_EQ(plan->spec.game().nfg(), kPd);
  const absl::Status missing = PlanRun(Spec("nope.nfg"), tmp.path()).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(
      absl::StartsWith(missing.message(), "game.name: " + (tmp.path() / "nope.nfg").string()))
      << missing;
}

TEST(PlanRunGame, RejectsBadNfgTextNamingTheFieldAndThePosition) {
  v1::RunSpec with_params = Spec("pd.nfg", kPd);
  (*with_params.mutable_game()->mutable_params())["players"] = "3";
  struct Case {
    v1::RunSpec spec;
    std::string message;
  };
  const Case cases[] = {
      // One payoff short: the reader's own line:column, under the field's name.
      {Spec("pd.nfg", "NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 10 0 0 10 1\n"),
       "game.nfg:3:1: "},
      {Spec("pd.nfg", "NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 x 0 0 10 1 1\n"),
       "game.nfg:2:5: "},
      {Spec("pd.nfg", "not a game"), "game.nfg:1:1: "},
      {with_params, "game.params: a .nfg game takes no parameters (got 1)"},
      {Spec("games/pd.nfg", kPd),
       "game.name: 'games/pd.nfg' is a path; with game.nfg set the name is only a label (the "
       "file's name)"},
      {Spec("", kPd), "game.name: missing"},
      {Spec("big.nfg", std::string(kMaxNfgBytes + 1, ' ')),
       "game.nfg: 16777217 bytes, more than the limit of 16777216 (16 MiB)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    const absl::Status status = PlanRun(c.spec).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(status.message(), c.message)) << status;
  }
}

}  // namespace
}  // namespace nashnet::server

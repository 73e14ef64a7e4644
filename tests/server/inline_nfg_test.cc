// A game's .nfg text inline in run files and spec.yaml: `nfg: |2` read and written byte for byte
// (edge cases, random texts, every Gambit example game), bounded, and errors inside the text
// pointing at it.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/rng.h"
#include "games/nfg.h"
#include "server/game_file.h"
#include "server/record/run_file.h"
#include "server/simulation.h"
#include "tests/test_files.h"

namespace nashnet::server {
namespace {

using google::protobuf::util::MessageDifferencer;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

constexpr char kPd[] = "NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 10 0 0 10 1 1\n";

v1::RunSpec SpecWithText(const std::string& nfg) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name("g.nfg");
  spec.mutable_game()->set_nfg(nfg);
  spec.set_rounds(10);
  spec.set_seed(1);
  spec.set_seeds(1);
  spec.set_record_every(1);
  return spec;
}

// Writes `nfg` into spec.yaml text and reads it back: the same bytes, and the same YAML again.
void ExpectRoundTrip(const std::string& nfg) {
  const v1::RunSpec spec = SpecWithText(nfg);
  const std::string yaml = WriteRunSpecYaml(spec);
  absl::StatusOr<v1::RunSpec> parsed = ParseRunSpecYaml(yaml, "spec.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << yaml;
  EXPECT_EQ(parsed->game().nfg(), nfg) << yaml;
  EXPECT_TRUE(MessageDifferencer::Equivalent(*parsed, spec));
  EXPECT_EQ(WriteRunSpecYaml(*parsed), yaml);
}

TEST(InlineNfg, WritesABlockScalarBetweenNameAndParams) {
  EXPECT_EQ(WriteRunSpecYaml(SpecWithText(kPd)),
            "# nashnet run spec (canonical form; a run file for `nashnet simulate`)\n"
            "feedback:\n"
            "  model: default\n"
            "  noise: default\n"
            "  sigma: 0\n"
            "game:\n"
            "  name: \"g.nfg\"\n"
            "  nfg: |2\n"
            "    NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n"
            "    9 9 10 0 0 10 1 1\n"
            "  params: {}\n"
            "learner:\n"
            "  algorithm: \"\"\n"
            "  params: {}\n"
            "name: \"\"\n"
            "players: []\n"
            "record_every: 1\n"
            "rounds: 10\n"
            "seed: 1\n"
            "seeds: 1\n");
  // Without text, no key: records of catalogue games keep the text they always had.
  v1::RunSpec catalogue = SpecWithText("");
  EXPECT_EQ(WriteRunSpecYaml(catalogue).find("nfg:"), std::string::npos);
}

TEST(InlineNfg, RoundTripsEdgeCasesByteForByte) {
  const std::string cases[] = {
      kPd,
      "NFG 1 R \"x\" { \"1\" } { 1 }\n5",              // no final line break (`|2-`)
      "NFG 1 R \"x\" { \"1\" } { 1 }\n5\n\n\n",        // several (`|2+`)
      "   NFG 1 R \"x\"\n{ \"1\" } { 1 }\n5\n",        // leading spaces (the indentation indicator)
      "\n\n  \n\tNFG\n",                               // blank and white-space-only lines first
      "NFG 1 R \"tabs\t and trailing  \" \n  \n5 \n",  // trailing white space on lines
      "# not a comment\n- not a list\nkey: not a map\n--- not a document\n...\n",
      "caf\xc3\xa9 \xe9\xff Latin-1 and bytes that are not UTF-8\n",
      "\xef\xbb\xbf"
      "BOM first\n",
      "control \x01\x7f characters\n",
      "CR LF line breaks\r\n(a double-quoted string)\r\n",
      std::string("NUL \0 inside\n", 13),
      "\n\n",
      "x",
  };
  for (const std::string& nfg : cases) {
    SCOPED_TRACE(nfg);
    ExpectRoundTrip(nfg);
  }
}

TEST(InlineNfg, RoundTripsRandomTexts) {
  // Texts drawn from the characters that matter to YAML block and quoted scalars.
  const std::string alphabet = std::string(" \t\n\n\n\r#:-\"'\\|>{}[]aZ0\xc3\xa9\xff", 25) + '\0';
  Rng rng(20240611);
  for (int i = 0; i < 2000; ++i) {
    std::string text(1 + rng.UniformInt(40), ' ');
    for (char& c : text) c = alphabet[rng.UniformInt(alphabet.size())];
    if (text.find_first_not_of('\n') == std::string::npos) continue;  // not a game: empty nfg
    SCOPED_TRACE(testing::PrintToString(text));
    ExpectRoundTrip(text);
    if (HasFailure()) break;
  }
}

TEST(InlineNfg, RunFilesCarryTheTextAndBuildTheGameFromIt) {
  TempDir tmp;
  // No file anywhere: the text is the game.
  WriteFile(tmp.path() / "run.yaml",
            "game:\n"
            "  name: pd.nfg\n"
            "  nfg: |\n"
            "    NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n"
            "    9 9 10 0 0 10 1 1\n"
            "rounds: 10\n");
  absl::StatusOr<RunFile> file = ReadRunFile(tmp.path() / "run.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->spec.game().name(), "pd.nfg");
  EXPECT_EQ(file->spec.game().nfg(), kPd);
  absl::StatusOr<RunPlan> plan = PlanRun(file->spec);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->game->num_players(), 2);
}

TEST(InlineNfg, FaultsPointIntoTheRunFileAndTheText) {
  // A payoff that is not a number: the run file's `nfg` key, then the position in the text.
  absl::StatusOr<RunFile> file = ParseRunFile(
      "rounds: 10\n"
      "game:\n"
      "  name: pd.nfg\n"
      "  nfg: |\n"
      "    NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n"
      "    9 9 x 0 0 10 1 1\n",
      "run.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  const absl::Status status = file->Annotate(PlanRun(file->spec).status());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "run.yaml:4:3: game.nfg:2:5: ")) << status;

  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"game: {name: pd.nfg, nfg: [1]}\n",
       "run.yaml:1:27: game.nfg: expected a string, got a list"},
      {"game: {name: pd.nfg, nfg: ''}\n", "run.yaml:1:27: game.nfg: must not be empty"},
      {"game: {nfg: x}\n", "run.yaml:1:7: game.name: missing"},
      {"game: {name: pd.nfg, nfg: x, nfg: y}\n", "run.yaml:1:30: game.nfg: duplicate key"},
      {"game: {name: pd.nfg, text: x}\n",
       "run.yaml:1:22: game.text: unknown key (known: name, nfg, params)"},
      {absl::StrCat("game: {name: pd.nfg, nfg: '", std::string(kMaxNfgBytes + 1, 'x'), "'}\n"),
       "run.yaml:1:27: game.nfg: 16777217 bytes, more than the limit of 16777216 (16 MiB)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    absl::StatusOr<RunFile> bad = ParseRunFile(c.text, "run.yaml");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(bad.status().message(), c.message);
  }
}

TEST(InlineNfg, EveryGambitExampleSurvivesSpecYaml) {
  const std::filesystem::path corpus =
      std::filesystem::path(NASHNET_SHARED_DIR) / "games" / "gambit";
  if (!std::filesystem::is_directory(corpus)) GTEST_SKIP() << "no Gambit corpus at " << corpus;
  TempDir tmp;
  int tried = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    if (entry.path().extension() != ".nfg") continue;
    SCOPED_TRACE(entry.path().filename().string());
    const std::string text = ReadFile(entry.path());
    absl::StatusOr<std::shared_ptr<const games::NormalFormGame>> game = games::ParseNfg(text);
    if (!game.ok()) continue;  // only files the reader accepts
    ++tried;
    v1::RunSpec spec = SpecWithText(text);
    spec.mutable_game()->set_name(entry.path().filename().string());
    const std::string yaml = WriteRunSpecYaml(spec);
    WriteFile(tmp.path() / "spec.yaml", yaml);
    absl::StatusOr<RunFile> read = ReadRunFile(tmp.path() / "spec.yaml");
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->spec.game().nfg(), text);  // byte for byte
    EXPECT_TRUE(MessageDifferencer::Equivalent(read->spec, spec));
    EXPECT_EQ(WriteRunSpecYaml(read->spec), yaml);
    // The same game: the same payoffs, names and title.
    absl::StatusOr<RunPlan> plan = PlanRun(read->spec);
    ASSERT_TRUE(plan.ok()) << plan.status();
    const auto* back = dynamic_cast<const games::NormalFormGame*>(plan->game.get());
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(games::WriteNfg(*back, games::NfgVersion::kPayoff),
              games::WriteNfg(**game, games::NfgVersion::kPayoff));
  }
  EXPECT_GE(tried, 50);  // 60 example games, a few of which the strict reader refuses
}

}  // namespace
}  // namespace nashnet::server

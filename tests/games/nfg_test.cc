// Gambit .nfg reader and writer: both file versions, the number and string syntax, exact round
// trips, and a table of malformed files each rejected at the right line:column.
#include "games/nfg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace nashnet::games {
namespace {

std::shared_ptr<const NormalFormGame> MustParse(std::string_view text) {
  auto game = ParseNfg(text, "test.nfg");
  EXPECT_TRUE(game.ok()) << game.status();
  return game.ok() ? *game : nullptr;
}

// Identical games: same labels, and payoffs equal bit for bit (so -0 differs from 0).
void ExpectIdentical(const NormalFormGame& a, const NormalFormGame& b) {
  EXPECT_EQ(a.data().title, b.data().title);
  EXPECT_EQ(a.data().comment, b.data().comment);
  EXPECT_EQ(a.data().player_names, b.data().player_names);
  EXPECT_EQ(a.data().num_actions, b.data().num_actions);
  EXPECT_EQ(a.data().strategy_names, b.data().strategy_names);
  ASSERT_EQ(a.data().payoffs.size(), b.data().payoffs.size());
  for (size_t i = 0; i < a.data().payoffs.size(); ++i) {
    const auto& pa = a.data().payoffs[i];
    const auto& pb = b.data().payoffs[i];
    ASSERT_EQ(pa.size(), pb.size());
    EXPECT_EQ(std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(double)), 0) << "player " << i;
  }
}

constexpr char kPrisonersDilemmaPayoff[] = R"(NFG 1 R "PD" { "Row" "Column" } { 2 2 }

3 3 5 0 0 5 1 1
)";

constexpr char kPrisonersDilemmaOutcome[] = R"(NFG 1 R "PD" { "Row" "Column" }

{ { "C" "D" }
{ "C" "D" }
}
"a comment"

{
{ "reward" 3, 3 }
{ "temptation" 5, 0 }
{ "sucker" 0 5 }
{ "punishment" 1, 1 }
}
1 2 3 4
)";

TEST(ParseNfg, ReadsThePayoffVersionWithStrategyCounts) {
  auto game = MustParse(kPrisonersDilemmaPayoff);
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().title, "PD");
  EXPECT_EQ(game->data().comment, "");
  EXPECT_EQ(game->data().player_names, (std::vector<std::string>{"Row", "Column"}));
  EXPECT_EQ(game->data().strategy_names,
            (std::vector<std::vector<std::string>>{{"1", "2"}, {"1", "2"}}));
  EXPECT_EQ(game->data().payoffs, (std::vector<std::vector<double>>{{3, 5, 0, 1}, {3, 0, 5, 1}}));
}

TEST(ParseNfg, ReadsTheOutcomeVersionWithLabelsCommentAndOptionalCommas) {
  auto game = MustParse(kPrisonersDilemmaOutcome);
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().comment, "a comment");
  EXPECT_EQ(game->data().strategy_names,
            (std::vector<std::vector<std::string>>{{"C", "D"}, {"C", "D"}}));
  EXPECT_EQ(game->data().payoffs, (std::vector<std::vector<double>>{{3, 5, 0, 1}, {3, 0, 5, 1}}));
}

TEST(ParseNfg, OutcomeZeroMeansAllPayoffsZero) {
  auto game = MustParse(R"(NFG 1 R "" { "A" "B" } { 2 1 } { { "x" 4, -2 } } 0 1)");
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().payoffs, (std::vector<std::vector<double>>{{0, 4}, {0, -2}}));
}

TEST(ParseNfg, ReadsRationalsDecimalsExponentsAndTheDTypeCode) {
  auto game = MustParse(
      "NFG 1 D \"numbers\" { \"A\" } { 9 }\n"
      "3/4 -1/3 +2 .5 5. -0.25 1e3 2.5E-2 -7e+1\n");
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().payoffs[0],
            (std::vector<double>{0.75, -1.0 / 3.0, 2, 0.5, 5, -0.25, 1000, 0.025, -70}));
}

TEST(ParseNfg, AcceptsTabsCarriageReturnsEscapedQuotesAndASingleStrategyPlayer) {
  auto game = MustParse(
      "NFG\t1\tR\t\"say \\\"hi\\\" \\\\ \\n\"\r\n{ \"P\\\"1\" \"P2\" }\t{ { \"only\" }\t{ \"l\" "
      "\"r\" } "
      "}\r\n\"\"\r\n1 2\t3 4\r\n");
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().title, "say \"hi\" \\ \\n");  // \" and \\ are escapes; \n is kept
  EXPECT_EQ(game->data().player_names[0], "P\"1");
  EXPECT_EQ(game->data().num_actions, (std::vector<int>{1, 2}));
  EXPECT_EQ(game->data().comment, "");
  EXPECT_EQ(game->data().payoffs, (std::vector<std::vector<double>>{{1, 3}, {2, 4}}));
}

TEST(ParseNfg, UnderflowRoundsToZeroAndKeepsItsSign) {
  auto game = MustParse("NFG 1 R \"\" { \"A\" } { 3 } 1e-400 -1e-400 4.9406564584124654e-324");
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().payoffs[0][0], 0.0);
  EXPECT_TRUE(std::signbit(game->data().payoffs[0][1]));
  EXPECT_EQ(game->data().payoffs[0][2], std::numeric_limits<double>::denorm_min());
}

TEST(ParseNfg, UnderflowIsDecidedByMagnitudeNotByTheExponentsSign) {
  // 0.(400 zeros)1e10 = 1e−391 and −0.(400 zeros)1E+5 = −1e−396: underflows despite positive
  // exponents. (The converse, 1(400 zeros)e-10 = 1e390, is an overflow error: see below.)
  const std::string tiny = "0." + std::string(400, '0') + "1";
  auto game = MustParse("NFG 1 R \"\" { \"A\" } { 2 } " + tiny + "e10 -" + tiny + "E+5");
  ASSERT_NE(game, nullptr);
  EXPECT_EQ(game->data().payoffs[0][0], 0.0);
  EXPECT_FALSE(std::signbit(game->data().payoffs[0][0]));
  EXPECT_EQ(game->data().payoffs[0][1], 0.0);
  EXPECT_TRUE(std::signbit(game->data().payoffs[0][1]));
}

TEST(ParseNfg, RefusesGamesBeyondTheReadersSizeLimitBeforeAllocating) {
  // 301 players, one of them with 10^6 strategies: 3.01e8 payoff entries > 2^28. The file is
  // padded so that it is long enough to hold 10^6 profiles, so only the entry limit can refuse it.
  std::string text = "NFG 1 R \"big\" {";
  for (int i = 0; i < 301; ++i) text += " \"\"";
  text += " } {";
  for (int i = 0; i < 300; ++i) text += " 1";
  text += " 1000000 }\n";
  text += std::string(1'000'000, ' ');
  auto game = ParseNfg(text, "big.nfg");
  ASSERT_FALSE(game.ok());
  EXPECT_EQ(game.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(
      game.status().message().find("big.nfg:1:922: the game has 301 x 1000000 payoff entries"),
      absl::string_view::npos)
      << game.status().message();
}

TEST(WriteNfg, PrintsIntegralPayoffsAsIntegersAndOthersWithSeventeenDigits) {
  auto game = *NormalFormGame::Create(
      {.title = "t", .num_actions = {2, 1}, .payoffs = {{3, -0.1}, {-2, 1.0 / 3.0}}});
  const std::string payoff = WriteNfg(*game, NfgVersion::kPayoff);
  EXPECT_EQ(payoff,
            "NFG 1 R \"t\" { \"Player 1\" \"Player 2\" }\n\n"
            "{ { \"1\" \"2\" }\n{ \"1\" }\n}\n\"\"\n\n"
            "3 -2\n-0.10000000000000001 0.33333333333333331\n");
  const std::string outcome = WriteNfg(*game, NfgVersion::kOutcome);
  EXPECT_NE(outcome.find(
                "{\n{ \"\" 3, -2 }\n{ \"\" -0.10000000000000001, 0.33333333333333331 }\n}\n1 2\n"),
            std::string::npos)
      << outcome;
}

TEST(WriteNfg, OutcomeVersionHasOneOutcomePerDistinctPayoffTuple) {
  auto coordination = *NormalFormGame::Create(
      {.num_actions = {3, 3},
       .payoffs = {{1, 0, 0, 0, 1, 0, 0, 0, 1}, {1, 0, 0, 0, 1, 0, 0, 0, 1}}});
  const std::string text = WriteNfg(*coordination, NfgVersion::kOutcome);
  EXPECT_NE(text.find("{\n{ \"\" 1, 1 }\n{ \"\" 0, 0 }\n}\n1 2 2 2 1 2 2 2 1\n"), std::string::npos)
      << text;
}

TEST(WriteNfg, BothVersionsReadBackIdenticalGames) {
  const double kTiny = std::numeric_limits<double>::denorm_min();
  auto game = *NormalFormGame::Create({
      .title = "quotes \" and \\ backslashes\nand a newline",
      .comment = "\\\"",
      .player_names = {"", "B \"b\""},
      .num_actions = {3, 2},
      .strategy_names = {{"x", "", "\\"}, {"{", "}"}},
      .payoffs = {{0.1, 1.0 / 3.0, -0.0, 1e300, kTiny, -7},
                  {0.0, 2.5e-310, 1e15, -1e15 - 1, 123456789012345.0, 0.1}},
  });
  for (NfgVersion version : {NfgVersion::kPayoff, NfgVersion::kOutcome}) {
    SCOPED_TRACE(version == NfgVersion::kPayoff ? "payoff" : "outcome");
    const std::string text = WriteNfg(*game, version);
    auto back = ParseNfg(text, "written.nfg");
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << text;
    ExpectIdentical(**back, *game);
    EXPECT_EQ(WriteNfg(**back, version), text);  // a fixed point
  }
}

TEST(ReadNfgFile, ReadsAFileAndNamesThePathInErrors) {
  const std::string dir = testing::TempDir();
  const std::string path = dir + "/nfg_test_pd.nfg";
  {
    std::ofstream out(path);
    out << kPrisonersDilemmaOutcome;
  }
  auto game = ReadNfgFile(path);
  ASSERT_TRUE(game.ok()) << game.status();
  EXPECT_EQ((*game)->data().title, "PD");
  {
    std::ofstream out(path);
    out << "NFG 1 R \"x\" { \"A\" } { 2 }\n1\n";
  }
  auto broken = ReadNfgFile(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message(),
            path + ":3:1: too few payoffs: expected 2 (1 players x 2 profiles), found 1");
  std::filesystem::remove(path);

  auto missing = ReadNfgFile(dir + "/no_such_file.nfg");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no_such_file.nfg"), absl::string_view::npos);
  EXPECT_EQ(ReadNfgFile(dir).status().code(), absl::StatusCode::kInvalidArgument);
}

struct Malformed {
  std::string what;
  std::string text;
  std::string position;  // "line:column"
  std::string message;   // a substring of the message after the position
};

TEST(ParseNfg, RejectsMalformedFilesAtTheFaultyLineAndColumn) {
  const std::string kHead = "NFG 1 R \"g\" { \"A\" \"B\" } { 2 2 }\n";  // line 1; body on line 2
  const std::vector<Malformed> cases = {
      {"empty file", "", "1:1", "expected the file type 'NFG', found end of file"},
      {"wrong magic", "EFG 2 R \"g\"", "1:1", "expected the file type 'NFG'"},
      {"wrong version", "NFG 2 R \"g\"", "1:5", "expected NFG version 1, found number '2'"},
      {"wrong type code", "NFG 1 Q \"g\"", "1:7", "expected the number type 'R' or 'D'"},
      {"missing title", "NFG 1 R { \"A\" }", "1:9", "expected the game title"},
      {"unterminated title", "NFG 1 R \"g { 2 }\n1 2\n", "1:9", "unterminated string (no closing"},
      {"unterminated string", "NFG 1 R \"g\" { \"A } { 2 }\n1 2", "1:15", "unterminated string"},
      {"no players", "NFG 1 R \"g\" { } { 2 }", "1:15", "no players"},
      {"missing brace", "NFG 1 R \"g\" \"A\" } { 2 }", "1:13",
       "expected '{' opening the player names"},
      {"number as player", "NFG 1 R \"g\" { \"A\" 3 }", "1:19", "expected a player name"},
      {"too few counts", "NFG 1 R \"g\" { \"A\" \"B\" } { 2 }\n1 2", "1:29",
       "expected the strategy count of player 2 of 2, found '}'"},
      {"too many counts", "NFG 1 R \"g\" { \"A\" } { 2 2 }\n1 2", "1:25",
       "expected '}' closing the strategy counts"},
      {"zero strategies", "NFG 1 R \"g\" { \"A\" } { 0 }\n", "1:23", "player 1 has 0 strategies"},
      {"fractional count", "NFG 1 R \"g\" { \"A\" } { 1.5 }\n1", "1:23",
       "strategy count (a non-negative integer)"},
      {"empty strategy list", "NFG 1 R \"g\" { \"A\" \"B\" }\n{ { \"x\" }\n  { }\n}\n1 2", "3:3",
       "player 2 has no strategies"},
      {"missing strategy list", "NFG 1 R \"g\" { \"A\" \"B\" }\n{ { \"x\" }\n}\n1 2", "3:1",
       "expected '{' opening the strategy names of player 2 of 2, found '}'"},
      {"unclosed strategy lists", "NFG 1 R \"g\" { \"A\" }\n{ { \"x\" }\n1", "3:1",
       "expected '}' closing the strategies of the 1 players, found number '1'"},
      {"huge counts", "NFG 1 R \"g\" { \"A\" \"B\" } { 100000 100000 }\n1", "1:25",
       "more pure profiles"},
      {"too few payoffs", kHead + "1 2 3 4 5 6 7\n", "3:1",
       "too few payoffs: expected 8 (2 players x 4 profiles), found 7"},
      {"too many payoffs", kHead + "1 2 3 4 5 6 7 8\n  9\n", "3:3", "too many payoffs: expected 8"},
      {"bad token", kHead + "1 2 3 x4 5 6 7 8", "2:7", "expected a payoff (a number), found 'x4'"},
      {"bad number", kHead + "1 2 3 4-1 5 6 7 8", "2:7", "invalid number '4-1'"},
      {"bad exponent", kHead + "1 2 3 1e 5 6 7 8", "2:7", "invalid number '1e'"},
      {"lone sign", kHead + "1 2 - 4", "2:5", "invalid number '-'"},
      {"zero denominator", kHead + "1 2 3/0 4 5 6 7 8", "2:5", "division by zero in '3/0'"},
      {"overflow", kHead + "1 2 1e999 4 5 6 7 8", "2:5", "number '1e999' is out of range"},
      // A negative exponent does not make it an underflow: 10^400 · 10^−10 = 1e390.
      {"overflow with a negative exponent", kHead + "1 2 1" + std::string(400, '0') + "e-10 4 5",
       "2:5", "' is out of range"},
      {"string in payoffs", kHead + "1 2 \"3\" 4 5 6 7 8", "2:5",
       "expected a payoff (a number), found string \"3\""},
      {"comma in payoffs", kHead + "1, 2 3 4 5 6 7 8", "2:2",
       "expected a payoff (a number), found ','"},
      {"stray character", kHead + "1 2 3 4 5 6 7 8 @", "2:17", "unexpected '@'"},
      {"no body", "NFG 1 R \"g\" { \"A\" } { 2 }\n\"comment\"\n", "3:1",
       "expected the payoffs (numbers) or an outcome list ('{'), found end of file"},
      {"two comments", "NFG 1 R \"g\" { \"A\" } { 2 }\n\"c\" \"d\" 1 2", "2:5",
       "found string \"d\""},
      {"outcome index out of range", kHead + "{ { \"a\" 1 1 } { \"b\" 2, 2 } }\n1 2 3 0", "3:5",
       "outcome index 3 is out of range (the file defines 2 outcomes"},
      {"negative outcome index", kHead + "{ { \"a\" 1 1 } }\n1 -1 1 1", "3:3",
       "expected an outcome index"},
      {"too few outcome indices", kHead + "{ { \"a\" 1 1 } }\n1 1 1", "3:6",
       "too few outcome indices: expected 4"},
      {"too many outcome indices", kHead + "{ { \"a\" 1 1 } }\n1 1 1 1 1", "3:9",
       "too many outcome indices"},
      {"outcome without name", kHead + "{ { 1 1 } }\n1 1 1 1", "2:5",
       "expected the outcome's name"},
      {"outcome with too few payoffs", kHead + "{ { \"a\" 1 } }\n1 1 1 1", "2:11",
       "expected the payoff of player 2 of 2 in outcome 1, found '}'"},
      {"outcome with too many payoffs", kHead + "{ { \"a\" 1 2 3 } }\n1 1 1 1", "2:13",
       "expected '}' closing outcome 1 (2 payoffs, one per player), found number '3'"},
      {"comma before the first payoff", kHead + "{ { \"a\" , 1 1 } }\n1 1 1 1", "2:9",
       "expected the payoff of player 1 of 2 in outcome 1, found ','"},
      {"trailing comma in outcome", kHead + "{ { \"a\" 1, 2, } }\n1 1 1 1", "2:13",
       "closing outcome 1 (2 payoffs, one per player), found ','"},
      {"unclosed outcome list", kHead + "{ { \"a\" 1 2 }\n1 1 1 1", "3:1",
       "expected '{' opening an outcome or '}' closing the outcome list, found number '1'"},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.what);
    auto game = ParseNfg(c.text, "bad.nfg");
    ASSERT_FALSE(game.ok()) << "accepted:\n" << c.text;
    EXPECT_EQ(game.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(game.status().message());
    EXPECT_EQ(message.rfind("bad.nfg:" + c.position + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace nashnet::games

// Run records: number text, rounds.csv, summary.json, the aggregate over seeds, and the
// write-then-rename discipline that keeps half-written files from passing for results.
#include "server/record/run_record.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/rng.h"
#include "games/normal_form_game.h"
#include "server/record/number_text.h"

namespace nashnet::server {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    path_ = std::filesystem::temp_directory_path() /
            ("nashnet_run_record_test_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(NumberText, PrintsTheShortestTextThatReadsBackExactly) {
  EXPECT_EQ(FormatDouble(1e-12), "1e-12");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(-2.5), "-2.5");
  EXPECT_EQ(FormatDouble(0.0), "0");
  EXPECT_EQ(FormatDouble(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(FormatDouble(std::nan("")), "nan");
  EXPECT_EQ(FormatDouble(-INFINITY), "-inf");
  // Round trip over 10^4 doubles with random bit patterns (fixed seed): %.17g precision is never
  // lost.
  Rng rng(42);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t bits = rng.Next();
    double x;
    std::memcpy(&x, &bits, sizeof(x));
    if (!std::isfinite(x)) continue;
    const std::string text = FormatDouble(x);
    EXPECT_LE(text.size(), 24u);
    absl::StatusOr<double> back = ParseFiniteDouble(text);
    ASSERT_TRUE(back.ok()) << text;
    ASSERT_EQ(*back, x) << text;
  }
}

TEST(NumberText, ParsesOnlyWholeNumbers) {
  EXPECT_EQ(*ParseFiniteDouble("2.5e-3"), 0.0025);
  EXPECT_EQ(*ParseFiniteDouble("+7"), 7.0);
  for (const char* bad : {"", "1.5x", " 1", "nan", "inf", "0x10", "1,5", "--1"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseFiniteDouble(bad).ok());
  }
  EXPECT_EQ(*ParseInt64("-12"), -12);
  EXPECT_EQ(*ParseInt64("1e5"), 100000);
  EXPECT_FALSE(ParseInt64("1.5").ok());
  EXPECT_FALSE(ParseInt64("99999999999999999999").ok());
  EXPECT_EQ(*ParseUint64("18446744073709551615"), 18446744073709551615ULL);
  EXPECT_FALSE(ParseUint64("-1").ok());
}

std::shared_ptr<const games::Game> TwoByThree() {
  auto game = games::NormalFormGame::Create(games::NormalFormGameData{
      .title = "2x3",
      .comment = "",
      .player_names = {},
      .num_actions = {2, 3},
      .strategy_names = {},
      .payoffs = {{1, 2, 3, 4, 5, 6}, {6, 5, 4, 3, 2, 1}},
  });
  EXPECT_TRUE(game.ok()) << game.status();
  return *game;
}

RoundMetrics SampleRound(int64_t round) {
  RoundMetrics m;
  m.round = round;
  m.nash_gap = 1e-12;
  m.empirical_nash_gap = 0.5;
  m.equilibrium_distance = kNaN;
  m.variation = kNaN;
  for (int p = 0; p < 2; ++p) {
    PlayerRoundMetrics& pm = m.players.emplace_back();
    pm.regret = 1.0 + p;
    pm.realized_regret = 0.1;
    pm.dynamic_regret = 3.0;
    pm.payoff = -1.0;
    pm.average_payoff = 0.25;
    pm.equilibrium_distance = kNaN;
    pm.strategy = p == 0 ? Eigen::VectorXd::Constant(2, 0.5) : Eigen::VectorXd::Constant(3, 0.25);
  }
  return m;
}

TEST(RoundsCsv, HasOneColumnPerMetricPlayerAndAction) {
  EXPECT_EQ(RoundsCsvHeader(*TwoByThree()),
            "round,nash_gap,empirical_nash_gap,equilibrium_distance,variation,"
            "p0_regret,p0_realized_regret,p0_dynamic_regret,p0_payoff,p0_average_payoff,"
            "p0_equilibrium_distance,p0_x0,p0_x1,"
            "p1_regret,p1_realized_regret,p1_dynamic_regret,p1_payoff,p1_average_payoff,"
            "p1_equilibrium_distance,p1_x0,p1_x1,p1_x2");
  std::string row;
  AppendRoundsCsvRow(*TwoByThree(), SampleRound(7), &row);
  // Player 1's strategy has 3 entries but the game gives it 3 actions: fine; a wrong-sized
  // strategy would print as nan so that columns stay aligned.
  EXPECT_EQ(row,
            "7,1e-12,0.5,nan,nan,1,0.1,3,-1,0.25,nan,0.5,0.5,2,0.1,3,-1,0.25,nan,0.25,0.25,0.25\n");
  RoundMetrics wrong = SampleRound(8);
  wrong.players[0].strategy = Eigen::VectorXd::Constant(5, 0.2);
  row.clear();
  AppendRoundsCsvRow(*TwoByThree(), wrong, &row);
  EXPECT_EQ(row,
            "8,1e-12,0.5,nan,nan,1,0.1,3,-1,0.25,nan,nan,nan,2,0.1,3,-1,0.25,nan,0.25,0.25,"
            "0.25\n");
}

TEST(RoundsCsv, WriterKeepsThePartialFileUntilCommit) {
  TempDir dir("csv");
  std::filesystem::create_directories(dir.path());
  absl::StatusOr<std::unique_ptr<RoundsCsvWriter>> writer =
      RoundsCsvWriter::Open(dir.path(), TwoByThree());
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (int64_t t = 1; t <= 3; ++t) (*writer)->OnRound(SampleRound(t));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "rounds.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / ".partial-rounds.csv"));
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".partial-rounds.csv"));
  const std::string csv = ReadAll(dir.path() / "rounds.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);  // header + 3 rows
  EXPECT_TRUE(csv.starts_with(RoundsCsvHeader(*TwoByThree()) + "\n1,1e-12,"));
  EXPECT_EQ((*writer)->rows(), 3);
}

RunSummary HandMadeSummary(uint64_t seed, double regret, double gap) {
  RunSummary s;
  s.rounds = 100;
  s.seed = seed;
  s.nash_gap = gap;
  s.empirical_nash_gap = kNaN;
  s.equilibrium_distance = 1e-12;
  s.elapsed_seconds = 0.5;
  s.rounds_per_second = 200 * regret;  // differs per seed, so the aggregate's stats are testable
  PlayerSummary& p = s.players.emplace_back();
  p.algorithm = "hedge";
  p.strategy = Eigen::Vector2d(regret / 10, 1 - regret / 10);
  p.regret = regret;
  p.realized_regret = regret + 1;
  p.dynamic_regret = kNaN;
  p.average_payoff = 0.25;
  return s;
}

TEST(SummaryJson, WritesEveryFieldNanAsNullAtFullPrecision) {
  const std::string text = SummaryJson(HandMadeSummary(7, 1.0 / 3.0, 0.1));
  EXPECT_NE(text.find("\"equilibrium_distance\": 1e-12"), std::string::npos) << text;
  const nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json["rounds"], 100);
  EXPECT_EQ(json["seed"], 7);
  EXPECT_EQ(json["nash_gap"].get<double>(), 0.1);
  EXPECT_TRUE(json["empirical_nash_gap"].is_null());
  ASSERT_EQ(json["players"].size(), 1u);
  EXPECT_EQ(json["players"][0]["algorithm"], "hedge");
  EXPECT_EQ(json["players"][0]["regret"].get<double>(), 1.0 / 3.0);  // exact
  EXPECT_TRUE(json["players"][0]["dynamic_regret"].is_null());
  EXPECT_EQ(json["players"][0]["strategy"].size(), 2u);
  EXPECT_EQ(json["rounds_per_second"].get<double>(), 200 * (1.0 / 3.0));  // exact
}

TEST(SummaryJson, KeysComeInTheDocumentedOrder) {
  // rounds_per_second sits right after elapsed_seconds: the two wall-clock fields together.
  const nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(SummaryJson(HandMadeSummary(7, 1.0, 0.1)));
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"rounds", "seed", "status", "nash_gap",
                                            "empirical_nash_gap", "equilibrium_distance",
                                            "elapsed_seconds", "rounds_per_second", "players"}));
  std::vector<std::string> player_keys;
  for (const auto& [key, value] : json["players"][0].items()) player_keys.push_back(key);
  EXPECT_EQ(player_keys, (std::vector<std::string>{"algorithm", "params", "strategy", "regret",
                                                   "realized_regret", "dynamic_regret",
                                                   "average_payoff", "substituted_rounds",
                                                   "missed_deadlines", "evictions", "resumes"}));
  EXPECT_EQ(json["status"], "completed");
  RunSummary unmeasured = HandMadeSummary(7, 1.0, 0.1);
  unmeasured.rounds_per_second = kNaN;  // e.g. a run that played no round
  EXPECT_TRUE(nlohmann::json::parse(SummaryJson(unmeasured))["rounds_per_second"].is_null());
}

TEST(MetricStats, MedianAndQuartilesInterpolateLinearlyIgnoringNan) {
  const MetricStats odd = ComputeStats({5, 1, kNaN, 3, 2, 4});
  EXPECT_EQ(odd.count, 5);
  EXPECT_EQ(odd.median, 3);
  EXPECT_EQ(odd.p25, 2);
  EXPECT_EQ(odd.p75, 4);
  EXPECT_EQ(odd.min, 1);
  EXPECT_EQ(odd.max, 5);
  const MetricStats even = ComputeStats({4, 1, 3, 2});
  EXPECT_EQ(even.median, 2.5);  // halfway between 2 and 3
  EXPECT_EQ(even.p25, 1.75);    // position 0.75 between 1 and 2
  EXPECT_EQ(even.p75, 3.25);
  const MetricStats none = ComputeStats({kNaN});
  EXPECT_EQ(none.count, 0);
  EXPECT_TRUE(std::isnan(none.median));
}

TEST(AggregateSummary, TakesMediansOverSeeds) {
  const std::vector<RunSummary> seeds = {HandMadeSummary(1, 3.0, 0.3), HandMadeSummary(2, 1.0, 0.1),
                                         HandMadeSummary(3, 2.0, 0.7)};
  absl::StatusOr<AggregateSummary> aggregate = AggregateSummaries(seeds);
  ASSERT_TRUE(aggregate.ok()) << aggregate.status();
  EXPECT_EQ(aggregate->seeds, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(aggregate->rounds, 100);
  EXPECT_EQ(aggregate->nash_gap.median, 0.3);
  EXPECT_EQ(aggregate->nash_gap.min, 0.1);
  EXPECT_EQ(aggregate->nash_gap.max, 0.7);
  EXPECT_EQ(aggregate->empirical_nash_gap.count, 0);
  ASSERT_EQ(aggregate->players.size(), 1u);
  EXPECT_EQ(aggregate->players[0].regret.median, 2.0);
  EXPECT_EQ(aggregate->players[0].realized_regret.median, 3.0);
  EXPECT_EQ(aggregate->players[0].regret.p25, 1.5);
  ASSERT_EQ(aggregate->players[0].strategy.size(), 2u);
  EXPECT_EQ(aggregate->players[0].strategy[0].median, 0.2);
  EXPECT_EQ(aggregate->rounds_per_second.median, 400.0);  // of 600, 200, 400
  EXPECT_EQ(aggregate->rounds_per_second.min, 200.0);
  EXPECT_EQ(aggregate->rounds_per_second.p75, 500.0);  // position 1.5 between 400 and 600

  const nlohmann::json json = nlohmann::json::parse(AggregateJson(*aggregate));
  EXPECT_EQ(json["seeds"], nlohmann::json({1, 2, 3}));
  EXPECT_EQ(json["nash_gap"]["median"].get<double>(), 0.3);
  EXPECT_TRUE(json["empirical_nash_gap"]["median"].is_null());
  EXPECT_EQ(json["players"][0]["regret"]["max"].get<double>(), 3.0);
  EXPECT_EQ(json["rounds_per_second"]["median"].get<double>(), 400.0);
  EXPECT_EQ(json["rounds_per_second"]["count"], 3);

  std::vector<RunSummary> mismatched = seeds;
  mismatched[1].players.push_back(mismatched[1].players[0]);
  EXPECT_EQ(AggregateSummaries(mismatched).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(AggregateSummaries({}).ok());
}

TEST(RunRecord, CommitsFilesOnlyWhenTheRunSucceeds) {
  TempDir dir("record");
  v1::RunSpec spec;
  spec.mutable_game()->set_name("2x3");
  spec.set_rounds(3);
  spec.set_seed(5);
  spec.set_seeds(2);
  absl::StatusOr<RunRecord> record = RunRecord::Create(dir.path(), spec);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "spec.yaml"));
  EXPECT_EQ(record->SeedDir(6), dir.path() / "seed-6");

  std::vector<RunSummary> summaries;
  for (uint64_t seed : {5, 6}) {
    auto rounds = record->OpenRounds(seed, TwoByThree());
    ASSERT_TRUE(rounds.ok()) << rounds.status();
    (*rounds)->OnRound(SampleRound(1));
    if (seed == 6) break;  // seed 6 "fails": never committed
    summaries.push_back(HandMadeSummary(seed, 1.0, 0.1));
    ASSERT_TRUE(record->CommitSeed(seed, rounds->get(), summaries.back()).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "seed-5" / "rounds.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "seed-5" / "summary.json"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "seed-6" / "rounds.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "seed-6" / "summary.json"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "summary.json"));
  ASSERT_TRUE(record->CommitAggregate(summaries).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "summary.json"));

  // A folder that already holds files is never written into.
  absl::StatusOr<RunRecord> again = RunRecord::Create(dir.path(), spec);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace nashnet::server

// A real nashnet-coordinator with --metrics-listen, scraped over HTTP while real nashnet-agent
// processes play: the series move the right way, the game's series go when it ends, promtool
// accepts the scrape, rejections are counted, and bad metrics flags are refused.
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/metrics/scrape.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

using metrics_test::AnySeries;
using metrics_test::HttpGet;
using metrics_test::ParseText;
using metrics_test::Samples;

// Hedge on the prisoner's dilemma (defecting is dominant): the Nash gap falls from ~1 towards 0
// (simulate, seed 7: 9.2e-5 after 1000 rounds), so any early round's gap exceeds a late one's.
constexpr int64_t kRounds = 8000;

// A coordinator with the exporter on a free loopback port; `metrics_port` is read from
// --metrics-port-file, which is written before --port-file (so it is there once Start returns).
struct Served {
  std::unique_ptr<Coordinator> coordinator;
  int metrics_port = 0;
};

absl::StatusOr<Served> StartServed(const std::filesystem::path& dir,
                                   std::vector<std::string> extra = {}) {
  const std::filesystem::path port_file = dir / "metrics.port";
  std::vector<std::string> args = {"--metrics-listen", "127.0.0.1:0", "--metrics-port-file",
                                   port_file.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  absl::StatusOr<std::unique_ptr<Coordinator>> c = Coordinator::Start(dir, args);
  if (!c.ok()) return c.status();
  Served served{.coordinator = *std::move(c)};
  served.metrics_port = std::atoi(ReadFile(port_file).c_str());
  if (served.metrics_port <= 0) return absl::InternalError("no --metrics-port-file");
  return served;
}

absl::StatusOr<Samples> Scrape(int port) {
  absl::StatusOr<std::string> text = HttpGet(port, "/metrics");
  if (!text.ok()) return text.status();
  return ParseText(*text);
}

std::string G(const std::string& name, const std::string& game) {
  return name + "{game=\"" + game + "\"}";
}

// `promtool check metrics` on `text`: its exit code and output (stdout and stderr).
std::pair<int, std::string> Promtool(const std::filesystem::path& dir, const std::string& text) {
  const std::filesystem::path file = dir / "scrape.txt";
  {
    std::ofstream out(file);
    out << text;
  }
  const std::string command = "promtool check metrics < '" + file.string() + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  for (size_t got; (got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) {
    output.append(buffer, got);
  }
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(CoordinatorMetrics, HedgeAgentsGameIsExportedWhileItRunsAndRemovedAfter) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<Served> served = StartServed(dir.path(), {"--metrics-period-ms", "10"});
  ASSERT_TRUE(served.ok()) << served.status();
  Coordinator& c = *served->coordinator;
  const int port = served->metrics_port;
  absl::StatusOr<std::string> id = c.CreateGame(MakeSpec("prisoners_dilemma", kRounds, 7), "pd");
  ASSERT_TRUE(id.ok()) << id.status() << "\n" << c.process().Describe();
  std::vector<std::unique_ptr<Process>> agents;
  for (int seat = 0; seat < 2; ++seat) {
    absl::StatusOr<std::unique_ptr<Process>> agent =
        StartAgent(dir.path(), "agent" + std::to_string(seat),
                   {"--coordinator", c.address(), "--game", "pd", "--seat", std::to_string(seat),
                    "--algorithm", "hedge", "--quiet"});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(std::move(*agent));
  }

  // Scrape until the game's series are gone; keep the first and last scrapes that had them.
  std::optional<Samples> early, late;
  std::string late_text;
  const std::string round = G("nashnet_game_round", "pd");
  const bool ended = WaitUntil(
      [&] {
        absl::StatusOr<std::string> text = HttpGet(port, "/metrics");
        if (!text.ok()) return false;
        Samples s = ParseText(*text);
        if (!s.contains(round)) return late.has_value();  // not yet published, or gone
        if (!(s.at(round) >= 1)) return false;            // 0 until the first round is published
        if (!early) early = s;
        late = s;
        late_text = *text;
        return false;
      },
      kGameTimeout);
  ASSERT_TRUE(ended) << "the game's series never appeared or never went\n"
                     << c.process().Describe();
  ASSERT_TRUE(early && late);
  const double early_round = early->at(round);
  const double late_round = late->at(round);
  // A meaningful comparison needs two scrapes far apart in the game.
  ASSERT_LT(early_round, kRounds / 2) << "the first scrape came too late";
  ASSERT_GT(late_round, kRounds / 2) << "the last scrape came too early";

  EXPECT_GT(late->at("nashnet_rounds_total"), early->at("nashnet_rounds_total"));
  EXPECT_EQ(early->at("nashnet_agents_connected"), 2);
  EXPECT_EQ(late->at("nashnet_agents_connected"), 2);
  EXPECT_EQ(late->at("nashnet_games_active"), 1);
  EXPECT_EQ(late->at("nashnet_metrics_detailed_games"), 1);
  EXPECT_EQ(late->at("nashnet_live_games_reporting"), 1);
  const double early_gap = early->at(G("nashnet_game_nash_gap", "pd"));
  const double late_gap = late->at(G("nashnet_game_nash_gap", "pd"));
  EXPECT_LT(late_gap, early_gap) << "rounds " << early_round << " → " << late_round;
  EXPECT_NEAR(late->at("nashnet_live_summed_nash_gap"), late_gap, 1e-12);
  for (int p = 0; p < 2; ++p) {
    const std::string player = "{game=\"pd\",player=\"" + std::to_string(p) + "\"}";
    ASSERT_TRUE(late->contains("nashnet_player_regret" + player)) << player;
    ASSERT_TRUE(late->contains("nashnet_player_average_regret" + player)) << player;
    // Regret grows sublinearly: its average shrinks (Hedge, ALGORITHMS.md).
    EXPECT_LT(late->at("nashnet_player_average_regret" + player),
              early->at("nashnet_player_average_regret" + player));
    // Defect (action 1) is dominant: its probability rises towards 1.
    const std::string defect =
        "nashnet_player_strategy_probability{action=\"1\",game=\"pd\",player=\"" +
        std::to_string(p) + "\"}";
    EXPECT_GT(late->at(defect), 0.99);
  }
  EXPECT_GT(late->at("nashnet_round_duration_seconds_count"), 0);
  EXPECT_GT(late->at("nashnet_agent_response_seconds_count"), 0);

  // promtool: the live scrape parses and passes its lint with no complaint at all.
  if (std::system("command -v promtool > /dev/null 2>&1") == 0) {
    const auto [code, output] = Promtool(dir.path(), late_text);
    EXPECT_EQ(code, 0) << output;
    EXPECT_TRUE(Lines(output).empty()) << output;
  }

  absl::StatusOr<v1::GameInfo> info = c.WaitForGame("pd", IsOver);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_COMPLETED);
  // The agents' streams are gone once the game is over.
  Samples after;
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<Samples> s = Scrape(port);
        if (s.ok()) after = *s;
        return s.ok() && after.at("nashnet_agents_connected") == 0;
      },
      kStartTimeout));
  EXPECT_FALSE(AnySeries(after, "game=\"pd\""));
  EXPECT_EQ(after.at("nashnet_games_ended_total{reason=\"horizon\"}"), 1);
  EXPECT_EQ(after.at("nashnet_games_active"), 0);
  EXPECT_EQ(after.at("nashnet_rounds_total"), kRounds);
  EXPECT_EQ(after.at("nashnet_live_games_reporting"), 0);
  EXPECT_EQ(after.at("nashnet_game_final_nash_gap_count"), 1);
  EXPECT_EQ(after.at("nashnet_metrics_detailed_games"), 0);
  EXPECT_EQ(after.at("nashnet_deadline_misses_total"), 0);
}

TEST(CoordinatorMetrics, RejectionsAreCountedByReason) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<Served> served = StartServed(dir.path());
  ASSERT_TRUE(served.ok()) << served.status();
  Coordinator& c = *served->coordinator;
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 100);
  spec.mutable_service()->add_local_seats(0);  // one remote seat: the raw stream below
  ASSERT_TRUE(c.CreateGame(spec, "g1").ok());

  {  // An unknown game.
    PlayStream stream(c);
    ASSERT_TRUE(stream.SendJoin(MakeJoin("nope")));
    EXPECT_EQ(stream.Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  PlayStream stream(c);
  ASSERT_TRUE(stream.SendJoin(MakeJoin("g1", 1)));
  std::optional<v1::CoordinatorMessage> message = stream.Read();
  ASSERT_TRUE(message && message->has_joined());
  message = stream.Read();
  ASSERT_TRUE(message && message->has_start());
  ASSERT_TRUE(stream.SendAction(PureAction(1, 7, 2)));  // action 7 of 2: out of range
  message = stream.Read();
  ASSERT_TRUE(message && message->has_error()) << (message ? message->DebugString() : "ended");
  ASSERT_TRUE(stream.SendAction(PureAction(5, 0, 2)));  // round 5 while the game is at round 1
  message = stream.Read();
  ASSERT_TRUE(message && message->has_error());

  absl::StatusOr<Samples> s = Scrape(served->metrics_port);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->at("nashnet_rejected_messages_total{reason=\"invalid_action\"}"), 1);
  EXPECT_EQ(s->at("nashnet_rejected_messages_total{reason=\"wrong_round\"}"), 1);
  EXPECT_EQ(s->at("nashnet_rejected_messages_total{reason=\"not_found\"}"), 1);
  EXPECT_EQ(s->at("nashnet_rejected_messages_total{reason=\"protocol\"}"), 0);
  EXPECT_EQ(s->at("nashnet_agents_connected"), 1);
  stream.Cancel();
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<Samples> now = Scrape(served->metrics_port);
        return now.ok() && now->at("nashnet_agents_connected") == 0;
      },
      kStartTimeout));
}

// Runs the coordinator with `args` (plus a free --listen); it must exit non-zero, naming `flag`.
void ExpectRefused(const std::filesystem::path& dir, const std::string& name,
                   const std::vector<std::string>& args, const std::string& flag) {
  std::vector<std::string> argv = {(BinDir() / "nashnet-coordinator").string(), "--listen",
                                   "127.0.0.1:0", "--records-dir", (dir / name).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<std::unique_ptr<Process>> p = Process::Start(dir, name, argv);
  ASSERT_TRUE(p.ok()) << p.status();
  absl::StatusOr<ExitStatus> exit = (*p)->process().Wait(kStartTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_FALSE(exit->ok()) << (*p)->Describe();
  EXPECT_NE((*p)->Stderr().find(flag), std::string::npos) << (*p)->Describe();
}

TEST(CoordinatorMetrics, BadMetricsFlagsAreRefusedNamingTheFlag) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  ExpectRefused(dir.path(), "detail",
                {"--metrics-listen", "127.0.0.1:0", "--metrics-detail-games", "-1"},
                "--metrics-detail-games");
  ExpectRefused(dir.path(), "period",
                {"--metrics-listen", "127.0.0.1:0", "--metrics-period-ms", "x"},
                "--metrics-period-ms");
  ExpectRefused(dir.path(), "address", {"--metrics-listen", "nowhere"}, "--metrics-listen");
  // A port already taken (by another coordinator's exporter).
  absl::StatusOr<Served> served = StartServed(dir.path());
  ASSERT_TRUE(served.ok()) << served.status();
  ExpectRefused(dir.path(), "taken",
                {"--metrics-listen", "127.0.0.1:" + std::to_string(served->metrics_port)},
                "--metrics-listen");
}

TEST(CoordinatorMetrics, NashnetRunPassesMetricsListenToItsCoordinator) {
  NASHNET_REQUIRE_BINARIES();
  if (!std::filesystem::exists(BinDir() / "nashnet")) GTEST_SKIP() << "no nashnet in " << BinDir();
  TestDir dir;
  {
    std::ofstream run(dir.path() / "run.yaml");
    run << "game: prisoners_dilemma\nlearner: {algorithm: hedge}\nrounds: 50\nseed: 1\n";
  }
  const auto run = [&](const std::string& name, const std::string& listen) {
    absl::StatusOr<std::unique_ptr<Process>> p =
        Process::Start(dir.path(), name,
                       {(BinDir() / "nashnet").string(), "run", (dir.path() / "run.yaml").string(),
                        "--out", (dir.path() / name).string(), "--metrics-listen", listen});
    EXPECT_TRUE(p.ok()) << p.status();
    absl::StatusOr<ExitStatus> exit = (*p)->process().Wait(kGameTimeout);
    EXPECT_TRUE(exit.ok()) << exit.status();
    return std::make_pair(exit.ok() && exit->ok(), (*p)->Describe());
  };
  const auto [ok, described] = run("free", "127.0.0.1:0");
  EXPECT_TRUE(ok) << described;
  // The flag reaches the coordinator: a port already taken makes it (and so the run) fail.
  absl::StatusOr<Served> served = StartServed(dir.path());
  ASSERT_TRUE(served.ok()) << served.status();
  const auto [taken_ok, taken] = run("taken", "127.0.0.1:" + std::to_string(served->metrics_port));
  EXPECT_FALSE(taken_ok) << taken;
  EXPECT_NE(taken.find("--metrics-listen: cannot listen on"), std::string::npos) << taken;
}

}  // namespace
}  // namespace nashnet::service_test

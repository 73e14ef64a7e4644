// The cheap variant of the hostile-client benchmark (bench/hostile/): a neighbour game of two
// real nashnet-agent processes on a real nashnet-coordinator, played while the real
// hostile_probes process attacks the same coordinator (oversize CreateGames, 1 MiB names, Play
// streams without Join, WatchGame streams of the neighbour that are never read, half-sent
// /metrics requests and scrapes, half-handshaken connections, garbage bytes, a ListGames flood).
// The neighbour's record equals `nashnet simulate`'s byte for byte, no hostile game is accepted,
// every scrape is answered, and the coordinator's peak RSS stays under its memory budget. Its own
// executable (ctest label "process"); the rates are the benchmark's business, not this test's.
#include <nlohmann/json.hpp>
#include <string>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr int64_t kMemoryBudgetBytes = int64_t{256} << 20;

// VmHWM of `pid` in bytes (-1 if unreadable).
int64_t PeakRssBytes(pid_t pid) {
  for (const std::string& line : Lines(ReadFile(absl::StrCat("/proc/", pid, "/status")))) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  return -1;
}

int64_t Count(const nlohmann::json& tally, const std::string& key) {
  return tally.contains(key) ? tally[key].get<int64_t>() : 0;
}

TEST(HostileNeighbour, RecordEqualsSimulateWhileHostileProbesRun) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  const std::filesystem::path metrics_port_file = dir.path() / "metrics.port";
  absl::StatusOr<std::unique_ptr<Coordinator>> started =
      Coordinator::Start(dir.path(), {"--metrics-listen", "127.0.0.1:0", "--metrics-port-file",
                                      metrics_port_file.string(), "--memory-budget-bytes",
                                      std::to_string(kMemoryBudgetBytes), "--join-timeout-ms",
                                      "500", "--handshake-timeout-ms", "500"});
  ASSERT_TRUE(started.ok()) << started.status();
  Coordinator& coordinator = **started;
  const std::string metrics_port = Lines(ReadFile(metrics_port_file)).at(0);

  v1::RunSpec spec = MakeSpec("matching_pennies", 20000, 5);
  spec.set_name("neighbour");
  spec.set_record_every(10);
  ASSERT_TRUE(coordinator.CreateGame(spec, "neighbour").ok());

  absl::StatusOr<std::unique_ptr<Process>> probes =
      Process::Start(dir.path(), "probes",
                     {NASHNET_HOSTILE_PROBES, "--target", coordinator.address(), "--metrics-port",
                      metrics_port, "--watch-game", "neighbour", "--join-timeout-ms", "500",
                      "--silent-streams", "50", "--stalled-watchers", "10", "--half-http", "20",
                      "--raw-connections", "20", "--until-signal"});
  ASSERT_TRUE(probes.ok()) << probes.status();
  ASSERT_TRUE(
      WaitUntil([&] { return (*probes)->Stdout().rfind("ready\n", 0) == 0; }, kStartTimeout))
      << (*probes)->Describe();

  std::vector<std::unique_ptr<Process>> agents;
  for (int seat = 0; seat < 2; ++seat) {
    absl::StatusOr<std::unique_ptr<Process>> agent =
        StartAgent(dir.path(), absl::StrCat("agent", seat),
                   {"--coordinator", coordinator.address(), "--game", "neighbour", "--seat",
                    std::to_string(seat), "--algorithm", "hedge", "--quiet"});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(*std::move(agent));
  }
  absl::StatusOr<v1::GameInfo> over = coordinator.WaitForGame("neighbour", IsOver, seconds(120));
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_EQ(over->status(), v1::GAME_STATUS_COMPLETED) << over->ShortDebugString();
  for (auto& agent : agents) {
    absl::StatusOr<ExitStatus> exit = agent->process().Wait(kStartTimeout);
    ASSERT_TRUE(exit.ok()) << agent->Describe();
    EXPECT_TRUE(exit->ok()) << agent->Describe();
  }

  ASSERT_TRUE((*probes)->process().Signal(SIGTERM).ok());
  absl::StatusOr<ExitStatus> probes_exit = (*probes)->process().Wait(seconds(60));
  ASSERT_TRUE(probes_exit.ok()) << (*probes)->Describe();
  ASSERT_TRUE(probes_exit->ok()) << (*probes)->Describe();
  const std::vector<std::string> out = Lines((*probes)->Stdout());
  ASSERT_FALSE(out.empty());
  const nlohmann::json tally = nlohmann::json::parse(out.back(), nullptr, false);
  ASSERT_TRUE(tally.is_object()) << out.back();

  // The neighbour played exactly the game simulate plays.
  EXPECT_EQ(ReadFile(dir.path() / "neighbour" / "rounds.csv"), SimulatedRounds(spec, dir.path()));
  // No hostile game was accepted; each was refused (some at least ran before the game ended).
  int64_t refused = 0;
  for (const auto& [key, value] : tally.items()) {
    const bool create = key.rfind("oversize_", 0) == 0 || key.rfind("big_name", 0) == 0;
    if (!create || key.find(".max_ms") != std::string::npos) continue;
    EXPECT_EQ(key.find(".OK"), std::string::npos) << key << " " << value;
    refused += value.get<int64_t>();
  }
  EXPECT_GT(refused, 0) << tally.dump();
  EXPECT_EQ(Count(tally, "scrape.failed") + Count(tally, "scrape.connect_failed"), 0)
      << tally.dump();
  EXPECT_EQ(Count(tally, "list_games.OK"), [&] {
    int64_t all = 0;
    for (const auto& [key, value] : tally.items()) {
      if (key.rfind("list_games.", 0) == 0) all += value.get<int64_t>();
    }
    return all;
  }()) << tally.dump();
  // The coordinator is still up, under its budget.
  EXPECT_FALSE(coordinator.process().process().Poll().has_value())
      << coordinator.process().Describe();
  const int64_t peak = PeakRssBytes(coordinator.process().process().pid());
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, kMemoryBudgetBytes);
  std::cerr << "hostile neighbour: coordinator VmHWM " << peak / (1 << 20) << " MiB; probes "
            << tally.dump() << "\n";
}

}  // namespace
}  // namespace nashnet::service_test

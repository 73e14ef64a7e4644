// Chaos: a long game of real agent processes (with state files) on a real coordinator, while its
// agents are SIGKILLed and restarted, its connections reset (`ss -K`), the coordinator SIGKILLed
// and restarted on its records, and drained (SIGTERM) and restarted. The final rounds.csv must be
// `nashnet simulate`'s for the same spec and seed, byte for byte (the `wait` straggler policy).
//
// CI runs the fast schedule; NASHNET_CHAOS=long runs the long one (bench/chaos/run_chaos.sh,
// figures in bench/README.md): 100+ agent kills, 30+ resets, 3 coordinator kills.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

struct Schedule {
  int64_t rounds;         // the game's horizon
  int64_t every;          // rounds between two faults
  int agent_kills;        // SIGKILL + restart of one agent (its state file kept)
  int resets;             // `ss -K` of every agent connection to the coordinator
  int coordinator_kills;  // SIGKILL + restart of the coordinator (same port, same records)
  int drains;             // SIGTERM + restart
};

Schedule ChosenSchedule() {
  const char* chaos = std::getenv("NASHNET_CHAOS");
  if (chaos != nullptr && std::string(chaos) == "long") {
    return {.rounds = 120000,
            .every = 600,
            .agent_kills = 110,
            .resets = 35,
            .coordinator_kills = 3,
            .drains = 2};
  }
  return {.rounds = 12000,
          .every = 500,
          .agent_kills = 10,
          .resets = 5,
          .coordinator_kills = 1,
          .drains = 1};
}

constexpr int kPlayers = 4;

v1::RunSpec ChaosSpec(int64_t rounds) {
  v1::RunSpec spec;
  spec.set_name("chaos");
  spec.mutable_game()->set_name("braess");
  (*spec.mutable_game()->mutable_params())["players"] = std::to_string(kPlayers);
  spec.mutable_learner()->set_algorithm("hedge");
  (*spec.mutable_learner()->mutable_params())["gamma0"] = 0.5;
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_NOISY);
  spec.mutable_feedback()->set_sigma(0.3);
  spec.set_rounds(rounds);
  spec.set_seed(17);
  spec.set_seeds(1);
  spec.set_record_every(50);
  spec.mutable_service()->set_round_deadline_ms(60000);  // wait: the record stays simulate's
  return spec;
}

// `ss -K` on the TCP connections to `port` (both ends): the kernel aborts them (RST).
absl::Status ResetConnections(int port) {
  const std::string command =
      absl::StrCat("ss -K -t '( dport = :", port, " or sport = :", port, " )' > /dev/null 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError("ss -K failed (needs iproute2 and CAP_NET_ADMIN): " + command);
  }
  return absl::OkStatus();
}

class Chaos {
 public:
  explicit Chaos(const std::filesystem::path& dir) : dir_(dir) {}

  absl::Status StartCoordinator(const std::string& listen) {
    coordinator_.reset();  // its destructor kills a child still running
    absl::StatusOr<std::unique_ptr<Coordinator>> c =
        Coordinator::Start(dir_, {"--journal-flush-ms", "20", "--quiet"}, "", listen,
                           absl::StrCat("coordinator-", ++coordinators_));
    if (!c.ok()) return c.status();
    coordinator_ = *std::move(c);
    return absl::OkStatus();
  }

  absl::Status StartAgent(int seat) {
    agents_[seat].reset();
    absl::StatusOr<std::unique_ptr<Process>> agent =
        service_test::StartAgent(dir_, absl::StrCat("agent-", seat, "-", ++agent_runs_),
                                 {"--coordinator", coordinator_->address(), "--game", "chaos",
                                  "--seat", std::to_string(seat), "--state-file",
                                  (dir_ / absl::StrCat("agent-", seat, ".state")).string(),
                                  "--max-retry-seconds", "600", "--quiet"});
    if (!agent.ok()) return agent.status();
    agents_[seat] = *std::move(agent);
    return absl::OkStatus();
  }

  // The game's round, asking whichever coordinator is up (-1 while none answers).
  int64_t Round() {
    absl::StatusOr<v1::GameInfo> info = coordinator_->GetGame("chaos");
    return info.ok() ? info->round() : -1;
  }

  Coordinator& coordinator() { return *coordinator_; }
  std::unique_ptr<Process>& agent(int seat) { return agents_[seat]; }
  int port() const { return std::atoi(coordinator_->address().substr(10).c_str()); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<Process> agents_[kPlayers];
  int coordinators_ = 0;
  int agent_runs_ = 0;
};

TEST(Chaos, AGameThroughKillsResetsCrashesAndDrainsWritesSimulatesRecord) {
  NASHNET_REQUIRE_BINARIES();
  const Schedule schedule = ChosenSchedule();
  TestDir dir;
  const v1::RunSpec spec = ChaosSpec(schedule.rounds);
  const std::string expected = SimulatedRounds(spec, dir.path());

  Chaos chaos(dir.path());
  ASSERT_TRUE(chaos.StartCoordinator("127.0.0.1:0").ok());
  const std::string address = chaos.coordinator().address();
  ASSERT_TRUE(chaos.coordinator().CreateGame(spec, "chaos").ok());
  for (int seat = 0; seat < kPlayers; ++seat) ASSERT_TRUE(chaos.StartAgent(seat).ok());

  // The faults, shuffled with a fixed seed; one every `every` rounds of progress.
  enum Fault { kAgentKill, kReset, kCoordinatorKill, kDrain };
  std::vector<Fault> faults;
  faults.insert(faults.end(), schedule.agent_kills, kAgentKill);
  faults.insert(faults.end(), schedule.resets, kReset);
  faults.insert(faults.end(), schedule.coordinator_kills, kCoordinatorKill);
  faults.insert(faults.end(), schedule.drains, kDrain);
  std::mt19937 rng(2024);
  std::shuffle(faults.begin(), faults.end(), rng);
  ASSERT_LT(static_cast<int64_t>(faults.size()) * schedule.every, schedule.rounds)
      << "the schedule does not fit in the game";

  int done[4] = {0, 0, 0, 0};
  int64_t next = schedule.every;
  const auto start = std::chrono::steady_clock::now();
  for (Fault fault : faults) {
    ASSERT_TRUE(WaitUntil([&] { return chaos.Round() >= next; }, milliseconds(240000)))
        << "stuck before round " << next << " (at " << chaos.Round() << ")\n"
        << chaos.coordinator().process().Describe();
    next += schedule.every;
    switch (fault) {
      case kAgentKill: {
        const int seat = static_cast<int>(rng() % kPlayers);
        ASSERT_TRUE(chaos.agent(seat)->process().Signal(SIGKILL).ok());
        ASSERT_TRUE(chaos.agent(seat)->process().Wait(kStartTimeout).ok());
        ASSERT_TRUE(chaos.StartAgent(seat).ok());
        break;
      }
      case kReset:
        ASSERT_TRUE(ResetConnections(chaos.port()).ok());
        break;
      case kCoordinatorKill:
        ASSERT_TRUE(chaos.coordinator().process().process().Signal(SIGKILL).ok());
        ASSERT_TRUE(chaos.coordinator().process().process().Wait(kStartTimeout).ok());
        ASSERT_TRUE(chaos.StartCoordinator(address).ok()) << "restart on " << address;
        break;
      case kDrain: {
        ASSERT_TRUE(chaos.coordinator().process().process().Signal(SIGTERM).ok());
        absl::StatusOr<ExitStatus> exit = chaos.coordinator().process().process().Wait(seconds(30));
        ASSERT_TRUE(exit.ok() && exit->ok()) << chaos.coordinator().process().Describe();
        const nlohmann::json drained = ReadJson(dir.path() / "chaos" / "summary.json");
        EXPECT_EQ(drained["status"], "drained");
        ASSERT_TRUE(chaos.StartCoordinator(address).ok()) << "restart on " << address;
        break;
      }
    }
    ++done[fault];
  }
  // Play out; every agent ends with the game (exit 0).
  for (int seat = 0; seat < kPlayers; ++seat) {
    absl::StatusOr<ExitStatus> exit = chaos.agent(seat)->process().Wait(milliseconds(600000));
    ASSERT_TRUE(exit.ok()) << exit.status() << "\n" << chaos.agent(seat)->Describe();
    EXPECT_TRUE(exit->ok()) << chaos.agent(seat)->Describe();
  }
  absl::StatusOr<v1::GameInfo> info = chaos.coordinator().WaitForGame("chaos", IsOver);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_COMPLETED);
  const double seconds_taken =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The whole point: the record is simulate's, byte for byte.
  EXPECT_EQ(ReadFile(dir.path() / "chaos" / "rounds.csv"), expected);
  const nlohmann::json summary = ReadJson(dir.path() / "chaos" / "summary.json");
  EXPECT_EQ(summary["status"], "completed");
  int64_t resumes = 0;
  for (const auto& player : summary["players"]) resumes += player["resumes"].get<int64_t>();
  EXPECT_GE(resumes, schedule.agent_kills);  // every killed agent came back through its token
  RecordProperty("agent_kills", done[kAgentKill]);
  RecordProperty("resets", done[kReset]);
  RecordProperty("coordinator_kills", done[kCoordinatorKill]);
  RecordProperty("drains", done[kDrain]);
  RecordProperty("resumes", static_cast<int>(resumes));
  RecordProperty("seconds", static_cast<int>(seconds_taken));
  std::cerr << "chaos: " << schedule.rounds << " rounds, " << done[kAgentKill] << " agent kills, "
            << done[kReset] << " connection resets, " << done[kCoordinatorKill]
            << " coordinator kills, " << done[kDrain] << " drains, " << resumes << " resumes, "
            << seconds_taken << " s; rounds.csv equals simulate's: "
            << (ReadFile(dir.path() / "chaos" / "rounds.csv") == expected ? "yes" : "NO") << "\n";
}

}  // namespace
}  // namespace nashnet::service_test

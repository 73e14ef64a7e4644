// A drain (SIGTERM of a real nashnet-coordinator) racing CreateGame calls: threads create games
// as fast as the coordinator answers when the signal arrives, and one game is running. Every call
// ends either OK — and then that game's folder holds spec.yaml, its journal and a summary saying
// "drained", and a coordinator restarted on the same --records-dir lists it, resumed — or refused
// UNAVAILABLE "shutting down" with no folder left, or failed in transport once the server was
// gone. No folder is left half made: every folder on disk is a whole game, whoever created it.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr int kThreads = 8;
constexpr int kCreatedBeforeSignal = 40;

struct Outcome {
  std::string id;
  absl::Status status;
};

// Every game the coordinator lists (all pages).
absl::StatusOr<std::map<std::string, v1::GameInfo>> ListAll(Coordinator& coordinator) {
  std::map<std::string, v1::GameInfo> games;
  v1::ListGamesRequest request;
  request.set_page_size(1000);
  do {
    v1::ListGamesResponse response;
    const grpc::Status status =
        coordinator.stub().ListGames(coordinator.Context().get(), request, &response);
    if (!status.ok()) return ToAbsl(status);
    for (const v1::GameInfo& info : response.games()) games[info.game_id()] = info;
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return games;
}

// A game waiting for its two agents.
v1::RunSpec RaceSpec(int i) { return MakeSpec("prisoners_dilemma", 1000, i + 1); }

TEST(DrainRace, EveryCreateRacingSigtermIsEitherAResumableGameOrARefusalWithNoFolder) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  const std::filesystem::path& records = dir.path();  // the harness's --records-dir
  absl::StatusOr<std::unique_ptr<Coordinator>> started = Coordinator::Start(records);
  ASSERT_TRUE(started.ok()) << started.status();
  Coordinator& coordinator = **started;

  // One game running when the drain comes: a local seat against the test's stream, which joins
  // and never acts (the round waits for it).
  v1::RunSpec running_spec = MakeSpec("prisoners_dilemma", 1000, 99);
  running_spec.mutable_service()->add_local_seats(0);
  ASSERT_TRUE(coordinator.CreateGame(running_spec, "running").ok());
  PlayStream player(coordinator, seconds(120));
  ASSERT_TRUE(player.SendJoin(MakeJoin("running", 1)));
  ASSERT_TRUE(coordinator
                  .WaitForGame("running",
                               [](const v1::GameInfo& info) {
                                 return info.status() == v1::GAME_STATUS_RUNNING;
                               })
                  .ok());

  std::mutex mutex;
  std::vector<Outcome> outcomes;  // guarded by mutex
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread its own stub on the test's channel: calls are in flight concurrently.
      auto stub = v1::Coordinator::NewStub(coordinator.channel());
      for (int i = 0; i < 5000; ++i) {
        v1::CreateGameRequest request;
        *request.mutable_spec() = RaceSpec(i);
        request.set_game_id(absl::StrCat("t", t, "-", i));
        v1::CreateGameResponse response;
        const absl::Status status =
            ToAbsl(stub->CreateGame(coordinator.Context().get(), request, &response));
        if (status.ok()) ++created;
        std::lock_guard<std::mutex> lock(mutex);
        outcomes.push_back({request.game_id(), status});
        if (!status.ok()) return;  // refused: the drain has begun (or the server is gone)
      }
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return created >= kCreatedBeforeSignal; }, seconds(60)))
      << created << " games created";
  ASSERT_TRUE(coordinator.process().process().Signal(SIGTERM).ok());
  for (std::thread& t : threads) t.join();
  absl::StatusOr<ExitStatus> exit = coordinator.process().process().Wait(seconds(60));
  ASSERT_TRUE(exit.ok()) << exit.status() << "\n" << coordinator.process().Describe();
  EXPECT_TRUE(exit->ok()) << coordinator.process().Describe();
  // The running game's agent was told to come back later.
  const grpc::Status ended = player.Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();

  std::set<std::string> accepted = {"running"};
  std::set<std::string> refused;    // the drain named: nothing may be on disk
  std::set<std::string> transport;  // the server was gone or going: undecidable for the client
  for (const Outcome& o : outcomes) {
    SCOPED_TRACE(o.id);
    if (o.status.ok()) {
      accepted.insert(o.id);
    } else if (o.status.code() == absl::StatusCode::kUnavailable &&
               absl::StrContains(o.status.message(), "shutting down")) {
      refused.insert(o.id);
    } else {
      // Only a call the shutdown cut (CANCELLED) or one that found no server (UNAVAILABLE).
      EXPECT_TRUE(o.status.code() == absl::StatusCode::kUnavailable ||
                  o.status.code() == absl::StatusCode::kCancelled)
          << o.status;
      transport.insert(o.id);
    }
  }
  EXPECT_GE(accepted.size(), static_cast<size_t>(kCreatedBeforeSignal));
  EXPECT_FALSE(refused.empty()) << "no create met the drain (" << transport.size()
                                << " transport failures): the race was not exercised";

  // Every folder is a whole game: spec.yaml and its journal. Refused creates left none.
  std::set<std::string> folders;
  std::set<std::string> drained;
  std::set<std::string> completed;
  for (const auto& entry : std::filesystem::directory_iterator(records)) {
    if (!entry.is_directory()) continue;
    const std::string id = entry.path().filename().string();
    folders.insert(id);
    EXPECT_TRUE(std::filesystem::exists(entry.path() / "spec.yaml")) << id;
    EXPECT_TRUE(std::filesystem::exists(entry.path() / "journal")) << id;
    // Drained, hence resumable (a drain that met it before its start too), or completed.
    const nlohmann::json status = ReadJson(entry.path() / "summary.json")["status"];
    EXPECT_TRUE(status == "drained" || status == "completed") << id << ": " << status;
    (status == "drained" ? drained : completed).insert(id);
    EXPECT_EQ(refused.count(id), 0u) << id << ": refused, yet its folder exists";
  }
  for (const std::string& id : accepted) EXPECT_EQ(folders.count(id), 1u) << id << ": no folder";
  for (const std::string& id : folders) {
    EXPECT_TRUE(accepted.count(id) > 0 || transport.count(id) > 0)
        << id << ": a folder for a game no call created";
  }
  std::cerr << "drain race: " << accepted.size() << " created, " << refused.size()
            << " refused naming the drain, " << transport.size() << " cut in transport, "
            << folders.size() << " folders (" << drained.size() << " drained, " << completed.size()
            << " completed)\n";

  // Every game was met by the drain before its end, the running one too.
  EXPECT_TRUE(completed.empty());
  EXPECT_EQ(drained.count("running"), 1u);

  // A coordinator restarted on the same records lists every drained game, resumed: waiting for
  // its agents again (or running on).
  absl::StatusOr<std::unique_ptr<Coordinator>> next =
      Coordinator::Start(records, {}, "", "127.0.0.1:0", "coordinator-2");
  ASSERT_TRUE(next.ok()) << next.status();
  absl::StatusOr<std::map<std::string, v1::GameInfo>> listed = ListAll(**next);
  ASSERT_TRUE(listed.ok()) << listed.status();
  for (const std::string& id : drained) {
    SCOPED_TRACE(id);
    auto it = listed->find(id);
    ASSERT_NE(it, listed->end()) << "not listed after the restart";
    const v1::GameStatus status = it->second.status();
    EXPECT_TRUE(status == v1::GAME_STATUS_WAITING || status == v1::GAME_STATUS_RUNNING)
        << it->second.ShortDebugString();
  }
  ASSERT_TRUE((*next)->process().process().Signal(SIGTERM).ok());
  absl::StatusOr<ExitStatus> next_exit = (*next)->process().process().Wait(seconds(60));
  ASSERT_TRUE(next_exit.ok()) << next_exit.status() << "\n" << (*next)->process().Describe();
  EXPECT_TRUE(next_exit->ok()) << (*next)->process().Describe();
}

}  // namespace
}  // namespace nashnet::service_test

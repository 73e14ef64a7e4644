// File descriptors and the real nashnet-coordinator: a waiting game keeps no file open, and a
// coordinator out of descriptors (its RLIMIT_NOFILE lowered under it with prlimit(2)) refuses new
// connections, games and streams clearly while the game already running and the admin calls on
// an existing connection go on — and takes new work again once descriptors are free.
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "service_harness.h"

namespace nashnet::service_test {
namespace {

// The descriptors process `pid` holds, as what they point at (files, sockets, pipes).
std::vector<std::string> OpenFiles(pid_t pid) {
  std::vector<std::string> targets;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/fd"), error)) {
    std::error_code ignored;
    targets.push_back(std::filesystem::read_symlink(entry.path(), ignored).string());
  }
  return targets;
}

// A game with one remote seat that waits for its agent.
v1::RunSpec WaitingSpec() {
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 1000);
  spec.mutable_service()->add_local_seats(0);
  return spec;
}

TEST(FdLimits, WaitingGamesKeepNoFileOpen) {
  if (!std::filesystem::exists(BinDir() / "nashnet-coordinator")) GTEST_SKIP();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  const pid_t pid = c.process().process().pid();
  ASSERT_TRUE(c.CreateGame(WaitingSpec(), "g0").ok());  // the first connection and game
  const size_t before = OpenFiles(pid).size();
  constexpr int kGames = 200;
  for (int k = 1; k <= kGames; ++k) {
    absl::StatusOr<std::string> id = c.CreateGame(WaitingSpec(), absl::StrCat("g", k));
    ASSERT_TRUE(id.ok()) << id.status();
  }
  const std::vector<std::string> after = OpenFiles(pid);
  // Not one descriptor per game: none on a game's record folder at all.
  for (const std::string& target : after) {
    EXPECT_FALSE(absl::StartsWith(target, (dir.path() / "g").string())) << "open: " << target;
  }
  EXPECT_LE(after.size(), before + 2) << kGames << " games created";
}

TEST(FdLimits, OutOfDescriptorsRefusesNewWorkAndKeepsServing) {
  if (!std::filesystem::exists(BinDir() / "nashnet-agent")) GTEST_SKIP();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Start(dir.path(), {"--fd-reserve", "16"});
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  const pid_t pid = c.process().process().pid();

  // The bystander: a long game against a real agent, running before descriptors run out.
  v1::RunSpec busy = MakeSpec("rock_paper_scissors", 50'000'000);
  busy.set_record_every(100'000);
  busy.mutable_service()->add_local_seats(0);
  ASSERT_TRUE(c.CreateGame(busy, "busy").ok());
  absl::StatusOr<std::unique_ptr<Process>> agent = StartAgent(
      dir.path(), "busy-agent", {"--coordinator", c.address(), "--game", "busy", "--seat", "1"});
  ASSERT_TRUE(agent.ok()) << agent.status();
  absl::StatusOr<v1::GameInfo> running = c.WaitForGame(
      "busy", [](const v1::GameInfo& info) { return info.round() > 0; }, kStartTimeout);
  ASSERT_TRUE(running.ok()) << running.status() << "\n" << (*agent)->Describe();

  // Room for about 10 more descriptors before the reserve (16) is reached.
  const int open = static_cast<int>(OpenFiles(pid).size());
  rlimit limit{};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &limit), 0);
  limit.rlim_cur = static_cast<rlim_t>(open + 26);
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &limit, nullptr), 0) << std::strerror(errno);

  // New connections (one descriptor each) until the coordinator refuses one.
  std::vector<std::shared_ptr<grpc::Channel>> held;
  grpc::Status refused;
  for (int k = 0; k < 100 && refused.ok(); ++k) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(c.address(), grpc::InsecureChannelCredentials(), args);
    v1::GetGameRequest request;
    request.set_game_id("busy");
    v1::GameInfo info;
    refused = v1::Coordinator::NewStub(channel)->GetGame(c.Context().get(), request, &info);
    held.push_back(channel);
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << held.size() << " connections: " << refused.error_message();
  EXPECT_GT(held.size(), 1u);
  absl::StatusOr<std::string> logged =
      c.process().WaitForStderrLine("refused a connection: out of file descriptors", seconds(5));
  EXPECT_TRUE(logged.ok()) << logged.status();
  // The refusal came at the edge (open + reserve >= limit, counting the refused connection's own
  // descriptor, which is closed right after; a record write's transient one can tip it too). Move
  // well past the edge so the checks below do not depend on it: 8 descriptors free, half the
  // reserve, enough for the running game's writes.
  rlimit tight = limit;
  tight.rlim_cur = static_cast<rlim_t>(OpenFiles(pid).size() + 8);
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &tight, nullptr), 0) << std::strerror(errno);

  // On the existing connection: a new game is refused, naming descriptors...
  absl::StatusOr<std::string> refused_game = c.CreateGame(WaitingSpec(), "late");
  EXPECT_EQ(refused_game.status().code(), absl::StatusCode::kResourceExhausted)
      << refused_game.status();
  EXPECT_TRUE(
      absl::StrContains(refused_game.status().message(), "CreateGame: out of file descriptors"))
      << refused_game.status();
  // ... while a Play stream on it is served (it costs no descriptor: the game answers) ...
  {
    PlayStream play(c, seconds(10));
    play.SendJoin(MakeJoin("busy", 1));
    const grpc::Status status = play.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
    EXPECT_EQ(status.error_message(), "join.seat: seat 1 of game busy is taken");
  }
  // ... admin calls are answered and the running game goes on.
  v1::ListGamesResponse list;
  const grpc::Status listed = c.stub().ListGames(c.Context().get(), {}, &list);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(list.games_size(), 1);
  absl::StatusOr<v1::GameInfo> advanced = c.WaitForGame(
      "busy", [&](const v1::GameInfo& info) { return info.round() > running->round() + 200; },
      seconds(20));
  ASSERT_TRUE(advanced.ok()) << advanced.status() << "\n" << (*agent)->Describe();
  EXPECT_EQ(advanced->status(), v1::GAME_STATUS_RUNNING);

  // Descriptors free again: new connections and games are taken.
  held.clear();
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &limit, nullptr), 0) << std::strerror(errno);
  absl::StatusOr<std::string> created;
  EXPECT_TRUE(WaitUntil(
      [&] {
        created = c.CreateGame(WaitingSpec(), "after");
        return created.ok();
      },
      seconds(10)))
      << created.status();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  v1::GameInfo info;
  v1::GetGameRequest request;
  request.set_game_id("after");
  const grpc::Status fresh =
      v1::Coordinator::NewStub(
          grpc::CreateCustomChannel(c.address(), grpc::InsecureChannelCredentials(), args))
          ->GetGame(c.Context().get(), request, &info);
  EXPECT_TRUE(fresh.ok()) << fresh.error_message();
  EXPECT_EQ(info.game_id(), "after");
}

}  // namespace
}  // namespace nashnet::service_test

// A coordinator never opens a client's path: CreateGame with a game named by path and no .nfg text
// is INVALID_ARGUMENT (even when such a file sits in its working folder), and a game that carries
// its text is hosted and recorded with it. Real nashnet-coordinator process, real gRPC.
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

constexpr char kPd[] = "NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 10 0 0 10 1 1\n";

TEST(GameFileRpc, APathWithoutTheTextIsRefusedAndNoFileIsOpened) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  // The coordinator works in `dir`: a file it could open is right there.
  std::ofstream(dir.path() / "pd.nfg") << kPd;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  for (const std::string& name : {std::string("pd.nfg"), (dir.path() / "pd.nfg").string(),
                                  std::string("../../etc/passwd"), std::string("games/x")}) {
    SCOPED_TRACE(name);
    const absl::StatusOr<std::string> created = c.CreateGame(MakeSpec(name, 10));
    EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(created.status().message(),
                                 "game.nfg: missing: a game file travels with the spec; "
                                 "`nashnet create`/`run` read it for you"))
        << created.status();
  }
  // Bad text: the reader's position under the field's name.
  v1::RunSpec bad = MakeSpec("pd.nfg", 10);
  bad.mutable_game()->set_nfg("NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 x 0 0 10 1 1\n");
  const absl::StatusOr<std::string> refused = c.CreateGame(bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "game.nfg:2:5: ")) << refused.status();
  // No game was made by any of these.
  absl::StatusOr<v1::GameInfo> none = c.GetGame("g1");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound) << none.status();
}

TEST(GameFileRpc, AGameCarryingItsTextIsHostedAndRecordedWithIt) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  Coordinator& c = **coordinator;
  v1::RunSpec spec = MakeSpec("pd.nfg", 50, /*seed=*/3);
  spec.mutable_game()->set_nfg(kPd);
  spec.mutable_service()->add_local_seats(0);  // the coordinator plays both seats itself
  spec.mutable_service()->add_local_seats(1);
  const absl::StatusOr<std::string> id = c.CreateGame(spec, "pd");
  ASSERT_TRUE(id.ok()) << id.status() << "\n" << c.process().Describe();
  absl::StatusOr<v1::GameInfo> info = c.WaitForGame("pd", IsOver);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_COMPLETED) << info->message();
  EXPECT_EQ(info->spec().game().name(), "pd.nfg");
  EXPECT_EQ(info->spec().game().nfg(), kPd);
  // A listing names the game but leaves its text out (a page of games carrying 16 MiB each
  // would not fit a message); GetGame above has it.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::ListGamesResponse list;
  const grpc::Status listed = c.stub().ListGames(&context, v1::ListGamesRequest(), &list);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(list.games_size(), 1);
  EXPECT_EQ(list.games(0).spec().game().name(), "pd.nfg");
  EXPECT_EQ(list.games(0).spec().game().nfg(), "");
  const std::string record = ReadFile(dir.path() / "pd" / "spec.yaml");
  EXPECT_NE(record.find("  name: \"pd.nfg\"\n  nfg: |2\n    NFG 1 R \"PD\""), std::string::npos)
      << record;
}

}  // namespace
}  // namespace nashnet::service_test

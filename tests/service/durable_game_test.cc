// Durable games, in process: a hosted game's journal rebuilds it after a crash at any write, a
// drain leaves it resumable, agents come back with their learners (history replay, resets), lost
// feedback is replayed, and write errors fail the game at once. Every game is checked against
// `nashnet simulate` of the same spec and seed: rounds.csv byte for byte.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/journal/journal_file.h"
#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "server/service/hosted_game.h"
#include "tests/service/hosted_game_fixture.h"
#include "tests/service/test_agent.h"
#include "tests/test_files.h"

namespace nashnet::server {
namespace {

using std::chrono::milliseconds;
using test::FakeStream;
using test::TestAgent;
using ::testing::HasSubstr;

constexpr int64_t kRounds = 40;
// Hedge agents with noisy feedback on a 2x2 game: every round's noise and every draw matter.
constexpr char kSpec[] = R"(
game: stag_hunt
learner: {algorithm: hedge, params: {gamma0: 0.3, beta: 0.6}}
feedback: {model: noisy, sigma: 0.5}
rounds: 40
seed: 11
record_every: 3
service: {round_deadline_ms: 3600000}
)";

// simulate's rounds.csv for kSpec.
std::string SimulatedRounds(const std::string& yaml) {
  nashnet::test::TempDir dir;
  auto spec = ParseRunSpecYaml(yaml);
  auto plan = PlanRun(*spec, ".");
  EXPECT_TRUE(plan.ok()) << plan.status();
  auto record = RunRecord::Create(dir.path() / "sim", plan->spec);
  EXPECT_TRUE(record.ok()) << record.status();
  auto rounds = record->OpenRounds(plan->match.seed, plan->game);
  auto summary = Simulate(*plan, plan->match.seed, rounds->get(), {});
  EXPECT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(record->CommitSeed(plan->match.seed, rounds->get(), *summary).ok());
  return nashnet::test::ReadFile(dir.path() / "sim" / "rounds.csv");
}

// A RecordEnv that dies at its `crash_at`-th operation: the data of that write is cut in half
// (a process killed mid-write), and nothing after it reaches the disk (the process is gone; the
// game object lives on in memory, which a real crash would not, but nothing it does is seen).
// With `fail`, the operation fails with ENOSPC instead and so does every later one.
class FaultEnv final : public RecordEnv {
 public:
  explicit FaultEnv(int64_t crash_at, bool fail = false) : crash_at_(crash_at), fail_(fail) {}

  absl::Status Append(const std::filesystem::path& path, std::string_view data, bool sync,
                      int mode) override {
    switch (Next()) {
      case Fate::kLive:
        return real_->Append(path, data, sync, mode);
      case Fate::kDying:
        if (fail_) return Full(path);
        return real_->Append(path, data.substr(0, data.size() / 2), false, mode);
      case Fate::kDead:
        return fail_ ? Full(path) : absl::OkStatus();
    }
    return absl::OkStatus();
  }
  absl::Status WriteAtomically(const std::filesystem::path& path, std::string_view text,
                               int mode) override {
    switch (Next()) {
      case Fate::kLive:
        return real_->WriteAtomically(path, text, mode);
      case Fate::kDying:
      case Fate::kDead:
        return fail_ ? Full(path) : absl::OkStatus();  // the rename never happened
    }
    return absl::OkStatus();
  }
  absl::Status Truncate(const std::filesystem::path& path, int64_t size) override {
    return Next() == Fate::kLive ? real_->Truncate(path, size) : absl::OkStatus();
  }
  absl::StatusOr<std::string> Read(const std::filesystem::path& path) override {
    return real_->Read(path);
  }
  int64_t operations() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  enum class Fate { kLive, kDying, kDead };
  Fate Next() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++count_;
    if (count_ < crash_at_) return Fate::kLive;
    return count_ == crash_at_ ? Fate::kDying : Fate::kDead;
  }
  static absl::Status Full(const std::filesystem::path& path) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot write ", path.string(), ": No space left on device"));
  }

  RecordEnv* real_ = RecordEnv::Default();
  const int64_t crash_at_;
  const bool fail_;
  std::mutex mutex_;
  int64_t count_ = 0;
};

class DurableGameTest : public test::HostedGameFixture {
 protected:
  // Plays until `rounds` rounds are resolved or the game is over; every `flush_every` rounds the
  // fake clock moves 1 ms (the journal's flush period) so that batches reach the disk.
  void PlayUntil(int64_t rounds, std::vector<TestAgent*> agents, int64_t flush_every = 4) {
    for (int step = 0; step < 100000; ++step) {
      int64_t played = 0;
      OnStrand([&] { played = game_->rounds_played(); });
      if (played >= rounds || over_count_ > 0) return;
      for (TestAgent* agent : agents) ASSERT_TRUE(agent->Pump());
      if (flush_every > 0 && step % flush_every == 0) Advance(milliseconds(1));
    }
    FAIL() << "the game did not reach round " << rounds;
  }
  void PlayToEnd(std::vector<TestAgent*> agents) {
    PlayUntil(kRounds + 1, agents);
    Settle();
    for (TestAgent* agent : agents) ASSERT_TRUE(agent->Pump());
    ASSERT_EQ(over_count_, 1);
  }
  std::string Rounds() { return nashnet::test::ReadFile(dir() / "rounds.csv"); }
};

TEST_F(DurableGameTest, AnUndisturbedHostedGameWritesSimulatesRecordAndItsJournal) {
  Create(kSpec);
  TestAgent a(this, 0), b(this, 1);
  ASSERT_TRUE(a.Join().ok());
  ASSERT_TRUE(b.Join().ok());
  PlayToEnd({&a, &b});
  EXPECT_EQ(Rounds(), SimulatedRounds(kSpec));
  // The journal: a header, one record per round, the end.
  auto reader = JournalReader::Open(dir() / kJournalFileName);
  ASSERT_TRUE(reader.ok());
  v1::JournalRecord record;
  int rounds = 0, ends = 0;
  while (reader->Next(&record)) {
    rounds += record.has_round();
    ends += record.has_end();
  }
  EXPECT_FALSE(reader->torn());
  EXPECT_EQ(rounds, kRounds);
  EXPECT_EQ(ends, 1);
  const std::string summary = nashnet::test::ReadFile(dir() / "summary.json");
  EXPECT_THAT(summary, HasSubstr("\"status\": \"completed\""));
  // Secrets stay out of the record's readable files.
  EXPECT_TRUE(std::filesystem::exists(dir() / ".secrets.json"));
  EXPECT_EQ(std::filesystem::status(dir() / ".secrets.json").permissions() &
                std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST_F(DurableGameTest, ACrashedGameRecoversFromItsJournalAndAgentsAheadRollBack) {
  Create(kSpec);
  TestAgent a(this, 0), b(this, 1);
  ASSERT_TRUE(a.Join().ok());
  ASSERT_TRUE(b.Join().ok());
  PlayUntil(12, {&a, &b}, /*flush_every=*/4);
  // Rounds after the last flush are only in memory: the agents are ahead of the journal.
  PlayUntil(17, {&a, &b}, /*flush_every=*/0);
  Crash();
  a.Drop();
  b.Drop();
  ASSERT_TRUE(Recover(kSpec).ok());
  const v1::GameInfo info = Info();
  EXPECT_EQ(info.status(), v1::GAME_STATUS_WAITING);
  EXPECT_LT(info.round(), 17);  // the last rounds never reached the disk
  EXPECT_GT(info.round(), 0);   // the flushed ones did
  // a comes back as a new process (no learner), b with its learner (ahead: reset and replay).
  ASSERT_TRUE(a.Resume(/*fresh_process=*/true).ok());
  ASSERT_TRUE(b.Resume(/*fresh_process=*/false).ok());
  ASSERT_TRUE(a.Pump());
  ASSERT_TRUE(b.Pump());
  EXPECT_EQ(a.replayed(), info.round());
  EXPECT_EQ(b.resets(), 1);
  PlayToEnd({&a, &b});
  EXPECT_EQ(Rounds(), SimulatedRounds(kSpec));
  const v1::GameInfo end = Info();
  EXPECT_EQ(end.status(), v1::GAME_STATUS_COMPLETED);
  EXPECT_EQ(end.seats(0).resumes(), 1);
  EXPECT_EQ(end.seats(1).resumes(), 1);
}

TEST_F(DurableGameTest, ACrashAtEveryWriteRecoversToSimulatesRecord) {
  // Count the record's writes of a whole game first.
  int64_t writes = 0;
  {
    FaultEnv counting(/*crash_at=*/1 << 30);
    env_ = &counting;
    Create(kSpec);
    TestAgent a(this, 0), b(this, 1);
    ASSERT_TRUE(a.Join().ok());
    ASSERT_TRUE(b.Join().ok());
    PlayToEnd({&a, &b});
    writes = counting.operations();
    game_.reset();
  }
  ASSERT_GT(writes, 10);
  const std::string expected = SimulatedRounds(kSpec);
  // Creation writes spec.yaml, the secrets, the journal's header and rounds.csv's header: a crash
  // there fails the create itself (tested below). Every later write is a crash point.
  for (int64_t crash_at = 5; crash_at <= writes; ++crash_at) {
    SCOPED_TRACE(absl::StrCat("crash at write ", crash_at, " of ", writes));
    std::filesystem::remove_all(dir());
    over_count_ = 0;
    FaultEnv dying(crash_at);
    env_ = &dying;
    Create(kSpec);
    TestAgent a(this, 0), b(this, 1);
    ASSERT_TRUE(a.Join().ok());
    ASSERT_TRUE(b.Join().ok());
    PlayToEnd({&a, &b});
    Crash();
    env_ = RecordEnv::Default();
    a.Drop();
    b.Drop();
    over_count_ = 0;
    ASSERT_TRUE(Recover(kSpec).ok());
    if (over_count_ == 0) {  // unfinished: the agents resume (new processes) and play it out
      ASSERT_TRUE(a.Resume(true).ok());
      ASSERT_TRUE(b.Resume(true).ok());
      PlayToEnd({&a, &b});
    }
    ASSERT_EQ(Rounds(), expected);
    EXPECT_THAT(nashnet::test::ReadFile(dir() / "summary.json"),
                HasSubstr("\"status\": \"completed\""));
    game_.reset();
  }
}

TEST_F(DurableGameTest, ADrainLeavesTheGameResumableAndSaysSo) {
  Create(kSpec);
  TestAgent a(this, 0), b(this, 1);
  ASSERT_TRUE(a.Join().ok());
  ASSERT_TRUE(b.Join().ok());
  PlayUntil(15, {&a, &b});
  OnStrand([&] { game_->Drain(nullptr); });
  Settle();
  ASSERT_EQ(over_count_, 1);
  EXPECT_EQ(a.stream()->end_status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(a.stream()->Count(v1::CoordinatorMessage::kGameOver), 0);
  EXPECT_EQ(Info().status(), v1::GAME_STATUS_DRAINED);
  EXPECT_THAT(nashnet::test::ReadFile(dir() / "summary.json"),
              HasSubstr("\"status\": \"drained\""));
  game_.reset();
  over_count_ = 0;
  ASSERT_TRUE(Recover(kSpec).ok());
  EXPECT_EQ(Info().round(), 15);  // a drain syncs every round it played
  ASSERT_TRUE(a.Resume(false).ok());
  ASSERT_TRUE(b.Resume(false).ok());
  ASSERT_TRUE(a.Pump());
  // What a had not read before the drain (round 15's feedback at most) came back as history.
  EXPECT_LE(a.replayed(), 1);
  EXPECT_EQ(a.learner_round(), 15);
  PlayToEnd({&a, &b});
  EXPECT_EQ(Rounds(), SimulatedRounds(kSpec));
}

TEST_F(DurableGameTest, FeedbackLostWithAConnectionIsReplayed) {
  Create(kSpec);
  TestAgent a(this, 0), b(this, 1);
  ASSERT_TRUE(a.Join().ok());
  ASSERT_TRUE(b.Join().ok());
  PlayUntil(9, {&a, &b});
  // a acted for round 10; b acts, the round resolves, and a's connection dies before a reads
  // round 10's feedback.
  ASSERT_TRUE(b.Pump());
  ASSERT_TRUE(a.Pump());
  ASSERT_TRUE(b.Pump());
  const int64_t absorbed = a.learner_round();
  a.Drop();
  PlayUntil(absorbed + 1, {&b});
  ASSERT_TRUE(a.Resume(/*fresh_process=*/false).ok());
  ASSERT_TRUE(a.Pump());
  EXPECT_GE(a.replayed(), 1);  // round 10 (at least) came back as history
  PlayToEnd({&a, &b});
  EXPECT_EQ(Rounds(), SimulatedRounds(kSpec));
}

TEST_F(DurableGameTest, AFullDiskFailsTheGameAtOnceWithTheErrorForEveryone) {
  FaultEnv full(/*crash_at=*/5, /*fail=*/true);
  env_ = &full;
  Create(kSpec);
  TestAgent a(this, 0), b(this, 1);
  ASSERT_TRUE(a.Join().ok());
  ASSERT_TRUE(b.Join().ok());
  PlayUntil(6, {&a, &b});
  ASSERT_EQ(over_count_, 1) << "the game fails at its first write, not at its horizon";
  const v1::GameInfo info = Info();
  EXPECT_EQ(info.status(), v1::GAME_STATUS_FAILED);
  EXPECT_THAT(info.message(), HasSubstr("No space left on device"));
  const v1::CoordinatorMessage* over = a.stream()->Last(v1::CoordinatorMessage::kGameOver);
  ASSERT_NE(over, nullptr);
  EXPECT_EQ(over->game_over().reason(), v1::GAME_OVER_REASON_FAILED);
  EXPECT_THAT(over->game_over().message(), HasSubstr("No space left on device"));
  EXPECT_LT(info.round(), kRounds);
}

TEST_F(DurableGameTest, AFailedCreateLeavesNoFolderBehind) {
  FaultEnv full(/*crash_at=*/2, /*fail=*/true);  // the secrets file cannot be written
  env_ = &full;
  auto game = HostedGame::Create(Config(kSpec));
  EXPECT_EQ(game.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(std::filesystem::exists(dir()));
  env_ = RecordEnv::Default();
  EXPECT_TRUE(HostedGame::Create(Config(kSpec)).ok());  // the same folder, again
}

}  // namespace
}  // namespace nashnet::server

// HostedGame without a network: fake streams stand in for agents and a FakeClock for time, so
// seats, straggler policies, eviction, resumes, journals and recovery are checked message by
// message, with no sleeps. The game's strand is driven from the test thread (OnStrand); the only
// other thread is the disk thread (RecordWriter), which Settle() waits for.
//
//   HostedGameFixture: Create(yaml); Join(&s_[0], 0); Act(&s_[0], 0, 1, 0); Advance(100ms);
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/fake_clock.h"
#include "server/journal/record_env.h"
#include "server/record/run_file.h"
#include "server/service/fake_seat_stream.h"
#include "server/service/hosted_game.h"
#include "server/service/record_writer.h"
#include "server/service/seat_budget.h"

namespace nashnet::server::test {

using FakeStream = FakeSeatStream;

// Members are public: test helpers (test_agent.h) drive the game through them.
class HostedGameFixture : public ::testing::Test {
 public:
  HostedGameFixture() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~HostedGameFixture() override {
    if (game_ != nullptr) {
      OnStrand([&] { game_->Stop(nullptr); });
      Settle();
    }
    game_.reset();
    writer_.Stop();
    work_.reset();
    thread_.join();
    std::error_code ec;
    std::filesystem::remove_all(dir_.parent_path(), ec);
  }

  // The record folder of the test (fresh).
  const std::filesystem::path& dir() {
    if (dir_.empty()) {
      dir_ = std::filesystem::temp_directory_path() /
             ("nashnet_hosted_game_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()) /
             "g1";
      std::filesystem::remove_all(dir_.parent_path());
    }
    return dir_;
  }

  HostedGameConfig Config(const std::string& yaml) {
    auto spec = ParseRunSpecYaml(yaml);
    EXPECT_TRUE(spec.ok()) << spec.status();
    auto plan = PlanRun(*spec, ".");
    EXPECT_TRUE(plan.ok()) << plan.status();
    HostedGameConfig config;
    config.id = "g1";
    config.plan = *std::move(plan);
    config.record_dir = dir();
    config.relative_record_dir = "g1";
    config.io = &io_;
    config.writer = &writer_;
    config.budget = &budget_;
    config.clock = &clock_;
    config.env = env_;
    config.journal.flush = std::chrono::milliseconds(1);
    config.on_over = [this] { ++over_count_; };
    return config;
  }

  // Creates the game from run-file text (one seed).
  void Create(const std::string& yaml) {
    auto game = HostedGame::Create(Config(yaml));
    ASSERT_TRUE(game.ok()) << game.status();
    game_ = *game;
    OnStrand([&] { game_->Begin(); });
  }

  // The game as a restarted coordinator finds it in its folder.
  absl::Status Recover(const std::string& yaml) {
    auto game = HostedGame::Recover(Config(yaml));
    if (!game.ok()) return game.status();
    game_ = *game;
    OnStrand([&] { game_->Begin(); });
    Settle();
    return absl::OkStatus();
  }

  // The coordinator process dies: whatever reached the disk thread is written, nothing else.
  void Crash() {
    Settle();
    game_.reset();  // no Stop, no Drain: the game just stops existing
  }

  // Runs `f` on the game's strand and waits for it.
  void OnStrand(const std::function<void()>& f) {
    std::promise<void> done;
    boost::asio::dispatch(game_->strand(), [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Waits until the disk thread has run everything posted so far and the strand has run what
  // the disk thread handed back.
  void Settle() {
    for (int k = 0; k < 3; ++k) {
      std::promise<void> done;
      writer_.Post([&] { done.set_value(); });
      done.get_future().wait();
      if (game_ != nullptr) OnStrand([] {});
    }
  }

  // Fake time passes (timers fire on the strand).
  void Advance(std::chrono::steady_clock::duration d) {
    OnStrand([&] { clock_.Advance(d); });
    Settle();
  }

  absl::StatusOr<int> Join(FakeStream* stream, int seat, const std::string& token = "",
                           const std::string& resume = "", int64_t learner_round = 0) {
    v1::Join join;
    join.set_game_id("g1");
    if (seat >= 0) join.set_seat(seat);
    join.set_join_token(token);
    join.set_resume_token(resume);
    join.set_learner_round(learner_round);
    absl::StatusOr<int> result;
    OnStrand([&] { result = game_->Join(stream, join); });
    Settle();
    return result;
  }

  void Act(FakeStream* stream, int seat, int64_t round, int index) {
    v1::Action action;
    action.set_round(round);
    action.set_index(index);
    OnStrand([&] { game_->OnAction(seat, stream, action); });
  }

  void Gone(FakeStream* stream, int seat) {
    OnStrand([&] { game_->StreamGone(seat, stream); });
  }

  v1::GameInfo Info() {
    v1::GameInfo info;
    OnStrand([&] { game_->FillInfo(&info); });
    return info;
  }

  // Every History round sent on `stream`, in order.
  static std::vector<v1::HistoryRound> History(const FakeStream& stream) {
    std::vector<v1::HistoryRound> rounds;
    for (const auto& m : stream.messages) {
      if (!m.has_history()) continue;
      for (const auto& r : m.history().rounds()) rounds.push_back(r);
    }
    return rounds;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  RecordWriter writer_;
  SeatBudget budget_{100};
  FakeClock clock_;
  RecordEnv* env_ = RecordEnv::Default();
  std::filesystem::path dir_;
  std::shared_ptr<HostedGame> game_;
  int over_count_ = 0;  // touched on the strand
  FakeStream s_[8];     // the agents' streams; they outlive the game's use of them
};

}  // namespace nashnet::server::test

// TestAgent: an in-process agent for HostedGame tests — a real Learner behind a FakeStream,
// following coordinator.proto's contract (Joined.learner, History replay with one draw per round,
// resend of a pending draw), so that durability tests can compare a game's record with
// `nashnet simulate` byte for byte without processes.
//
//   TestAgent agent(&fixture, /*seat=*/0);
//   agent.Join();             // fresh; agent.Resume() later with its token
//   agent.Pump();             // reads what the game sent, acts
//
// Thread safety: the test thread only (it calls into the game through the fixture's strand).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "agents/learner.h"
#include "agents/wire/wire.h"
#include "tests/service/hosted_game_fixture.h"

namespace nashnet::server::test {

class TestAgent {
 public:
  TestAgent(HostedGameFixture* fixture, int seat) : fixture_(fixture), seat_(seat) {}

  // Joins (seat `seat`), fresh. Returns the Join's status.
  absl::Status Join() { return Connect(/*resume=*/false); }
  // Comes back on a new stream with the token (`fresh_process`: it lost its learner too).
  absl::Status Resume(bool fresh_process) {
    if (fresh_process) {
      learner_.reset();
      learner_round_ = 0;
      pending_ = 0;
    }
    return Connect(/*resume=*/true);
  }
  // The connection dropped (the stream is gone for the game).
  // (After a coordinator crash there is no game to tell.)
  void Drop() {
    if (stream_ != nullptr && !stream_->ended && fixture_->game_ != nullptr) {
      fixture_->Gone(stream_.get(), seat_);
    }
    stream_.reset();
  }

  // Handles every unread message; acts when it should. Returns false on a protocol fault.
  bool Pump() {
    if (stream_ == nullptr) return true;
    while (read_ < stream_->messages.size()) {
      const v1::CoordinatorMessage message = stream_->messages[read_++];
      if (!Handle(message)) return false;
    }
    return true;
  }

  [[nodiscard]] const std::string& token() const { return token_; }
  [[nodiscard]] int64_t learner_round() const { return learner_round_; }
  [[nodiscard]] bool over() const { return over_; }
  [[nodiscard]] FakeStream* stream() { return stream_.get(); }
  [[nodiscard]] int64_t replayed() const { return replayed_; }
  [[nodiscard]] int resets() const { return resets_; }

 private:
  absl::Status Connect(bool resume) {
    stream_ = std::make_unique<FakeStream>();
    read_ = 0;
    return fixture_
        ->Join(stream_.get(), resume ? -1 : seat_, "", resume ? token_ : "",
               learner_ != nullptr ? learner_round_ : 0)
        .status();
  }

  bool Handle(const v1::CoordinatorMessage& message) {
    switch (message.kind_case()) {
      case v1::CoordinatorMessage::kJoined: {
        const v1::Joined& joined = message.joined();
        token_ = joined.resume_token();
        if (learner_ == nullptr || joined.reset()) {
          if (learner_ != nullptr) ++resets_;
          auto view = agents::PlayerViewFromProto(joined.view());
          EXPECT_TRUE(view.ok()) << view.status();
          agents::LearnerParams params;
          for (const auto& [k, v] : joined.learner().params()) params[k] = v;
          auto learner = agents::MakeLearner(joined.learner().algorithm(), params, *view);
          EXPECT_TRUE(learner.ok()) << learner.status();
          learner_ = *std::move(learner);
          learner_round_ = 0;
          pending_ = 0;
        }
        next_ = joined.next_round();
        horizon_ = joined.view().horizon();
        started_ = joined.started();
        replaying_ = joined.replay_from() > 0;
        if (replaying_ && joined.replay_from() != learner_round_ + 1) return false;
        if (!replaying_ && started_) Act(next_);
        return true;
      }
      case v1::CoordinatorMessage::kHistory:
        for (const v1::HistoryRound& round : message.history().rounds()) {
          if (round.round() != learner_round_ + 1) return false;
          Absorb(round.feedback());
          ++replayed_;
        }
        if (message.history().last()) {
          replaying_ = false;
          if (started_) Act(next_);
        }
        return true;
      case v1::CoordinatorMessage::kStart:
        started_ = true;
        if (!replaying_) Act(message.start().round());
        return true;
      case v1::CoordinatorMessage::kFeedback:
        if (message.feedback().round() <= learner_round_) return true;
        if (message.feedback().round() != learner_round_ + 1) return false;
        Absorb(message.feedback());
        Act(message.feedback().round() + 1);
        return true;
      case v1::CoordinatorMessage::kGameOver:
        over_ = true;
        return true;
      case v1::CoordinatorMessage::kError:
        ADD_FAILURE() << "seat " << seat_ << ": " << message.error().message();
        return true;
      default:
        return false;
    }
  }

  void Absorb(const v1::Feedback& feedback) {
    if (pending_ != feedback.round()) {
      (void)learner_->strategy();
      (void)learner_->Act();
    }
    if (!feedback.substituted()) learner_->Update(agents::FeedbackFromProto(feedback));
    learner_round_ = feedback.round();
    pending_ = 0;
  }

  void Act(int64_t round) {
    if (round > fixture_rounds()) return;
    if (round != pending_) {
      const agents::MixedStrategy& strategy = learner_->strategy();
      const agents::Action action = learner_->Act();
      agents::ActionToProto(round, action, &strategy, &action_);
      pending_ = round;
    }
    action_.set_round(round);
    v1::Action copy = action_;
    FakeStream* stream = stream_.get();
    fixture_->OnStrand([&] { fixture_->game_->OnAction(seat_, stream, copy); });
  }

  int64_t fixture_rounds() const { return horizon_ > 0 ? horizon_ : INT64_MAX; }

  HostedGameFixture* fixture_;
  int seat_;
  std::unique_ptr<FakeStream> stream_;
  size_t read_ = 0;
  std::unique_ptr<agents::Learner> learner_;
  std::string token_;
  int64_t learner_round_ = 0;
  int64_t pending_ = 0;
  int64_t next_ = 0;
  int64_t horizon_ = 0;
  bool started_ = false;
  bool replaying_ = false;
  bool over_ = false;
  int64_t replayed_ = 0;
  int resets_ = 0;
  v1::Action action_;
};

}  // namespace nashnet::server::test

// HostedGame's private parts shared by its .cc files: a remote seat's state, the RemoteSeat that
// the round loop drives, and the batch of rounds on its way to disk. Not for other files.
//
// Thread safety: touched on the game's strand only (a Batch is moved to the disk thread whole).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "nashnet/v1/coordinator.pb.h"
#include "server/round_metrics.h"
#include "server/service/hosted_game.h"

namespace nashnet::server {

// One seat as the host sees it. Local seats use only `local` and `learner`.
struct HostedGame::Seat {
  bool local = false;
  int dimension = 0;  // continuous games: d of the action box (0: finite)

  SeatStream* stream = nullptr;  // the connected agent; null = none
  std::string token;             // the seat's resume token (pre-issued, in .secrets.json)
  bool issued = false;           // an agent holds the seat (connected, or away and resumable)
  bool handed_out = false;       // `token` was given to some agent at some point
  std::string agent_name;
  v1::LearnerSpec spec_learner;  // the seat's learner in the spec (what Joined offers)
  v1::LearnerSpec learner;       // what plays the seat: the spec's, or the agent's own
  int64_t learner_round = 0;     // Join.learner_round of the connected agent
  int64_t resumes = 0;
  int64_t rejected = 0;

  // The stream joined while the straggler policy had already played its round: Joined (and any
  // history) go out once that round is resolved.
  bool joined_pending = false;
  int64_t first_feedback_round = 0;  // no Feedback before this round on this stream
  int64_t resend_round = 0;          // a resumed agent resends this round's action: drop it once
  // A resume's replay (Joined.replay_from .. next_round - 1), sent before anything else.
  int64_t replay_from = 0;
  bool reset = false;
  bool history_loading = false;                // read from the journal on the disk thread
  std::deque<v1::CoordinatorMessage> history;  // History messages still to send
};

// The round loop's view of a remote seat: it forwards to the game.
class HostedGame::RemoteSeat final : public server::Seat {
 public:
  RemoteSeat(HostedGame* game, int seat) : game_(game), seat_(seat) {}
  [[nodiscard]] bool BeginRound(int64_t /*round*/, SeatPlay* /*play*/) override { return false; }
  void EndRound(int64_t round, const SeatPlay& play, bool substituted,
                const agents::Feedback& feedback) override {
    game_->SendFeedback(seat_, round, play, substituted, feedback);
  }
  void Lose(SeatLoss why, int64_t missed) override { game_->LoseStream(seat_, why, missed); }

 private:
  HostedGame* game_;
  int seat_;
};

struct HostedGame::Batch {
  std::string journal;             // framed records
  std::vector<RoundMetrics> rows;  // rounds.csv rows
  [[nodiscard]] bool empty() const { return journal.empty() && rows.empty(); }
};

}  // namespace nashnet::server

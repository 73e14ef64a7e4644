// LocalSeat: a seat of a match played by an in-process Learner.
//
// Each round the seat reports the learner's mixed strategy x_i(t), draws a_i(t) ~ x_i(t) with the
// learner's own RNG and submits both to the match; after the match resolves the round, the seat
// hands the learner its feedback. `nashnet simulate` fills every seat this way; the networked
// coordinator uses local seats for built-in opponents.
//
//   LocalSeat seat(0, std::move(learner));
//   NASHNET_RETURN_IF_ERROR(seat.Play(match.get()));    // for every seat
//   match->Resolve(&feedback);
//   seat.Update(feedback[0]);                           // for every seat
//
// Thread safety: none; a seat is driven by its match's thread.
#pragma once

#include <memory>

#include "absl/status/status.h"
#include "agents/learner.h"
#include "server/match.h"

namespace nashnet::server {

class LocalSeat {
 public:
  // `learner` must be non-null and built for ViewFor(player) of the match it plays.
  LocalSeat(int player, std::unique_ptr<agents::Learner> learner);

  // Submits this round's action and strategy (the match's checked entry point, so a learner that
  // misbehaves gets the match's error, naming the player).
  [[nodiscard]] absl::Status Play(Match* match);

  // Gives the learner the feedback of the round just resolved.
  void Update(const agents::Feedback& feedback) { learner_->Update(feedback); }

  [[nodiscard]] int player() const { return player_; }
  [[nodiscard]] const agents::Learner& learner() const { return *learner_; }

 private:
  int player_;
  std::unique_ptr<agents::Learner> learner_;
};

}  // namespace nashnet::server

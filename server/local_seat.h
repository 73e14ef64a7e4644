// LocalSeat: a seat of a match played by an in-process Learner.
//
// Each round the seat reports the learner's mixed strategy x_i(t), draws a_i(t) ~ x_i(t) with the
// learner's own RNG and submits both to the match; after the match resolves the round, the seat
// hands the learner its feedback. `nashnet simulate` fills every seat this way; the networked
// coordinator uses local seats for built-in opponents. A local seat only ever runs nashnet's own
// learners (agents::MakeLearner), so it submits through the match's unchecked fast path
// (Match::SubmitActionUnchecked); input from outside arrives through remote seats and the checked
// Match::SubmitAction.
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
  // `learner` must be non-null, one of nashnet's own (agents::MakeLearner), and built for
  // ViewFor(player) of the match it plays. A learner of unknown origin belongs in a remote seat.
  LocalSeat(int player, std::unique_ptr<agents::Learner> learner);

  // Submits this round's action and strategy through Match::SubmitActionUnchecked: the caller
  // plays each seat once per round of a match that is not over (as server::Simulate does), and
  // nashnet's learners always report a valid action and distribution. Always OK today; the status
  // stays so that a seat with fallible work can report it.
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

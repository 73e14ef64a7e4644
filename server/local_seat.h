// LocalSeat: a seat played by an in-process Learner (the Seat interface, server/seat.h).
//
// Each round the seat reports the learner's mixed strategy x_i(t) and draws a_i(t) ~ x_i(t) with
// the learner's own RNG; after the round is resolved it hands the learner its feedback. `nashnet
// simulate` fills every seat this way; the coordinator uses local seats for built-in opponents. A
// local seat only ever runs nashnet's own learners (agents::MakeLearner), so the round loop
// submits its plays through the match's unchecked fast path (Match::SubmitActionUnchecked); input
// from outside arrives through remote seats and the checked path.
//
// Thread safety: none; a seat is driven by its loop's owner.
#pragma once

#include <memory>

#include "agents/learner.h"
#include "server/seat.h"

namespace nashnet::server {

class LocalSeat final : public Seat {
 public:
  // `learner` must be non-null, one of nashnet's own (agents::MakeLearner), and built for the
  // view of the player it plays. A learner of unknown origin belongs in a remote seat.
  explicit LocalSeat(std::unique_ptr<agents::Learner> learner);

  // Plays at once: play->strategy points at the learner's strategy (valid until EndRound).
  [[nodiscard]] bool BeginRound(int64_t round, SeatPlay* play) override;
  // The learner learns from the round (substituted never happens to a local seat).
  void EndRound(int64_t round, const SeatPlay& play, bool substituted,
                const agents::Feedback& feedback) override;
  // Never called: local seats have no deadlines.
  void Lose(SeatLoss why, int64_t missed) override;

  [[nodiscard]] const agents::Learner& learner() const { return *learner_; }

 private:
  std::unique_ptr<agents::Learner> learner_;
};

}  // namespace nashnet::server

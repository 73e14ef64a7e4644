// Seat: where one player's actions come from, behind one interface — a local seat runs a Learner
// in-process (server/local_seat.h), a remote seat is an agent's gRPC stream
// (server/service/remote_seat.h). The round loop (server/round_loop.h) drives both the same way,
// so `nashnet simulate` and the coordinator play the very same rounds.
//
//   round t:  if (seat.BeginRound(t, &play)) submit(play);      // a local seat plays at once
//             ... a remote seat's action arrives later (RoundLoop::SubmitRemote) ...
//             seat.EndRound(t, played, substituted, feedback);   // after the match resolved t
//
// Thread safety: a seat is driven by its loop's owner (one strand or one thread).
#pragma once

#include <cstdint>

#include "agents/learner.h"

namespace nashnet::server {

// What was played for a seat in one round: the action, and the mixed strategy it was drawn from
// (null when none was reported: the action then stands for the strategy).
struct SeatPlay {
  agents::Action action;
  const agents::MixedStrategy* strategy = nullptr;  // &owned, a local learner's, or null
  agents::MixedStrategy owned;                      // storage for a strategy that came by value

  SeatPlay() = default;
  SeatPlay(const SeatPlay& other) { *this = other; }
  // Copies the action and the strategy itself (so `strategy` never points into `other`).
  SeatPlay& operator=(const SeatPlay& other);
};

// Why a remote seat loses its agent, as the loop decides it.
enum class SeatLoss {
  kMissedDeadlines,  // evict_after deadlines missed in a row
  kNotReading,       // its agent does not read what it is sent (RoundLoop::Evict)
};

class Seat {
 public:
  virtual ~Seat() = default;

  // Round `round` begins. A seat that plays at once (a local learner) fills `play` and returns
  // true; a seat whose action comes later (a remote agent) returns false.
  [[nodiscard]] virtual bool BeginRound(int64_t round, SeatPlay* play) = 0;

  // Round `round` was resolved: `play` is what was played for the seat (`substituted`: the
  // straggler policy chose it), `feedback` what the seat may see of the round.
  virtual void EndRound(int64_t round, const SeatPlay& play, bool substituted,
                        const agents::Feedback& feedback) = 0;

  // The loop takes the seat from its agent (`missed` deadlines in a row). Only remote seats miss
  // deadlines, so only they are ever told.
  virtual void Lose(SeatLoss why, int64_t missed) = 0;
};

}  // namespace nashnet::server

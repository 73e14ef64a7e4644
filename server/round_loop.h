// RoundLoop: the one round loop of nashnet. `nashnet simulate` (all seats local) and the
// coordinator's hosted games (remote seats too) both drive it, so they play the very same rounds:
// with the same spec and seed, the same trajectory, by construction.
//
// One round t:
//   BeginRound   local seats play at once (Seat::BeginRound); remote seats get a deadline
//   ...          remote actions arrive (SubmitRemote, checked); deadlines pass (the straggler
//                policy substitutes, misses are counted, agents are evicted)
//   Resolve      all seats played: the match resolves t (true payoffs, noise, metric trackers);
//                the listener sees the round (journal, record, metrics); every seat gets its
//                feedback (Seat::EndRound)
//
// States are explicit (GameState, SeatState) and change in one place each (TransitionTo,
// MoveSeat), checked against the tables below. Time comes from an injected Clock, so deadline,
// eviction and stall behaviour is tested with a FakeClock.
//
//   auto loop = RoundLoop::Create({.match = std::move(match), .seats = std::move(seats),
//                                  .clock = &clock, .listener = &listener, .options = {...}});
//   (*loop)->TryStart();                    // all remote seats connected (or none): kRunning
//   (*loop)->Advance();                     // resolves every round whose actions are all in
//   ... (*loop)->SubmitRemote(seat, round, action, &strategy); (*loop)->Advance(); ...
//
// Deadlines: a remote seat's action for round t is due `deadline` after the seat was prompted
// (the round's start, or the moment its agent caught up after a resume): only the agent's own
// lateness counts against it. A deadline timer that fires later than `stall_tolerance` means the
// process itself was stalled (a pause, CPU starvation): every pending deadline starts again from
// the end of the stall with what it had left (at least a second, or a whole deadline if shorter),
// so actions that arrived meanwhile are read before anyone is judged.
//
// Thread safety: none; the owner drives a loop from one strand or thread (timers fire there).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/learner.h"
#include "server/clock.h"
#include "server/match.h"
#include "server/seat.h"

namespace nashnet::server {

enum class GameState {
  kWaiting,    // remote seats filling (before round 1, or recovered and waiting for its agents)
  kRunning,    // rounds advance; remote seats have deadlines
  kStopping,   // a stop was asked: the current round gets at most stop_grace, then it ends
  kCompleted,  // the horizon was reached
  kStopped,    // stopped before the horizon (its record is complete up to the rounds played)
  kDrained,    // its process is going away; the game is resumable from its journal
  kFailed,     // could not go on (e.g. its record could not be written)
};
[[nodiscard]] const char* GameStateName(GameState state);
[[nodiscard]] bool IsTerminal(GameState state);
// The transition table: whether `from` may move to `to`.
[[nodiscard]] bool GameTransitionAllowed(GameState from, GameState to);

enum class SeatState {
  kLocal,       // played in-process by a learner, for the whole game
  kOpen,        // remote; no agent holds it (never taken, or freed before the first round)
  kConnected,   // remote; its agent is connected and playing
  kCatchingUp,  // remote; its agent is connected and replaying the seat's history (no deadline)
  kVacant,      // remote; its agent left or was evicted (its resume token takes it back)
};
[[nodiscard]] const char* SeatStateName(SeatState state);
[[nodiscard]] bool SeatTransitionAllowed(SeatState from, SeatState to);

enum class StragglerPolicy {
  kWait,           // the round waits for the agent (misses are still counted)
  kRepeatLast,     // replay the seat's last action (and strategy)
  kDefaultAction,  // play the seat's default action
};

struct RoundLoopOptions {
  StragglerPolicy straggler = StragglerPolicy::kWait;
  // A remote seat's action is due this long after the seat was prompted (> 0).
  std::chrono::milliseconds deadline{10000};
  // Deadlines missed in a row by a connected agent before it loses the seat (>= 1).
  int64_t evict_after = 3;
  // A stop waits at most this long for the current round's stragglers (>= 0).
  std::chrono::milliseconds stop_grace{2000};
  // A deadline timer firing later than this means the process stalled (>= 0).
  std::chrono::milliseconds stall_tolerance{100};
  // Advance() resolves at most this many rounds per call (0 = no limit); the owner calls it again
  // later, so that an all-local game does not hold its thread for the whole horizon.
  int64_t slice_rounds = 0;

  [[nodiscard]] absl::Status Validate() const;
};

// Per remote seat: what the straggler policy's kDefaultAction plays.
struct RemoteSeatDefaults {
  SeatPlay default_play;
};

// What the loop tells its owner. Every call happens on the owner's strand, from inside a loop
// method or timer.
class RoundListener {
 public:
  virtual ~RoundListener() = default;
  // The game moved from kWaiting to kRunning (`first`: round 1 is about to begin, i.e. the first
  // start rather than the continuation of a recovered game).
  virtual void OnRunning(bool first) = 0;
  // Round `round` was resolved; RoundLoop::play/substituted/feedback describe it. Called before
  // the seats get their feedback.
  virtual void OnRoundResolved(int64_t round) = 0;
  // A remote seat missed its deadline in round `round` (counted in SeatStats::missed).
  virtual void OnSeatMissed(int seat, int64_t round) = 0;
  // A remote seat's agent lost the seat (evicted; the seat is now kVacant).
  virtual void OnSeatLost(int seat, SeatLoss why) = 0;
  // The game reached a terminal state (kCompleted, kStopped, kDrained, kFailed).
  virtual void OnEnded(GameState state) = 0;
};

struct SeatStats {
  int64_t missed = 0;       // deadlines missed, in all
  int64_t substituted = 0;  // rounds the straggler policy played
  int64_t evictions = 0;    // times the seat's agent was evicted
};

struct RoundLoopConfig {
  std::unique_ptr<Match> match;
  // One per player, in order; `remote[i]` says which are remote (the others are local and play
  // in BeginRound).
  std::vector<std::unique_ptr<Seat>> seats;
  std::vector<bool> remote;
  // Per seat (remote ones used): the default action's play.
  std::vector<SeatPlay> defaults;
  Clock* clock = nullptr;  // needed with remote seats (timers); may be null otherwise
  RoundListener* listener = nullptr;
  RoundLoopOptions options;
};

class RoundLoop {
 public:
  // InvalidArgument for a config that does not fit (sizes, missing clock for remote seats, ...).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RoundLoop>> Create(RoundLoopConfig config);
  ~RoundLoop();
  RoundLoop(const RoundLoop&) = delete;
  RoundLoop& operator=(const RoundLoop&) = delete;

  [[nodiscard]] GameState state() const { return state_; }
  [[nodiscard]] SeatState seat_state(int seat) const { return slots_[seat].state; }
  [[nodiscard]] int num_seats() const { return static_cast<int>(slots_.size()); }
  [[nodiscard]] int num_remote() const { return num_remote_; }
  // The round being played (1..T), T+1 once the horizon is reached.
  [[nodiscard]] int64_t round() const { return match_->round(); }
  // Rounds resolved so far.
  [[nodiscard]] int64_t rounds_played() const { return match_->round() - 1; }
  [[nodiscard]] const Match& match() const { return *match_; }
  [[nodiscard]] const RoundLoopOptions& options() const { return options_; }
  // Whether round 1 has begun at some point (a recovered game with rounds played has).
  [[nodiscard]] bool ever_started() const { return ever_started_; }

  // During OnRoundResolved: what seat `seat` played, whether the straggler policy chose it, and
  // the feedback the seat gets.
  [[nodiscard]] const SeatPlay& play(int seat) const { return slots_[seat].play; }
  [[nodiscard]] bool substituted(int seat) const { return slots_[seat].substituted; }
  [[nodiscard]] const agents::Feedback& feedback(int seat) const { return feedback_[seat]; }

  [[nodiscard]] bool submitted(int seat) const { return slots_[seat].submitted; }
  [[nodiscard]] const SeatStats& stats(int seat) const { return slots_[seat].stats; }
  // When the seat was prompted for the current round (for response times); nullopt if it was not.
  [[nodiscard]] std::optional<Clock::Time> prompted_at(int seat) const {
    return slots_[seat].prompted_at;
  }

  // --- Remote seats (the owner tells the loop what happened to the agents) ---

  // An agent took remote seat `seat` (kOpen / kVacant → kConnected, or kCatchingUp when it must
  // replay history first). Starts the game if it was the last one missing (see TryStart).
  void SeatJoined(int seat, bool catching_up);
  // The agent of a kCatchingUp seat has its history: kConnected, its deadline starts now.
  void SeatCaughtUp(int seat);
  // The seat's agent went away (stream ended): kVacant (kOpen before round 1 began). Under a
  // substituting policy a running round does not wait for it.
  void SeatLeft(int seat);
  // The owner evicts the seat's agent (it does not read its stream): kVacant, counted, the seat
  // told (Seat::Lose) and the listener (OnSeatLost). A round in progress is substituted under a
  // substituting policy; during Resolve the next round's start takes care of it.
  void Evict(int seat);
  // Restores a recovered seat's counters (from its journal).
  void RestoreStats(int seat, const SeatStats& stats) { slots_[seat].stats = stats; }

  // The action of remote seat `seat` for round `round`. Checked: FailedPrecondition before the
  // first start, or for a seat that already played the round (kSubstitutedBefore: the straggler
  // policy played it); InvalidArgument for another round or an action the match refuses (the
  // message names the fault). Nothing changes on error. Call Advance() after an OK.
  [[nodiscard]] absl::Status SubmitRemote(int seat, int64_t round, agents::Action action,
                                          const agents::MixedStrategy* strategy);

  // --- Driving ---

  // kWaiting with every remote seat kConnected (or none): kRunning, and round() begins.
  // Returns whether the game is running now.
  bool TryStart();
  // Resolves rounds while every seat has played (at most options.slice_rounds). Returns true if it
  // stopped at the slice limit with more to do (call again later).
  bool Advance();
  // Ends the game after the current round: kWaiting → kStopped at once; a running round gets at
  // most stop_grace for its stragglers (kStopping), then the game is kStopped without it. Call
  // Advance() after it (a round whose actions are all in is resolved first).
  void Stop();
  // kDrained / kFailed now (no-op once terminal).
  void Drain();
  void Fail();

  // Replays round round() from a journal (the game must be kWaiting, no seat connected): remote
  // seat i plays plays[i] (checked like SubmitRemote; substituted[i] as journaled); a local seat
  // plays its learner's next action, which must equal plays[i] (else FailedPrecondition: the
  // journal was written by a different build or game). Then the round resolves (listener and
  // seats included) and ever_started() becomes true.
  [[nodiscard]] absl::Status ReplayRound(const std::vector<SeatPlay>& plays,
                                         const std::vector<bool>& substituted);

 private:
  struct Slot {
    SeatState state = SeatState::kOpen;
    bool remote = false;
    bool submitted = false;    // this round
    bool substituted = false;  // this round's play came from the straggler policy
    SeatPlay play;             // this round's, once submitted
    SeatPlay last;             // the agent's last play (kRepeatLast)
    bool has_last = false;
    SeatPlay default_play;
    std::optional<Clock::Time> prompted_at;  // this round
    std::optional<Clock::Time> due;          // when this round's action is due (remote, running)
    int64_t consecutive = 0;                 // deadlines missed in a row by the connected agent
    SeatStats stats;
  };

  explicit RoundLoop(RoundLoopConfig config);
  // The one place each state changes; false (nothing changes) for a move the table forbids.
  bool TransitionTo(GameState to);
  bool MoveSeat(int seat, SeatState to);
  void BeginRound();
  void Resolve();
  void End(GameState state);
  void Submitted(int seat);
  void Substitute(int seat);
  void Prompt(int seat, Clock::Time now);
  // Keeps the timer armed at or before the earliest pending deadline.
  void ArmTimer();
  void OnTimer();
  void Miss(int seat, Clock::Time now);

  std::unique_ptr<Match> match_;
  std::vector<std::unique_ptr<Seat>> seats_;
  std::vector<Slot> slots_;
  std::vector<agents::Feedback> feedback_;
  Clock* clock_;
  std::unique_ptr<Timer> timer_;
  std::optional<Clock::Time> timer_at_;  // when the armed timer fires
  RoundListener* listener_;
  const RoundLoopOptions options_;

  GameState state_ = GameState::kWaiting;
  int num_remote_ = 0;
  int num_submitted_ = 0;
  bool round_begun_ = false;  // BeginRound ran for round(): local seats played
  bool ever_started_ = false;
  bool in_advance_ = false;  // Advance() is on the stack (no re-entry from listeners)
};

}  // namespace nashnet::server

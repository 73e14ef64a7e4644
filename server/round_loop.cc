#include "server/round_loop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nashnet::server {

const char* GameStateName(GameState state) {
  switch (state) {
    case GameState::kWaiting:
      return "waiting";
    case GameState::kRunning:
      return "running";
    case GameState::kStopping:
      return "stopping";
    case GameState::kCompleted:
      return "completed";
    case GameState::kStopped:
      return "stopped";
    case GameState::kDrained:
      return "drained";
    case GameState::kFailed:
      return "failed";
  }
  return "unknown";
}

bool IsTerminal(GameState state) {
  return state == GameState::kCompleted || state == GameState::kStopped ||
         state == GameState::kDrained || state == GameState::kFailed;
}

bool GameTransitionAllowed(GameState from, GameState to) {
  using S = GameState;
  if (IsTerminal(from)) return false;
  switch (to) {
    case S::kWaiting:
      return false;  // a game never goes back to waiting (a recovered one starts there)
    case S::kRunning:
      return from == S::kWaiting;
    case S::kStopping:
      return from == S::kRunning;
    case S::kCompleted:  // kWaiting: a recovered game whose journal reaches the horizon
      return true;
    case S::kStopped:
    case S::kDrained:
    case S::kFailed:
      return true;
  }
  return false;
}

const char* SeatStateName(SeatState state) {
  switch (state) {
    case SeatState::kLocal:
      return "local";
    case SeatState::kOpen:
      return "open";
    case SeatState::kConnected:
      return "connected";
    case SeatState::kCatchingUp:
      return "catching-up";
    case SeatState::kVacant:
      return "vacant";
  }
  return "unknown";
}

bool SeatTransitionAllowed(SeatState from, SeatState to) {
  using S = SeatState;
  if (from == S::kLocal || to == S::kLocal) return false;
  switch (to) {
    case S::kOpen:
      return from == S::kConnected || from == S::kCatchingUp;  // left before round 1
    case S::kConnected:
      return from == S::kOpen || from == S::kVacant || from == S::kCatchingUp;
    case S::kCatchingUp:
      return from == S::kOpen || from == S::kVacant;
    case S::kVacant:
      return from == S::kConnected || from == S::kCatchingUp;
    case S::kLocal:
      return false;
  }
  return false;
}

absl::Status RoundLoopOptions::Validate() const {
  if (deadline.count() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("deadline: must be > 0 ms, got ", deadline.count()));
  }
  if (evict_after < 1) {
    return absl::InvalidArgumentError(absl::StrCat("evict_after: must be >= 1, got ", evict_after));
  }
  if (stop_grace.count() < 0 || stall_tolerance.count() < 0 || slice_rounds < 0) {
    return absl::InvalidArgumentError("stop_grace, stall_tolerance, slice_rounds: must be >= 0");
  }
  return absl::OkStatus();
}

RoundLoop::RoundLoop(RoundLoopConfig config)
    : match_(std::move(config.match)),
      seats_(std::move(config.seats)),
      clock_(config.clock),
      listener_(config.listener),
      options_(config.options) {}

RoundLoop::~RoundLoop() = default;

absl::StatusOr<std::unique_ptr<RoundLoop>> RoundLoop::Create(RoundLoopConfig config) {
  if (config.match == nullptr) return absl::InvalidArgumentError("match: missing");
  if (config.listener == nullptr) return absl::InvalidArgumentError("listener: missing");
  if (absl::Status st = config.options.Validate(); !st.ok()) return st;
  const int n = config.match->game().num_players();
  if (static_cast<int>(config.seats.size()) != n || static_cast<int>(config.remote.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat("seats: ", config.seats.size(), " seats and ",
                                                   config.remote.size(),
                                                   " remote flags for a game of ", n, " players"));
  }
  int remote = 0;
  for (int i = 0; i < n; ++i) {
    if (config.seats[i] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("seats[", i, "]: missing"));
    }
    remote += config.remote[i] ? 1 : 0;
  }
  if (remote > 0 && config.clock == nullptr) {
    return absl::InvalidArgumentError("clock: remote seats need a clock with timers");
  }
  if (remote > 0 && static_cast<int>(config.defaults.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("defaults: ", config.defaults.size(), " for ", n, " seats"));
  }
  const std::vector<bool> is_remote = config.remote;
  const std::vector<SeatPlay> defaults = std::move(config.defaults);
  std::unique_ptr<RoundLoop> loop(new RoundLoop(std::move(config)));
  loop->slots_.resize(n);
  loop->feedback_.resize(n);
  loop->num_remote_ = remote;
  for (int i = 0; i < n; ++i) {
    Slot& slot = loop->slots_[i];
    slot.remote = is_remote[i];
    slot.state = slot.remote ? SeatState::kOpen : SeatState::kLocal;
    if (slot.remote) slot.default_play = defaults[i];
  }
  if (remote > 0) {
    loop->timer_ = loop->clock_->NewTimer();
    if (loop->timer_ == nullptr) {
      return absl::InvalidArgumentError("clock: remote seats need a clock with timers");
    }
  }
  return loop;
}

bool RoundLoop::TransitionTo(GameState to) {
  if (!GameTransitionAllowed(state_, to)) return false;
  state_ = to;
  return true;
}

bool RoundLoop::MoveSeat(int seat, SeatState to) {
  Slot& slot = slots_[seat];
  if (!SeatTransitionAllowed(slot.state, to)) return false;
  slot.state = to;
  return true;
}

bool RoundLoop::TryStart() {
  if (state_ == GameState::kRunning || state_ == GameState::kStopping) return true;
  if (state_ != GameState::kWaiting) return false;
  for (const Slot& slot : slots_) {
    if (slot.remote && slot.state != SeatState::kConnected) return false;
  }
  const bool first = !ever_started_;
  TransitionTo(GameState::kRunning);
  ever_started_ = true;
  listener_->OnRunning(first);
  BeginRound();
  return true;
}

void RoundLoop::BeginRound() {
  if (round_begun_ || match_->finished()) return;
  round_begun_ = true;
  const int64_t t = match_->round();
  std::optional<Clock::Time> now;
  for (int i = 0; i < static_cast<int>(slots_.size()); ++i) {
    Slot& slot = slots_[i];
    if (!slot.remote) {
      if (seats_[i]->BeginRound(t, &slot.play)) {
        match_->SubmitActionUnchecked(i, slot.play.action, slot.play.strategy);
        Submitted(i);
      }
      continue;
    }
    if (slot.submitted) continue;  // a recovered game's agent acted before the start
    if (slot.state == SeatState::kVacant) {
      // Nobody to wait for: a substituting policy plays now; `wait` waits for a resume.
      if (options_.straggler != StragglerPolicy::kWait) Substitute(i);
      continue;
    }
    if (!now.has_value()) now = clock_->Now();
    Prompt(i, *now);
  }
  if (num_remote_ > 0) ArmTimer();
}

void RoundLoop::Prompt(int seat, Clock::Time now) {
  Slot& slot = slots_[seat];
  if (slot.state != SeatState::kConnected) {
    slot.prompted_at.reset();  // catching up: its clock starts when it has caught up
    slot.due.reset();
    return;
  }
  slot.prompted_at = now;
  slot.due = now + options_.deadline;
}

void RoundLoop::Submitted(int seat) {
  Slot& slot = slots_[seat];
  slot.submitted = true;
  slot.due.reset();
  ++num_submitted_;
}

bool RoundLoop::Advance() {
  if (in_advance_) return false;
  in_advance_ = true;
  int64_t resolved = 0;
  bool more = false;
  while ((state_ == GameState::kRunning || state_ == GameState::kStopping) && round_begun_ &&
         num_submitted_ == static_cast<int>(slots_.size())) {
    Resolve();
    ++resolved;
    if (IsTerminal(state_)) break;
    if (state_ == GameState::kStopping) {
      End(GameState::kStopped);
      break;
    }
    BeginRound();
    if (options_.slice_rounds > 0 && resolved >= options_.slice_rounds &&
        num_submitted_ == static_cast<int>(slots_.size())) {
      more = true;
      break;
    }
  }
  in_advance_ = false;
  return more;
}

void RoundLoop::Resolve() {
  const int64_t t = match_->round();
  match_->Resolve(&feedback_);
  listener_->OnRoundResolved(t);
  const int n = static_cast<int>(slots_.size());
  for (int i = 0; i < n; ++i) {
    Slot& slot = slots_[i];
    seats_[i]->EndRound(t, slot.play, slot.substituted, feedback_[i]);
    slot.submitted = false;
    slot.substituted = false;
    slot.prompted_at.reset();
    slot.due.reset();
  }
  num_submitted_ = 0;
  round_begun_ = false;
  if (match_->finished()) End(GameState::kCompleted);
}

void RoundLoop::End(GameState state) {
  if (!TransitionTo(state)) return;  // terminal already (or a replay reaching the horizon)
  if (timer_ != nullptr) timer_->Cancel();
  timer_at_.reset();
  listener_->OnEnded(state);
}

void RoundLoop::SeatJoined(int seat, bool catching_up) {
  Slot& slot = slots_[seat];
  if (!slot.remote) return;
  MoveSeat(seat, catching_up ? SeatState::kCatchingUp : SeatState::kConnected);
  slot.consecutive = 0;
  if (catching_up) {
    slot.prompted_at.reset();
    slot.due.reset();
    return;
  }
  if ((state_ == GameState::kRunning || state_ == GameState::kStopping) && round_begun_ &&
      !slot.submitted) {
    Prompt(seat, clock_->Now());
    ArmTimer();
  }
  TryStart();
}

void RoundLoop::SeatCaughtUp(int seat) {
  Slot& slot = slots_[seat];
  if (slot.state != SeatState::kCatchingUp) return;
  MoveSeat(seat, SeatState::kConnected);
  if ((state_ == GameState::kRunning || state_ == GameState::kStopping) && round_begun_ &&
      !slot.submitted) {
    Prompt(seat, clock_->Now());
    ArmTimer();
  }
  TryStart();
}

void RoundLoop::SeatLeft(int seat) {
  Slot& slot = slots_[seat];
  if (slot.state != SeatState::kConnected && slot.state != SeatState::kCatchingUp) return;
  MoveSeat(seat, ever_started_ ? SeatState::kVacant : SeatState::kOpen);
  slot.consecutive = 0;
  slot.prompted_at.reset();
  slot.due.reset();
  if (state_ == GameState::kRunning && round_begun_ && !slot.submitted &&
      options_.straggler != StragglerPolicy::kWait) {
    Substitute(seat);
  }
}

void RoundLoop::Evict(int seat) {
  Slot& slot = slots_[seat];
  if (slot.state != SeatState::kConnected && slot.state != SeatState::kCatchingUp) return;
  MoveSeat(seat, SeatState::kVacant);
  slot.consecutive = 0;
  slot.prompted_at.reset();
  slot.due.reset();
  ++slot.stats.evictions;
  seats_[seat]->Lose(SeatLoss::kNotReading, 0);
  listener_->OnSeatLost(seat, SeatLoss::kNotReading);
  if (state_ == GameState::kRunning && round_begun_ && !slot.submitted &&
      options_.straggler != StragglerPolicy::kWait) {
    Substitute(seat);
  }
}

absl::Status RoundLoop::SubmitRemote(int seat, int64_t round, agents::Action action,
                                     const agents::MixedStrategy* strategy) {
  Slot& slot = slots_[seat];
  if (!ever_started_ && state_ == GameState::kWaiting) {
    return absl::FailedPreconditionError(
        "action: the game has not started (wait for the Start message)");
  }
  if (IsTerminal(state_)) {
    return absl::FailedPreconditionError("action: the game is over");
  }
  if (round != match_->round()) {
    return absl::InvalidArgumentError(
        absl::StrCat("action.round: ", round, ", but the game is at round ", match_->round()));
  }
  if (slot.submitted) {
    return absl::FailedPreconditionError(
        slot.substituted
            ? absl::StrCat("action.round: round ", round, " of seat ", seat,
                           " was already played by the straggler policy (deadline passed)")
            : absl::StrCat("action.round: seat ", seat, " already played round ", round));
  }
  if (absl::Status st = match_->SubmitAction(seat, action, strategy); !st.ok()) return st;
  slot.play.action = std::move(action);
  if (strategy != nullptr && strategy->probabilities.size() > 0) {
    if (strategy != &slot.play.owned) {
      slot.play.owned.probabilities = strategy->probabilities;
      slot.play.owned.cell_lower = strategy->cell_lower;
      slot.play.owned.cell_upper = strategy->cell_upper;
    }
    slot.play.strategy = &slot.play.owned;
  } else {
    slot.play.strategy = nullptr;
  }
  if (options_.straggler == StragglerPolicy::kRepeatLast) {
    slot.last = slot.play;
    slot.has_last = true;
  }
  slot.consecutive = 0;
  Submitted(seat);
  return absl::OkStatus();
}

void RoundLoop::Substitute(int seat) {
  Slot& slot = slots_[seat];
  if (slot.submitted) return;
  slot.play = options_.straggler == StragglerPolicy::kRepeatLast && slot.has_last
                  ? slot.last
                  : slot.default_play;
  match_->SubmitActionUnchecked(seat, slot.play.action, slot.play.strategy);
  slot.substituted = true;
  ++slot.stats.substituted;
  Submitted(seat);
}

void RoundLoop::Stop() {
  switch (state_) {
    case GameState::kWaiting:
      End(GameState::kStopped);
      return;
    case GameState::kRunning:
      break;
    default:
      return;  // stopping already, or over
  }
  TransitionTo(GameState::kStopping);
  if (num_submitted_ == static_cast<int>(slots_.size())) return;  // Advance() ends it
  const Clock::Time grace_end = clock_->Now() + options_.stop_grace;
  for (Slot& slot : slots_) {
    if (!slot.remote || slot.submitted) continue;
    if (!slot.due.has_value() || *slot.due > grace_end) slot.due = grace_end;
  }
  ArmTimer();
}

void RoundLoop::Drain() { End(GameState::kDrained); }

void RoundLoop::Fail() { End(GameState::kFailed); }

void RoundLoop::ArmTimer() {
  if (timer_ == nullptr) return;
  std::optional<Clock::Time> earliest;
  for (const Slot& slot : slots_) {
    if (slot.due.has_value() && (!earliest.has_value() || *slot.due < *earliest)) {
      earliest = slot.due;
    }
  }
  if (!earliest.has_value()) return;  // an armed timer finds nothing due and stops
  // Deadlines move later round after round: a timer armed earlier fires, finds nothing due and
  // re-arms, which is cheaper than re-arming at every round.
  if (timer_at_.has_value() && *timer_at_ <= *earliest) return;
  timer_at_ = earliest;
  timer_->ArmAt(*earliest, [this] { OnTimer(); });
}

void RoundLoop::OnTimer() {
  if (!timer_at_.has_value()) return;
  const Clock::Time armed = *timer_at_;
  timer_at_.reset();
  if (state_ != GameState::kRunning && state_ != GameState::kStopping) return;
  const Clock::Time now = clock_->Now();
  const auto late = now - armed;
  if (late > options_.stall_tolerance) {
    // The process itself stalled: nobody could be read meanwhile. Every pending deadline starts
    // again from now with what it had left when the timer was due (at least a moment to read
    // what arrived during the stall: a second, or the whole deadline if that is shorter).
    const std::chrono::steady_clock::duration moment =
        std::min<std::chrono::steady_clock::duration>(options_.deadline, std::chrono::seconds(1));
    for (Slot& slot : slots_) {
      if (slot.due.has_value())
        slot.due = now + std::max<std::chrono::steady_clock::duration>(*slot.due - armed, moment);
    }
    ArmTimer();
    return;
  }
  for (int i = 0; i < static_cast<int>(slots_.size()); ++i) {
    Slot& slot = slots_[i];
    if (!slot.remote || slot.submitted || !slot.due.has_value() || *slot.due > now) continue;
    // Only connected seats get deadlines, except during a stop's grace.
    if (state_ == GameState::kStopping) {
      End(GameState::kStopped);  // the stop's grace is over: the round is not played
      return;
    }
    Miss(i, now);
    if (IsTerminal(state_)) return;
  }
  ArmTimer();
  Advance();
}

void RoundLoop::Miss(int seat, Clock::Time now) {
  Slot& slot = slots_[seat];
  ++slot.stats.missed;
  listener_->OnSeatMissed(seat, match_->round());
  if (++slot.consecutive >= options_.evict_after) {
    const int64_t missed = slot.consecutive;
    MoveSeat(seat, SeatState::kVacant);
    slot.consecutive = 0;
    ++slot.stats.evictions;
    seats_[seat]->Lose(SeatLoss::kMissedDeadlines, missed);
    listener_->OnSeatLost(seat, SeatLoss::kMissedDeadlines);
  }
  if (options_.straggler != StragglerPolicy::kWait) {
    Substitute(seat);
  } else if (slot.state == SeatState::kConnected) {
    slot.due = now + options_.deadline;  // the next window
  } else {
    slot.due.reset();  // evicted: nobody to wait for until a resume
  }
}

absl::Status RoundLoop::ReplayRound(const std::vector<SeatPlay>& plays,
                                    const std::vector<bool>& substituted) {
  const int n = static_cast<int>(slots_.size());
  if (state_ != GameState::kWaiting) {
    return absl::FailedPreconditionError("replay: the game is not waiting (already live)");
  }
  if (static_cast<int>(plays.size()) != n || static_cast<int>(substituted.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat("replay: round ", match_->round(), " has ",
                                                   plays.size(), " plays for ", n, " seats"));
  }
  if (match_->finished()) {
    return absl::InvalidArgumentError(
        absl::StrCat("replay: round ", match_->round(), " is past the horizon"));
  }
  for (int i = 0; i < n; ++i) {
    if (slots_[i].remote && slots_[i].state != SeatState::kOpen &&
        slots_[i].state != SeatState::kVacant) {
      return absl::FailedPreconditionError("replay: a seat is connected");
    }
  }
  const int64_t t = match_->round();
  ever_started_ = true;
  for (int i = 0; i < n; ++i) {
    Slot& slot = slots_[i];
    if (!slot.remote) {
      if (!seats_[i]->BeginRound(t, &slot.play)) {
        return absl::InternalError(absl::StrCat("replay: local seat ", i, " did not play"));
      }
      const agents::Action& drawn = slot.play.action;
      const agents::Action& journaled = plays[i].action;
      if (drawn.index != journaled.index || drawn.point.size() != journaled.point.size() ||
          drawn.point != journaled.point) {
        return absl::FailedPreconditionError(
            absl::StrCat("replay: round ", t, ": local seat ", i,
                         " draws another action than the journal holds (a journal from another "
                         "build or game?)"));
      }
      match_->SubmitActionUnchecked(i, slot.play.action, slot.play.strategy);
      Submitted(i);
      continue;
    }
    if (absl::Status st = match_->SubmitAction(i, plays[i].action, plays[i].strategy); !st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("replay: round ", t, ", seat ", i, ": ", st.message()));
    }
    slot.play = plays[i];
    slot.substituted = substituted[i];
    if (substituted[i]) ++slot.stats.substituted;
    if (!substituted[i] && options_.straggler == StragglerPolicy::kRepeatLast) {
      slot.last = slot.play;
      slot.has_last = true;
    }
    Submitted(i);
  }
  round_begun_ = true;
  Resolve();  // at the horizon: kWaiting cannot complete; the owner handles a finished journal
  return absl::OkStatus();
}

}  // namespace nashnet::server

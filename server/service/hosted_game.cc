// HostedGame: creation, seats, the round loop, deadlines and the straggler policy. The end of a
// game (record commit, GameOver), GetGame's info and watchers are in hosted_game_end.cc.
#include "server/service/hosted_game.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "common/status_macros.h"
#include "server/service/hosted_game_internal.h"

namespace nashnet::server {
namespace {

// Rounds an all-local (or all-substituted) game plays before yielding its strand's thread.
constexpr int kRoundsPerSlice = 256;

}  // namespace

absl::StatusOr<int> HostedGame::Join(SeatStream* stream, const v1::Join& join) {
  if (over_) return absl::FailedPreconditionError(absl::StrCat("game ", id_, " is over"));
  if (stop_requested_) return absl::UnavailableError(absl::StrCat("game ", id_, " is stopping"));
  const std::string& needed = plan_.spec.service().join_token();
  if (!needed.empty() && join.join_token() != needed) {
    return absl::UnauthenticatedError(
        join.join_token().empty() ? absl::StrCat("join.join_token: game ", id_, " needs one")
                                  : absl::StrCat("join.join_token: wrong token for game ", id_));
  }
  const int n = static_cast<int>(seats_.size());
  int i = -1;
  if (!join.resume_token().empty()) {
    // Before the start a vacated seat keeps its token until another agent takes the seat, so
    // the agent that left can still come back with it.
    for (int k = 0; k < n; ++k) {
      const Seat& s = seats_[k];
      if (!s.local && (s.issued || !started_) && !s.token.empty() &&
          s.token == join.resume_token()) {
        i = k;
      }
    }
    if (i < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("join.resume_token: not a resume token of game ", id_));
    }
    if (join.seat_choice_case() == v1::Join::kSeat && join.seat() != i) {
      return absl::InvalidArgumentError(
          absl::StrCat("join.seat: ", join.seat(), ", but the resume token is seat ", i, "'s"));
    }
  } else if (join.seat_choice_case() == v1::Join::kSeat) {
    i = join.seat();
    if (i < 0 || i >= n) {
      return absl::InvalidArgumentError(absl::StrCat("join.seat: ", i, " is not a seat (game ", id_,
                                                     " has seats 0..", n - 1, ")"));
    }
    if (seats_[i].local) {
      return absl::FailedPreconditionError(absl::StrCat(
          "join.seat: seat ", i, " of game ", id_, " is played by the coordinator (local seat)"));
    }
    if (seats_[i].issued) {
      return absl::FailedPreconditionError(
          absl::StrCat("join.seat: seat ", i, " of game ", id_, " is taken",
                       seats_[i].stream == nullptr ? " (its agent may resume it)" : ""));
    }
  } else {
    for (int k = 0; k < n && i < 0; ++k) {
      if (!seats_[k].local && !seats_[k].issued) i = k;
    }
    if (i < 0) {
      return absl::ResourceExhaustedError(absl::StrCat("game ", id_, " has no free seat (",
                                                       num_remote_, " remote seats, all taken)"));
    }
  }
  Seat& seat = seats_[i];
  if (seat.stream != nullptr) {
    // A resume while the old stream still looks alive: the new connection wins.
    seat.stream->End(grpc::Status(
        grpc::StatusCode::ABORTED,
        absl::StrCat("seat ", i, " of game ", id_, " was resumed by another connection")));
    seat.stream = nullptr;  // its seat budget passes to the new stream
  } else if (!budget_->TryAcquire()) {
    return absl::ResourceExhaustedError(absl::StrCat("coordinator: --max-seats reached (",
                                                     budget_->max(), " connected remote seats)"));
  }
  seat.stream = stream;
  seat.consecutive = 0;
  if (!seat.issued) {
    seat.issued = true;
    if (join.resume_token().empty()) seat.token = NewToken();  // else: its own token, taken back
  }
  if (!join.agent_name().empty()) seat.agent_name = join.agent_name();
  if (!join.algorithm().empty()) seat.algorithm = join.algorithm();
  // A resume in the middle of a round the straggler policy already played for this seat: the
  // agent joins at the next round, so Joined waits until this round is resolved.
  seat.joined_pending = started_ && seat.submitted;
  seat.first_feedback_round = match_->round() + (seat.joined_pending ? 1 : 0);
  if (!seat.joined_pending) SendJoined(i);
  if (!started_) {
    bool all = true;
    for (const Seat& s : seats_) all = all && (s.local || s.stream != nullptr);
    if (all) StartPlay();
  }
  return i;
}

void HostedGame::SendJoined(int i) {
  Seat& seat = seats_[i];
  seat.joined_pending = false;
  v1::CoordinatorMessage* out = seat.stream->Outbox();
  if (out == nullptr) return;  // a fresh stream always has room
  v1::Joined* joined = out->mutable_joined();
  joined->set_game_id(id_);
  joined->set_seat(i);
  agents::PlayerViewToProto(match_->ViewFor(i), joined->mutable_view());
  joined->set_round_deadline_ms(deadline_ms_);
  joined->set_straggler(straggler_);
  joined->set_resume_token(seat.token);
  joined->set_next_round(match_->round());
  joined->set_started(started_);
  seat.stream->Send();
}

void HostedGame::StartPlay() {
  started_ = true;
  status_ = v1::GAME_STATUS_RUNNING;
  for (Seat& seat : seats_) {
    if (seat.local || seat.stream == nullptr) continue;
    if (v1::CoordinatorMessage* out = seat.stream->Outbox(); out != nullptr) {
      out->mutable_start()->set_round(match_->round());
      seat.stream->Send();
    }
  }
  first_round_start_ = std::chrono::steady_clock::now();
  BeginRound();
  Advance();
}

void HostedGame::BeginRound() {
  for (LocalSeat& local : locals_) {
    (void)local.Play(match_.get());  // always OK (local_seat.h)
  }
  if (num_remote_ == 0) return;
  if (straggler_ != v1::STRAGGLER_POLICY_WAIT) {
    for (int i = 0; i < static_cast<int>(seats_.size()); ++i) {
      const Seat& seat = seats_[i];
      if (!seat.local && seat.stream == nullptr && !seat.submitted) Substitute(i);
    }
  }
  ArmDeadline();
}

void HostedGame::Advance() {
  int rounds = 0;
  while (!over_ && started_ && match_->all_submitted()) {
    ResolveRound();
    if (over_) return;
    if (match_->finished()) return EndGame(v1::GAME_OVER_REASON_COMPLETED);
    if (stop_requested_) return EndGame(reason_);
    BeginRound();
    if (++rounds >= kRoundsPerSlice && match_->all_submitted()) {
      if (slice_pending_) return;
      // Yield the thread: the rest continues from the io_context.
      slice_pending_ = true;
      boost::asio::post(io_->get_executor(), [self = shared_from_this()] {
        boost::asio::dispatch(self->strand_, [self] {
          self->slice_pending_ = false;
          self->Advance();
        });
      });
      return;
    }
  }
}

void HostedGame::ResolveRound() {
  const int64_t t = match_->round();
  match_->Resolve(&feedback_);
  const bool recorded = IsRecordedRound(t, plan_.spec.record_every(), plan_.match.rounds);
  bool watched = false;
  for (const Watcher& w : watchers_) watched = watched || t % w.every == 0;
  if (recorded || watched) {
    latest_ = match_->Snapshot();
    latest_round_ = t;
  }
  if (recorded) {
    writer_->Post([record = record_, metrics = latest_] { record->rounds->OnRound(metrics); });
  }
  const int n = static_cast<int>(seats_.size());
  for (int i = 0; i < n; ++i) {
    Seat& seat = seats_[i];
    if (seat.local) {
      locals_[seat.local_index].Update(feedback_[i]);
      continue;
    }
    if (seat.stream != nullptr && seat.joined_pending) {
      SendJoined(i);
    } else if (seat.stream != nullptr && t >= seat.first_feedback_round) {
      SendFeedback(i);
    }
    seat.submitted = false;
    seat.substituted_now = false;
    seat.played_default = false;
  }
  if (watched) NotifyWatchers(/*last=*/false);
}

void HostedGame::SendFeedback(int i) {
  Seat& seat = seats_[i];
  v1::CoordinatorMessage* out = seat.stream->Outbox();
  if (out == nullptr) {
    ++seat.missed;
    Evict(i, grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          absl::StrCat("evicted: seat ", i, " of game ", id_,
                                       " does not read its stream (two messages unread)")));
    return;
  }
  const agents::Action& played = seat.played_default ? seat.default_action : seat.last_action;
  agents::FeedbackToProto(feedback_[i], played, seat.substituted_now, out->mutable_feedback());
  seat.stream->Send();
}

void HostedGame::ArmDeadline() {
  deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms_);
  if (timer_waiting_) return;  // it fires early and waits again until deadline_
  WaitForDeadline();
}

void HostedGame::BringDeadlineForward(std::chrono::steady_clock::time_point t) {
  if (t >= deadline_) return;
  deadline_ = t;
  WaitForDeadline();  // replacing the expiry aborts the pending wait
}

void HostedGame::WaitForDeadline() {
  timer_waiting_ = true;
  timer_.expires_at(deadline_);
  timer_.async_wait(boost::asio::bind_executor(
      strand_, [self = shared_from_this()](const boost::system::error_code& ec) {
        // Aborted: a newer wait replaced this one (BringDeadlineForward) or the game ended.
        if (ec == boost::asio::error::operation_aborted) return;
        self->timer_waiting_ = false;
        if (!ec) self->OnTimer();
      }));
}

void HostedGame::OnTimer() {
  if (over_ || !started_) return;
  if (std::chrono::steady_clock::now() < deadline_) {
    WaitForDeadline();
    return;
  }
  DeadlinePassed();
}

void HostedGame::DeadlinePassed() {
  const int n = static_cast<int>(seats_.size());
  for (int i = 0; i < n; ++i) {
    Seat& seat = seats_[i];
    if (seat.local || seat.submitted) continue;
    ++seat.missed;
    if (seat.stream != nullptr && ++seat.consecutive >= evict_after_) {
      Evict(i, grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                            absl::StrCat("evicted after ", seat.consecutive,
                                         " missed deadlines (seat ", i, " of game ", id_, ")")));
    }
    if (straggler_ != v1::STRAGGLER_POLICY_WAIT) Substitute(i);
  }
  if (!match_->all_submitted()) {
    if (stop_requested_) return EndGame(reason_);
    ArmDeadline();
    return;
  }
  Advance();
}

void HostedGame::Substitute(int i) {
  Seat& seat = seats_[i];
  if (straggler_ == v1::STRAGGLER_POLICY_REPEAT_LAST && seat.has_last) {
    match_->SubmitActionUnchecked(i, seat.last_action,
                                  seat.last_has_strategy ? &seat.last_strategy : nullptr);
  } else {
    match_->SubmitActionUnchecked(i, seat.default_action,
                                  seat.default_has_strategy ? &seat.default_strategy : nullptr);
    seat.played_default = true;
  }
  seat.submitted = true;
  seat.substituted_now = true;
  ++seat.substituted;
}

void HostedGame::Evict(int i, const grpc::Status& status) {
  Seat& seat = seats_[i];
  if (seat.stream == nullptr) return;
  seat.stream->End(status);
  seat.evicted = true;
  Vacate(i);
}

void HostedGame::Vacate(int i) {
  Seat& seat = seats_[i];
  seat.stream = nullptr;
  seat.consecutive = 0;
  seat.joined_pending = false;
  budget_->Release();
  if (!started_) {  // nobody played yet: the seat is free for anyone, or for its token's holder
    seat.issued = false;
    seat.agent_name.clear();
    seat.algorithm.clear();
  }
}

void HostedGame::StreamGone(int seat, SeatStream* stream) {
  if (seat < 0 || seat >= static_cast<int>(seats_.size()) || seats_[seat].stream != stream) return;
  Vacate(seat);
  if (started_ && !over_ && straggler_ != v1::STRAGGLER_POLICY_WAIT && !seats_[seat].submitted) {
    Substitute(seat);
    Advance();
  }
}

void HostedGame::SendError(SeatStream* stream, absl::StatusCode code, std::string message,
                           int64_t round) {
  v1::CoordinatorMessage* out = stream->Outbox();
  if (out == nullptr) return;  // the reader is behind; the next read waits for the outbox
  v1::Error* error = out->mutable_error();
  error->set_code(static_cast<int32_t>(code));
  error->set_message(std::move(message));
  error->set_round(round);
  stream->Send();
}

void HostedGame::OnAction(int i, SeatStream* stream, const v1::Action& action) {
  if (i < 0 || i >= static_cast<int>(seats_.size()) || seats_[i].stream != stream) return;
  Seat& seat = seats_[i];
  const int64_t round = action.round();
  // Over (stopped or drained mid-round): GameOver follows once the record is written; an action
  // sent meanwhile is moot, not a fault.
  if (over_) return;
  if (!started_) {
    ++seat.rejected;
    return SendError(
        stream, absl::StatusCode::kFailedPrecondition,
        absl::StrCat("action: game ", id_, " has not started (wait for the Start message)"), round);
  }
  if (round != match_->round()) {
    ++seat.rejected;
    return SendError(
        stream, absl::StatusCode::kInvalidArgument,
        absl::StrCat("action.round: ", round, ", but game ", id_, " is at round ", match_->round()),
        round);
  }
  if (seat.submitted) {
    ++seat.rejected;
    return SendError(
        stream, absl::StatusCode::kFailedPrecondition,
        seat.substituted_now
            ? absl::StrCat("action.round: round ", round, " of seat ", i,
                           " was already played by the straggler policy (deadline passed)")
            : absl::StrCat("action.round: seat ", i, " already played round ", round),
        round);
  }
  absl::StatusOr<agents::WireAction> wire = agents::ActionFromProto(action, seat.dimension);
  absl::Status status = wire.status();
  if (status.ok()) {
    status = match_->SubmitAction(i, wire->action, wire->has_strategy ? &wire->strategy : nullptr);
  }
  if (!status.ok()) {
    ++seat.rejected;
    std::string message(status.message());
    if (!absl::StartsWith(message, "action")) message = absl::StrCat("action: ", message);
    return SendError(stream, status.code(), std::move(message), round);
  }
  seat.submitted = true;
  seat.consecutive = 0;
  seat.has_last = true;
  seat.last_action = std::move(wire->action);
  seat.last_has_strategy = wire->has_strategy;
  if (wire->has_strategy) seat.last_strategy = std::move(wire->strategy);
  Advance();
}

}  // namespace nashnet::server

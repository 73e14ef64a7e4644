// HostedGame: the round loop, deadlines, the straggler policy and actions. Joins are in
// hosted_game_join.cc; the end of a game (record commit, GameOver), GetGame's info and watchers
// in hosted_game_end.cc.
#include "server/service/hosted_game.h"

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "common/status_macros.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
#include "server/service/hosted_game_internal.h"

namespace nashnet::server {
namespace {

// Rounds an all-local (or all-substituted) game plays before yielding its strand's thread.
constexpr int kRoundsPerSlice = 256;

}  // namespace

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
  if (metrics_ != nullptr) {
    // Remote rounds are all timed; a game of local seats times one round in kTimedRoundEvery.
    round_timed_ = num_remote_ > 0 || match_->round() % GameMetrics::kTimedRoundEvery == 1;
    if (round_timed_) round_start_ = std::chrono::steady_clock::now();
  }
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
  std::chrono::steady_clock::time_point now;
  const bool final = t == plan_.match.rounds;
  const bool clocked = metrics_ != nullptr && (round_timed_ || final);
  if (clocked) {
    now = std::chrono::steady_clock::now();
    if (round_timed_) {
      metrics_->RoundResolved(std::chrono::duration<double>(now - round_start_).count());
    } else {
      metrics_->RoundCounted();
    }
    // Rounds and response times reach the service's histograms when the game publishes (at
    // most every --metrics-period-ms) and at its end: no histogram mutex per round.
  } else if (metrics_ != nullptr) {
    metrics_->RoundCounted();
  }
  const bool recorded = IsRecordedRound(t, plan_.spec.record_every(), plan_.match.rounds);
  bool watched = false;
  for (const Watcher& w : watchers_) watched = watched || t % w.every == 0;
  if (recorded || watched) {
    latest_ = match_->Snapshot();
    latest_round_ = t;
  }
  if (clocked) PublishMetrics(t, final, now);  // the period is checked on clocked rounds only
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
    if (service_metrics_ != nullptr) service_metrics_->DeadlineMissed();
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
  if (service_metrics_ != nullptr) service_metrics_->Evicted();
  Vacate(i);
}

void HostedGame::Vacate(int i) {
  Seat& seat = seats_[i];
  seat.stream = nullptr;
  seat.consecutive = 0;
  seat.joined_pending = false;
  budget_->Release();
  if (service_metrics_ != nullptr) service_metrics_->AgentDisconnected();
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
    CountRejected(RejectReason::kProtocol);
    return SendError(
        stream, absl::StatusCode::kFailedPrecondition,
        absl::StrCat("action: game ", id_, " has not started (wait for the Start message)"), round);
  }
  if (round != match_->round()) {
    ++seat.rejected;
    CountRejected(RejectReason::kWrongRound);
    return SendError(
        stream, absl::StatusCode::kInvalidArgument,
        absl::StrCat("action.round: ", round, ", but game ", id_, " is at round ", match_->round()),
        round);
  }
  if (seat.submitted) {
    ++seat.rejected;  // late (the straggler policy played) or a second action
    CountRejected(seat.substituted_now ? RejectReason::kWrongRound : RejectReason::kProtocol);
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
    CountRejected(RejectReason::kInvalidAction);
    std::string message(status.message());
    if (!absl::StartsWith(message, "action")) message = absl::StrCat("action: ", message);
    return SendError(stream, status.code(), std::move(message), round);
  }
  seat.submitted = true;
  seat.consecutive = 0;
  if (metrics_ != nullptr) {
    metrics_->AgentResponded(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                           std::max(round_start_, seat.joined_at))
                                 .count());
  }
  seat.has_last = true;
  seat.last_action = std::move(wire->action);
  seat.last_has_strategy = wire->has_strategy;
  if (wire->has_strategy) seat.last_strategy = std::move(wire->strategy);
  Advance();
}

void HostedGame::CountRejected(RejectReason reason) {
  if (service_metrics_ != nullptr) service_metrics_->Rejected(reason);
}

void HostedGame::PublishMetrics(int64_t t, bool final, std::chrono::steady_clock::time_point now) {
  if (!metrics_->Due(t, final, now)) return;
  if (latest_round_ != t) {
    latest_ = match_->Snapshot();
    latest_round_ = t;
  }
  metrics_->Publish(latest_, now);
}

}  // namespace nashnet::server

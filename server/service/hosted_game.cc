// HostedGame: driving the round loop, its listener (journal, rounds.csv, metrics, watchers),
// actions and feedback, and the batches of rounds on their way to disk. Creation and recovery are
// in hosted_game_create.cc / hosted_game_recover.cc, joins and history in hosted_game_join.cc,
// the end of a game in hosted_game_end.cc.
#include "server/service/hosted_game.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "server/journal/journal_file.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
#include "server/service/game_record.h"
#include "server/service/hosted_game_internal.h"

namespace nashnet::server {
namespace {

// A batch goes to disk once it holds this much, whatever the flush period.
constexpr size_t kFlushBytes = 64 << 10;
constexpr size_t kFlushRows = 1024;

}  // namespace

void HostedGame::Drive() {
  if (!loop_->Advance()) return;
  // The slice ran out (an all-local game): yield the thread, continue from the io_context.
  boost::asio::post(io_->get_executor(), [self = shared_from_this()] {
    boost::asio::dispatch(self->strand_, [self] { self->Drive(); });
  });
}

void HostedGame::OnRunning(bool first) {
  if (replaying_) return;
  first_round_start_ = clock_->Now();
  round_start_ = first_round_start_;
  ReportSeats();
  if (!first) return;  // a recovered game: its agents got Joined{started}, no Start
  for (Seat& seat : seats_) {
    if (seat.local || seat.stream == nullptr) continue;
    if (v1::CoordinatorMessage* out = seat.stream->Outbox(); out != nullptr) {
      out->mutable_start()->set_round(loop_->round());
      seat.stream->Send();
    }
  }
}

void HostedGame::OnRoundResolved(int64_t t) {
  const int n = static_cast<int>(seats_.size());
  // The journal: what every seat played, and the feedback remote seats are sent.
  if (journal_.enabled && !replaying_) {
    v1::JournalRound* round = journal_record_.mutable_round();
    round->set_round(t);
    while (round->seats_size() < n) round->add_seats();
    for (int i = 0; i < n; ++i) {
      v1::JournalSeatPlay* play = round->mutable_seats(i);
      const SeatPlay& p = loop_->play(i);
      agents::ActionToProto(t, p.action, p.strategy, play->mutable_action());
      play->set_substituted(loop_->substituted(i));
      if (seats_[i].local) {
        play->clear_feedback();
      } else {
        agents::FeedbackToProto(loop_->feedback(i), p.action, loop_->substituted(i),
                                play->mutable_feedback());
      }
    }
    AppendJournalRecord(journal_record_, &batch_->journal);
  }
  const bool final = t == plan_.match.rounds;
  const bool recorded = IsRecordedRound(t, plan_.spec.record_every(), plan_.match.rounds) &&
                        (!replaying_ || t > csv_last_round_);
  bool watched = false;
  for (const Watcher& w : watchers_) watched = watched || t % w.every == 0;
  if (recorded || watched) {
    latest_ = loop_->match().Snapshot();
    latest_round_ = t;
  }
  if (recorded) {
    batch_->rows.push_back(latest_);
    last_row_round_ = t;
  }
  if (replaying_) return;
  if (metrics_ != nullptr) {
    // Remote rounds are all timed; an all-local game (rounds of a fraction of a microsecond)
    // times one round in kTimedRoundEvery and counts the others.
    const int64_t every = GameMetrics::kTimedRoundEvery;
    const bool timed = num_remote_ > 0 || t % every == 1;
    if (timed || final || t % every == 0) {
      const Clock::Time now = clock_->Now();
      if (timed) {
        metrics_->RoundResolved(std::chrono::duration<double>(now - round_start_).count());
      } else {
        metrics_->RoundCounted();
      }
      if (timed || final) PublishMetrics(t, final, now);  // the period is checked on these only
      round_start_ = now;                                 // the next round starts now
    } else {
      metrics_->RoundCounted();
    }
  }
  if (watched) NotifyWatchers(/*last=*/false);
  MaybeFlush(/*force=*/false);
}

void HostedGame::OnSeatMissed(int seat, int64_t /*round*/) {
  if (service_metrics_ != nullptr) service_metrics_->DeadlineMissed();
  AppendEvent(seat, v1::JournalSeatEvent::KIND_MISSED_DEADLINE);
}

void HostedGame::OnSeatLost(int seat, SeatLoss /*why*/) {
  if (service_metrics_ != nullptr) service_metrics_->Evicted();
  AppendEvent(seat, v1::JournalSeatEvent::KIND_EVICTED);
}

void HostedGame::AppendEvent(int seat, v1::JournalSeatEvent::Kind kind) {
  if (!journal_.enabled || replaying_) return;
  v1::JournalRecord record;
  v1::JournalSeatEvent* event = record.mutable_seat_event();
  event->set_seat(seat);
  event->set_kind(kind);
  event->set_round(loop_->round());
  if (kind == v1::JournalSeatEvent::KIND_JOINED || kind == v1::JournalSeatEvent::KIND_RESUMED) {
    event->set_agent_name(seats_[seat].agent_name);
    *event->mutable_learner() = seats_[seat].learner;
  }
  AppendJournalRecord(record, &batch_->journal);
  MaybeFlush(/*force=*/false);
}

void HostedGame::SendFeedback(int i, int64_t round, const SeatPlay& play, bool substituted,
                              const agents::Feedback& feedback) {
  Seat& seat = seats_[i];
  if (seat.stream == nullptr || replaying_) return;
  if (seat.joined_pending) {
    // Joined (and the seat's history, this round included) go out now that the round is over —
    // unless the agent filled its stream with Errors (Actions sent before its Joined) and does not
    // read them: then, as for a Feedback without room, it loses the seat (a resume takes it back).
    if (!SendJoined(i)) loop_->Evict(i);
    return;
  }
  if (round < seat.first_feedback_round) return;
  v1::CoordinatorMessage* out = seat.stream->Outbox();
  if (out == nullptr) {
    // Two messages unread: the agent does not read its stream. Its seat goes (a resume takes it
    // back); the loop counts the eviction.
    loop_->Evict(i);
    return;
  }
  agents::FeedbackToProto(feedback, play.action, substituted, out->mutable_feedback());
  seat.stream->Send();
}

void HostedGame::LoseStream(int i, SeatLoss why, int64_t missed) {
  Seat& seat = seats_[i];
  if (seat.stream == nullptr) return;
  seat.stream->End(grpc::Status(
      grpc::StatusCode::DEADLINE_EXCEEDED,
      why == SeatLoss::kNotReading
          ? absl::StrCat("evicted: seat ", i, " of game ", id_,
                         " does not read its stream (two messages unread); resume with the "
                         "seat's token")
          : absl::StrCat("evicted after ", missed, " missed deadlines (seat ", i, " of game ", id_,
                         "); resume with the seat's token")));
  Vacate(i);
}

void HostedGame::Vacate(int i) {
  Seat& seat = seats_[i];
  seat.stream = nullptr;
  seat.joined_pending = false;
  seat.history.clear();
  seat.history_loading = false;
  budget_->Release();
  if (service_metrics_ != nullptr) service_metrics_->AgentDisconnected();
  ReportSeats();
  if (!loop_->ever_started()) {
    // Nobody played yet: the seat is free for anyone, or for its token's holder (the token stays
    // valid until another agent takes the seat, which gets a new one).
    seat.issued = false;
    seat.agent_name.clear();
  }
}

void HostedGame::StreamGone(int i, SeatStream* stream) {
  if (i < 0 || i >= static_cast<int>(seats_.size()) || seats_[i].stream != stream) return;
  Vacate(i);
  loop_->SeatLeft(i);
  Drive();
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
  // Over (stopped, drained, failed): the game is going away; an action meanwhile is moot.
  if (over()) return;
  if (round == seat.resend_round && loop_->submitted(i) && !loop_->substituted(i)) {
    seat.resend_round = 0;  // a resumed agent resending the action we already have
    return;
  }
  if (seat.history_loading || !seat.history.empty()) {
    ++seat.rejected;
    CountRejected(RejectReason::kProtocol);
    return SendError(stream, absl::StatusCode::kFailedPrecondition,
                     "action: the seat's history is still being sent (replay it first)", round);
  }
  absl::StatusOr<agents::WireAction> wire = agents::ActionFromProto(action, seat.dimension);
  absl::Status status = wire.status();
  if (status.ok()) {
    status = loop_->SubmitRemote(i, round, std::move(wire->action),
                                 wire->has_strategy ? &wire->strategy : nullptr);
  }
  if (!status.ok()) {
    ++seat.rejected;
    const bool wrong_round = absl::StartsWith(status.message(), "action.round");
    CountRejected(absl::IsFailedPrecondition(status) && !wrong_round ? RejectReason::kProtocol
                  : wrong_round                                      ? RejectReason::kWrongRound
                                : RejectReason::kInvalidAction);
    std::string message(status.message());
    if (!absl::StartsWith(message, "action")) message = absl::StrCat("action: ", message);
    return SendError(stream, status.code(), std::move(message), round);
  }
  if (metrics_ != nullptr) {
    const Clock::Time now = clock_->Now();
    metrics_->AgentResponded(
        std::chrono::duration<double>(now - loop_->prompted_at(i).value_or(now)).count());
  }
  Drive();
}

void HostedGame::CountRejected(RejectReason reason) {
  if (service_metrics_ != nullptr) service_metrics_->Rejected(reason);
}

void HostedGame::PublishMetrics(int64_t t, bool final, Clock::Time now) {
  if (!metrics_->Due(t, final, now)) {
    // Not yet (the period): if the game goes quiet now (a stall, a vacant seat), the timer
    // publishes this round anyway, so the gauges never stay behind the game.
    if (!publish_armed_ && metrics_->period().count() > 0) {
      publish_armed_ = true;
      publish_timer_->ArmAt(now + metrics_->period(), [this] {
        publish_armed_ = false;
        const int64_t played = loop_->rounds_played();
        const Clock::Time at = clock_->Now();
        if (played > 0 && !over() && metrics_->Due(played, false, at)) {
          PublishMetrics(played, false, at);
        }
      });
    }
    return;
  }
  if (latest_round_ != t) {
    latest_ = loop_->match().Snapshot();
    latest_round_ = t;
  }
  metrics_->Publish(latest_, now);
  ReportSeats();
}

void HostedGame::ReportSeats() {
  if (metrics_ == nullptr) return;
  int vacant = 0;
  int64_t substituted = 0;
  for (int i = 0; i < static_cast<int>(seats_.size()); ++i) {
    if (seats_[i].local) continue;
    if (seats_[i].stream == nullptr) ++vacant;
    substituted += loop_->stats(i).substituted;
  }
  metrics_->PublishSeats(vacant, substituted);
  // Running: rounds advance. A vacant seat under `wait` holds the game up as much as a game
  // that waits for its agents to resume.
  const GameState state = loop_->state();
  const bool waits = loop_->options().straggler == StragglerPolicy::kWait && vacant > 0;
  const bool running = (state == GameState::kRunning || state == GameState::kStopping) && !waits;
  if (running != reported_running_) {
    reported_running_ = running;
    metrics_->SetRunning(running);
  }
}

void HostedGame::MaybeFlush(bool force) {
  if (batch_->empty() || record_failed_) return;
  if (!force && batch_->journal.size() < kFlushBytes && batch_->rows.size() < kFlushRows) {
    if (!flush_armed_) {
      // The batch goes out at the latest one flush period from now.
      flush_armed_ = true;
      flush_timer_->ArmAt(clock_->Now() + journal_.flush, [this] {
        flush_armed_ = false;
        Flush(/*sync=*/false, nullptr);
      });
    }
    return;
  }
  Flush(/*sync=*/false, nullptr);
}

void HostedGame::Flush(bool sync, std::function<void(absl::Status)> then) {
  if (flush_armed_) {
    flush_armed_ = false;
    flush_timer_->Cancel();
  }
  const Clock::Time now = clock_->Now();
  const bool due_sync = sync || journal_.sync.count() == 0 || now - last_flush_ >= journal_.sync;
  if (due_sync) last_flush_ = now;
  auto batch = std::make_shared<Batch>();
  std::swap(*batch, *batch_);
  batch_->journal.reserve(batch->journal.capacity());
  writer_->Post([record = record_, batch, due_sync, then = std::move(then),
                 self = shared_from_this()]() mutable {
    absl::Status status = record->Append(batch->journal, batch->rows, due_sync);
    if (!status.ok() || then) {
      boost::asio::dispatch(self->strand_, [self, status, then = std::move(then)] {
        if (!status.ok()) self->RecordFailed(status);
        if (then) then(status);
      });
    }
  });
}

void HostedGame::RecordFailed(const absl::Status& status) {
  if (record_failed_) return;
  record_failed_ = true;
  message_ = absl::StrCat("the run record could not be written: ", status.message());
  loop_->Fail();  // OnEnded(kFailed): agents get GameOver{FAILED} at once
}

}  // namespace nashnet::server

// HostedGame: an agent's Join (tokens, seat choice or resume, the seat budget), Joined, and the
// history a resuming agent replays.
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "common/constant_time.h"
#include "server/journal/journal_file.h"
#include "server/metrics/service_metrics.h"
#include "server/service/game_record.h"
#include "server/service/hosted_game.h"
#include "server/service/hosted_game_internal.h"

namespace nashnet::server {
namespace {

// History messages stay well under the default 4 MiB message limit of agents.
constexpr size_t kHistoryMessageBytes = 1 << 20;

}  // namespace

absl::StatusOr<int> HostedGame::Join(SeatStream* stream, const v1::Join& join) {
  if (over()) {
    CountRejected(RejectReason::kOther);
    return absl::FailedPreconditionError(absl::StrCat("game ", id_, " is over"));
  }
  if (loop_->state() == GameState::kStopping) {
    CountRejected(RejectReason::kOther);
    return absl::UnavailableError(absl::StrCat("game ", id_, " is stopping"));
  }
  if (!join_token_.empty() && !ConstantTimeEquals(join.join_token(), join_token_)) {
    CountRejected(RejectReason::kUnauthenticated);
    return absl::UnauthenticatedError(
        join.join_token().empty() ? absl::StrCat("join.join_token: game ", id_, " needs one")
                                  : absl::StrCat("join.join_token: wrong token for game ", id_));
  }
  const int n = static_cast<int>(seats_.size());
  const bool resume = !join.resume_token().empty();
  int i = -1;
  if (resume) {
    // Before round 1 a vacated seat keeps its token until another agent takes the seat, so the
    // agent that left can still come back with it.
    for (int k = 0; k < n; ++k) {
      const Seat& s = seats_[k];
      if (!s.local && (s.issued || !loop_->ever_started()) &&
          ConstantTimeEquals(s.token, join.resume_token())) {
        i = k;
      }
    }
    if (i < 0) {
      CountRejected(RejectReason::kUnauthenticated);
      return absl::InvalidArgumentError(
          absl::StrCat("join.resume_token: not a resume token of game ", id_));
    }
    if (join.seat_choice_case() == v1::Join::kSeat && join.seat() != i) {
      CountRejected(RejectReason::kNoSeat);
      return absl::InvalidArgumentError(
          absl::StrCat("join.seat: ", join.seat(), ", but the resume token is seat ", i, "'s"));
    }
  } else if (join.seat_choice_case() == v1::Join::kSeat) {
    i = join.seat();
    if (i < 0 || i >= n) {
      CountRejected(RejectReason::kNoSeat);
      return absl::InvalidArgumentError(absl::StrCat("join.seat: ", i, " is not a seat (game ", id_,
                                                     " has seats 0..", n - 1, ")"));
    }
    if (seats_[i].local) {
      CountRejected(RejectReason::kNoSeat);
      return absl::FailedPreconditionError(absl::StrCat(
          "join.seat: seat ", i, " of game ", id_, " is played by the coordinator (local seat)"));
    }
    if (seats_[i].issued) {
      CountRejected(RejectReason::kNoSeat);
      return absl::FailedPreconditionError(
          absl::StrCat("join.seat: seat ", i, " of game ", id_, " is taken",
                       seats_[i].stream == nullptr ? " (its agent may resume it)" : ""));
    }
  } else {
    for (int k = 0; k < n && i < 0; ++k) {
      if (!seats_[k].local && !seats_[k].issued) i = k;
    }
    if (i < 0) {
      CountRejected(RejectReason::kNoSeat);
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
    Vacate(i);
    loop_->SeatLeft(i);
  }
  if (!budget_->TryAcquire()) {
    CountRejected(RejectReason::kLimit);
    return absl::ResourceExhaustedError(absl::StrCat("coordinator: --max-seats reached (",
                                                     budget_->max(), " connected remote seats)"));
  }
  if (service_metrics_ != nullptr) service_metrics_->AgentConnected();
  if (!resume && seat.handed_out) {
    // A new agent takes a seat whose token an agent that left before round 1 still holds: the
    // seat gets a new token (and the old one stops working).
    seat.token = NewToken();
    writer_->Post([record = record_, secrets = Secrets()] {
      record->WriteSecrets(secrets).IgnoreError();  // a failure fails the next Append
    });
  }
  seat.issued = true;
  seat.handed_out = true;
  seat.stream = stream;
  seat.learner_round = resume ? join.learner_round() : 0;
  if (!join.agent_name().empty()) seat.agent_name = join.agent_name();
  if (!join.learner().algorithm().empty()) {
    seat.learner = join.learner();  // it runs its own learner: the record says so
  } else if (!join.algorithm().empty() && join.algorithm() != seat.spec_learner.algorithm()) {
    seat.learner.Clear();
    seat.learner.set_algorithm(join.algorithm());
  } else {
    seat.learner = seat.spec_learner;
  }
  if (resume) ++seat.resumes;
  AppendEvent(i, resume ? v1::JournalSeatEvent::KIND_RESUMED : v1::JournalSeatEvent::KIND_JOINED);
  ReportSeats();
  if (loop_->submitted(i) && loop_->substituted(i)) {
    // The straggler policy already played this round for the seat: the agent comes in at the
    // next round, so Joined (and its history, this round included) wait until it is resolved.
    seat.joined_pending = true;
    loop_->SeatJoined(i, /*catching_up=*/true);
  } else {
    // A fresh stream: room for Joined (nothing was sent on it yet).
    static_cast<void>(SendJoined(i));
  }
  Drive();
  return i;
}

bool HostedGame::SendJoined(int i) {
  Seat& seat = seats_[i];
  seat.joined_pending = false;
  const int64_t played = loop_->rounds_played();
  const int64_t next = loop_->round();
  const int64_t absorbed = seat.learner_round;
  // What the agent must replay: everything (a fresh learner, or one ahead of the journal: reset)
  // or what it missed. Without a journal there is nothing to replay from.
  seat.reset = absorbed > played;
  seat.replay_from = 0;
  if (journal_.enabled && played > 0) {
    if (seat.reset || absorbed <= 0) {
      seat.replay_from = 1;
    } else if (absorbed < played) {
      seat.replay_from = absorbed + 1;
    }
  }
  seat.first_feedback_round = next;
  seat.resend_round = loop_->submitted(i) && !loop_->substituted(i) ? next : 0;
  v1::CoordinatorMessage* out = seat.stream->Outbox();
  if (out == nullptr) return false;
  v1::Joined* joined = out->mutable_joined();
  joined->set_game_id(id_);
  joined->set_seat(i);
  agents::PlayerViewToProto(loop_->match().ViewFor(i), joined->mutable_view());
  joined->set_round_deadline_ms(loop_->options().deadline.count());
  joined->set_straggler(plan_.spec.service().straggler() == v1::STRAGGLER_POLICY_UNSPECIFIED
                            ? v1::STRAGGLER_POLICY_WAIT
                            : plan_.spec.service().straggler());
  joined->set_resume_token(seat.token);
  joined->set_next_round(next);
  joined->set_started(loop_->ever_started());
  *joined->mutable_learner() = seat.spec_learner;
  joined->set_reset(seat.reset);
  joined->set_replay_from(seat.replay_from);
  seat.stream->Send();
  if (seat.replay_from == 0) {
    if (loop_->seat_state(i) == SeatState::kCatchingUp) {
      loop_->SeatCaughtUp(i);
    } else {
      loop_->SeatJoined(i, /*catching_up=*/false);
    }
    return true;
  }
  // The history comes from the journal: hand the disk what is still in memory, then read it
  // back there (the disk thread runs its tasks in order).
  if (loop_->seat_state(i) != SeatState::kCatchingUp) loop_->SeatJoined(i, /*catching_up=*/true);
  seat.history_loading = true;
  if (!batch_->empty()) Flush(/*sync=*/false, nullptr);
  writer_->Post([self = shared_from_this(), path = record_dir_ / kJournalFileName, i,
                 from = seat.replay_from, to = played, stream = seat.stream] {
    absl::StatusOr<std::vector<v1::CoordinatorMessage>> history =
        ReadSeatHistory(path, i, from, to, kHistoryMessageBytes);
    boost::asio::dispatch(self->strand_, [self, i, stream, history = std::move(history)]() mutable {
      Seat& seat = self->seats_[i];
      if (seat.stream != stream || !seat.history_loading) return;  // gone meanwhile
      seat.history_loading = false;
      if (!history.ok()) {
        // The journal cannot give the seat its past: the agent cannot continue faithfully.
        stream->End(grpc::Status(
            grpc::StatusCode::DATA_LOSS,
            absl::StrCat("seat ", i, " of game ", self->id_,
                         ": cannot replay its history: ", history.status().message())));
        self->Vacate(i);
        self->loop_->SeatLeft(i);
        return;
      }
      for (v1::CoordinatorMessage& message : *history) seat.history.push_back(std::move(message));
      self->PumpHistory(i);
    });
  });
  return true;
}

void HostedGame::PumpHistory(int i) {
  Seat& seat = seats_[i];
  if (seat.stream == nullptr || seat.history_loading) return;
  while (!seat.history.empty()) {
    v1::CoordinatorMessage* out = seat.stream->Outbox();
    if (out == nullptr) return;  // StreamWritable brings us back
    *out = std::move(seat.history.front());
    seat.history.pop_front();
    seat.stream->Send();
  }
  loop_->SeatCaughtUp(i);  // its deadline (if the round runs) starts now
  Drive();
}

void HostedGame::StreamWritable(int i, SeatStream* stream) {
  if (i < 0 || i >= static_cast<int>(seats_.size()) || seats_[i].stream != stream) return;
  if (!seats_[i].history.empty()) PumpHistory(i);
}

}  // namespace nashnet::server

// HostedGame: an agent's Join (token, seat choice or resume, the seat budget) and Joined.
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "server/metrics/service_metrics.h"
#include "server/service/hosted_game.h"
#include "server/service/hosted_game_internal.h"

namespace nashnet::server {

absl::StatusOr<int> HostedGame::Join(SeatStream* stream, const v1::Join& join) {
  if (over_ || stop_requested_) {
    CountRejected(RejectReason::kOther);
    if (over_) return absl::FailedPreconditionError(absl::StrCat("game ", id_, " is over"));
    return absl::UnavailableError(absl::StrCat("game ", id_, " is stopping"));
  }
  const std::string& needed = plan_.spec.service().join_token();
  if (!needed.empty() && join.join_token() != needed) {
    CountRejected(RejectReason::kUnauthenticated);
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
    seat.stream = nullptr;  // its seat budget (and its count in agents_connected) pass on
  } else if (!budget_->TryAcquire()) {
    CountRejected(RejectReason::kLimit);
    return absl::ResourceExhaustedError(absl::StrCat("coordinator: --max-seats reached (",
                                                     budget_->max(), " connected remote seats)"));
  } else if (service_metrics_ != nullptr) {
    service_metrics_->AgentConnected();  // with the budget: released exactly where it is
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
  if (service_metrics_ != nullptr) seat.joined_at = std::chrono::steady_clock::now();
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

}  // namespace nashnet::server

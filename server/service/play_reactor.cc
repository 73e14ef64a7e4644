#include "server/service/play_reactor.h"

#include <boost/asio/dispatch.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/metrics/service_metrics.h"
#include "server/service/grpc_status.h"

namespace nashnet::server {
namespace {

// The longest agent name, algorithm, join token or resume token a Join may carry.
constexpr size_t kMaxJoinField = 256;

// Bounds on a Join's free-text fields (before the game is looked up): a 4 MiB name would bloat
// the coordinator's memory and every ListGames answer. `*reason` says why it was refused.
absl::Status CheckJoinSizes(const v1::Join& join, RejectReason* reason) {
  *reason = RejectReason::kNotFound;  // not a game id, so not a game
  if (absl::Status st = ValidateGameId(join.game_id(), "join.game_id"); !st.ok()) return st;
  *reason = RejectReason::kLimit;
  const std::pair<const char*, const std::string*> fields[] = {
      {"join.agent_name", &join.agent_name()},
      {"join.algorithm", &join.algorithm()},
      {"join.join_token", &join.join_token()},
      {"join.resume_token", &join.resume_token()},
  };
  for (const auto& [name, value] : fields) {
    if (value->size() > kMaxJoinField) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": ", value->size(), " bytes, at most ", kMaxJoinField));
    }
  }
  return absl::OkStatus();
}

}  // namespace

PlayReactor::PlayReactor(grpc::CallbackServerContext* context, GameDirectory* directory,
                         ServiceMetrics* metrics)
    : context_(context), directory_(directory), metrics_(metrics) {
  reading_ = true;
  StartRead(&in_);
}

void PlayReactor::OnReadDone(bool ok) {
  if (game_ == nullptr) {
    OnJoin(ok);
    return;
  }
  boost::asio::dispatch(game_->strand(), [this, ok] { OnMessage(ok); });
}

void PlayReactor::OnJoin(bool ok) {
  reading_ = false;
  grpc::Status status;
  RejectReason reason = RejectReason::kProtocol;
  if (!ok) {
    status = grpc::Status(grpc::StatusCode::CANCELLED, "the stream ended before a Join");
  } else if (in_.kind_case() != v1::AgentMessage::kJoin) {
    status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          in_.kind_case() == v1::AgentMessage::kAction
                              ? "action before join: the first message must be a Join"
                              : "the first message must be a Join");
  } else if (in_.join().game_id().empty()) {
    status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "join.game_id: missing");
  } else if (absl::Status sizes = CheckJoinSizes(in_.join(), &reason); !sizes.ok()) {
    status = ToGrpcStatus(sizes);
  } else if (directory_->draining()) {
    reason = RejectReason::kOther;
    status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the coordinator is shutting down (no new joins)");
  } else if (std::shared_ptr<HostedGame> game = directory_->Find(in_.join().game_id());
             game == nullptr) {
    reason = RejectReason::kNotFound;
    status = grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("join.game_id: no game ", QuoteInput(in_.join().game_id())));
  } else {
    game_ = std::move(game);
    boost::asio::dispatch(game_->strand(), [this] {
      absl::StatusOr<int> seat = game_->Join(this, in_.join());
      if (!seat.ok()) return Close(ToGrpcStatus(seat.status()));
      seat_ = *seat;
      MaybeRead();
    });
    return;
  }
  if (ok && metrics_ != nullptr) metrics_->Rejected(reason);  // !ok: the stream just ended
  finished_ = true;
  Finish(status);
}

void PlayReactor::OnMessage(bool ok) {
  reading_ = false;
  if (closing_) return;  // the game let go of this stream
  if (!ok) {
    // The agent half-closed, cancelled or lost its connection: its seat becomes vacant.
    game_->StreamGone(seat_, this);
    return Close(game_->over()
                     ? grpc::Status::OK
                     : grpc::Status(grpc::StatusCode::CANCELLED, "the agent closed its stream"));
  }
  switch (in_.kind_case()) {
    case v1::AgentMessage::kAction:
      game_->OnAction(seat_, this, in_.action());
      break;
    case v1::AgentMessage::kJoin:
      if (metrics_ != nullptr) metrics_->Rejected(RejectReason::kProtocol);
      game_->StreamGone(seat_, this);
      return Close(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                absl::StrCat("join: a second Join on the stream of seat ", seat_,
                                             " of game ", game_->id())));
    default:
      if (metrics_ != nullptr) metrics_->Rejected(RejectReason::kProtocol);
      game_->StreamGone(seat_, this);
      return Close(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "message: neither join nor action is set"));
  }
  MaybeRead();
}

void PlayReactor::MaybeRead() {
  if (closing_ || reading_ || waiting_) return;
  reading_ = true;
  StartRead(&in_);
}

v1::CoordinatorMessage* PlayReactor::Outbox() {
  if (closing_) return nullptr;
  v1::CoordinatorMessage* slot = nullptr;
  if (!writing_) {
    slot = &out_[current_];
  } else if (!waiting_) {
    slot = &out_[1 - current_];
  } else {
    return nullptr;
  }
  // Keep a Feedback's allocation (the message of every round); clear anything else.
  if (slot->kind_case() == v1::CoordinatorMessage::kFeedback) {
    slot->mutable_feedback()->Clear();
  } else {
    slot->Clear();
  }
  return slot;
}

v1::CoordinatorMessage* PlayReactor::LastOutbox() {
  if (closing_) return nullptr;
  last_.Clear();
  has_last_ = true;
  return &last_;
}

void PlayReactor::Send() {
  if (!writing_) {
    writing_ = true;
    StartWrite(&out_[current_]);
  } else {
    waiting_ = true;
  }
}

void PlayReactor::OnWriteDone(bool ok) {
  boost::asio::dispatch(game_->strand(), [this, ok] { OnWritten(ok); });
}

void PlayReactor::OnWritten(bool ok) {
  writing_ = false;
  if (!ok) {
    waiting_ = false;  // the stream is broken; the failing read reports it
    has_last_ = false;
  } else if (waiting_) {
    waiting_ = false;
    current_ = 1 - current_;
    writing_ = true;
    StartWrite(&out_[current_]);
  }
  MaybeFinish();
  MaybeRead();
  // A slot is free again: the game may have more to send (a resume's history).
  if (ok && !closing_ && !waiting_ && seat_ >= 0) game_->StreamWritable(seat_, this);
}

void PlayReactor::End(const grpc::Status& status) {
  // A write the agent does not take (flow control) would hold the finish forever: cancel it.
  // closing_ first, so that nothing queues another write once the cancel is under way.
  const bool cancel = !status.ok() && writing_;
  Close(status);
  if (cancel) context_->TryCancel();
}

void PlayReactor::Close(const grpc::Status& status) {
  if (closing_) return;
  closing_ = true;
  close_status_ = status;
  MaybeFinish();
}

void PlayReactor::MaybeFinish() {
  if (!closing_ || finished_ || writing_ || waiting_) return;
  if (has_last_) {  // the outbox is flushed: the last message, then the finish
    has_last_ = false;
    writing_ = true;
    StartWrite(&last_);
    return;
  }
  finished_ = true;
  Finish(close_status_);
}

void PlayReactor::OnDone() {
  if (game_ == nullptr) {
    delete this;
    return;
  }
  // Handlers queued on the strand before this one may still use the reactor.
  std::shared_ptr<HostedGame> game = game_;
  boost::asio::dispatch(game->strand(), [this, game] { delete this; });
}

}  // namespace nashnet::server

#include "server/service/play_reactor.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/metrics/service_metrics.h"
#include "server/service/grpc_status.h"
#include "server/service/request_bounds.h"

namespace nashnet::server {
namespace {

// Bounds on a Join's free-text fields (before the game is looked up): a 4 MiB name would bloat
// the coordinator's memory and every ListGames answer. `*reason` says why it was refused.
absl::Status CheckJoinSizes(const v1::Join& join, RejectReason* reason) {
  *reason = RejectReason::kNotFound;  // not a game id, so not a game
  if (absl::Status st = ValidateGameId(join.game_id(), "join.game_id"); !st.ok()) return st;
  *reason = RejectReason::kLimit;
  return CheckJoinBounds(join);  // every string and the learner's params (request_bounds.h)
}

std::atomic<int64_t> live_play_reactors{0};

grpc::Status UndecodableStatus(size_t bytes) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat("message: ", bytes,
                                   " bytes that are not a nashnet.v1.AgentMessage (undecodable)"));
}

}  // namespace

int64_t LivePlayReactors() { return live_play_reactors.load(std::memory_order_relaxed); }

PlayReactor::~PlayReactor() { live_play_reactors.fetch_sub(1, std::memory_order_relaxed); }

PlayReactor::PlayReactor(grpc::CallbackServerContext* context, const PlayEnv& env)
    : context_(context), env_(env) {
  live_play_reactors.fetch_add(1, std::memory_order_relaxed);
  reading_ = true;
  StartRead(&in_bytes_);
  if (env_.io != nullptr) {
    // After StartRead: the deadline may finish the stream at once, and the read then fails.
    join_timer_.emplace(env_.io);
    join_timer_->Start(env_.join_timeout, [this] {
      if (env_.metrics != nullptr) env_.metrics->Rejected(RejectReason::kProtocol);
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          absl::StrCat("join: no Join within ", env_.join_timeout.count(),
                                       " ms of the stream's start (--join-timeout-ms)")));
    });
  }
}

void PlayReactor::OnReadDone(bool ok) {
  if (game_ == nullptr) {
    // The join deadline finished the stream already: this is its read failing.
    if (join_timer_.has_value() && !join_timer_->Cancel()) return;
    OnJoin(ok);
    return;
  }
  boost::asio::dispatch(game_->strand(), [this, ok] { OnMessage(ok); });
}

bool PlayReactor::Decode(size_t* bytes) {
  *bytes = in_bytes_.Length();
  // What gRPC would do with a generated message type, minus the silent failure.
  return grpc::SerializationTraits<v1::AgentMessage>::Deserialize(&in_bytes_, &in_).ok();
}

void PlayReactor::Write(const v1::CoordinatorMessage& message) {
  bool own_buffer = false;
  write_bytes_.Clear();
  if (!grpc::SerializationTraits<v1::CoordinatorMessage>::Serialize(message, &write_bytes_,
                                                                    &own_buffer)
           .ok()) {
    // Only a message over 2 GiB fails to serialize; ours are bounded far below. Send nothing
    // rather than garbage: empty bytes read as an empty CoordinatorMessage.
    write_bytes_.Clear();
  }
  StartWrite(&write_bytes_);
}

void PlayReactor::OnJoin(bool ok) {
  reading_ = false;
  grpc::Status status;
  RejectReason reason = RejectReason::kProtocol;
  size_t bytes = 0;
  if (!ok) {
    status = grpc::Status(grpc::StatusCode::CANCELLED, "the stream ended before a Join");
  } else if (!Decode(&bytes)) {
    status = UndecodableStatus(bytes);
  } else if (in_.kind_case() != v1::AgentMessage::kJoin) {
    status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          in_.kind_case() == v1::AgentMessage::kAction
                              ? "action before join: the first message must be a Join"
                              : "the first message must be a Join");
  } else if (in_.join().game_id().empty()) {
    status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "join.game_id: missing");
  } else if (absl::Status sizes = CheckJoinSizes(in_.join(), &reason); !sizes.ok()) {
    status = ToGrpcStatus(sizes);
  } else if (env_.directory->draining()) {
    reason = RejectReason::kOther;
    status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the coordinator is shutting down (no new joins)");
  } else if (std::shared_ptr<HostedGame> game = env_.directory->Find(in_.join().game_id());
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
  if (ok && env_.metrics != nullptr) env_.metrics->Rejected(reason);  // !ok: the stream ended
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
  if (size_t bytes = 0; !Decode(&bytes)) {
    if (env_.metrics != nullptr) env_.metrics->Rejected(RejectReason::kProtocol);
    game_->StreamGone(seat_, this);
    return Close(UndecodableStatus(bytes));
  }
  switch (in_.kind_case()) {
    case v1::AgentMessage::kAction:
      game_->OnAction(seat_, this, in_.action());
      break;
    case v1::AgentMessage::kJoin:
      if (env_.metrics != nullptr) env_.metrics->Rejected(RejectReason::kProtocol);
      game_->StreamGone(seat_, this);
      return Close(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                absl::StrCat("join: a second Join on the stream of seat ", seat_,
                                             " of game ", game_->id())));
    default:
      if (env_.metrics != nullptr) env_.metrics->Rejected(RejectReason::kProtocol);
      game_->StreamGone(seat_, this);
      return Close(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "message: neither join nor action is set"));
  }
  MaybeRead();
}

void PlayReactor::MaybeRead() {
  if (closing_ || reading_ || waiting_) return;
  reading_ = true;
  StartRead(&in_bytes_);
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
    Write(out_[current_]);
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
    Write(out_[current_]);
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
  if (!finished_ && env_.io != nullptr) {
    // Messages still to write (GameOver after a Feedback): a client that does not read them
    // within the write timeout is cancelled, so the stream finishes whatever the peer does.
    write_timer_.emplace(env_.io);
    write_timer_->Start(env_.write_timeout, [context = context_] { context->TryCancel(); });
  }
}

void PlayReactor::MaybeFinish() {
  if (!closing_ || finished_ || writing_ || waiting_) return;
  if (has_last_) {  // the outbox is flushed: the last message, then the finish
    has_last_ = false;
    writing_ = true;
    Write(last_);
    return;
  }
  finished_ = true;
  Finish(close_status_);
}

void PlayReactor::OnDone() {
  // Before returning: the context dies with the call, and the timers' callbacks use it.
  if (join_timer_.has_value()) join_timer_->Cancel();
  if (write_timer_.has_value()) write_timer_->Cancel();
  if (game_ == nullptr) {
    delete this;
    return;
  }
  // Handlers queued on the strand before this one may still use the reactor.
  std::shared_ptr<HostedGame> game = game_;
  boost::asio::dispatch(game->strand(), [this, game] { delete this; });
}

}  // namespace nashnet::server

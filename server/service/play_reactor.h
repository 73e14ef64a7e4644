// PlayReactor: the server side of one Coordinator.Play stream — one agent in one game.
//
// Never blocks. The first message must be a Join, within the join timeout (else the stream ends
// DEADLINE_EXCEEDED): the reactor finds the game (NOT_FOUND, UNAVAILABLE while draining) and from
// then on posts every reaction — reads, write completions, the end of the stream — onto the game's
// strand, where it also implements SeatStream for the game. One read is outstanding at a time, and
// only while the outbox has a free slot (an agent that floods the coordinator is throttled, never
// buffered without bound). The outbox holds one message being written and one waiting; the game
// treats a full outbox as an agent that cannot keep up. (A stream costs no file descriptor: while
// descriptors are short the coordinator refuses new connections, not streams on open ones.)
//
// The stream carries raw bytes (the service registers Play as a raw method): the reactor decodes
// each AgentMessage itself, so undecodable bytes end the stream INVALID_ARGUMENT. (With generated
// types gRPC reports a failed decode as a failed read, indistinguishable from a half-close.)
//
// Every stream finishes: once closing, it finishes when its outbox is flushed — and a client that
// does not read its last messages within the write timeout is cancelled (a non-OK end with a write
// in flight cancels at once). OnDone always follows a finish.
//
// Lifetime: created by CoordinatorService::Play, deleted on the game's strand after OnDone (so any
// handler queued on the strand before it still finds the reactor alive); before a Join, deleted
// in OnDone. The game lets go of the reactor when it calls End() or when the reactor tells it
// StreamGone(); it never touches the reactor afterwards.
//
// Thread safety: before the Join, reactions come one at a time from gRPC (the join deadline's
// callback finishes the stream from a timer thread, excluded by StreamTimer's cancel); after it,
// everything runs on the game's strand.
#pragma once

#include <grpcpp/grpcpp.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "nashnet/v1/coordinator.grpc.pb.h"
#include "server/service/game_directory.h"
#include "server/service/hosted_game.h"
#include "server/service/stream_timer.h"
#include "server/service/streams.h"

namespace nashnet::server {

// What a Play stream needs from the coordinator.
struct PlayEnv {
  GameDirectory* directory = nullptr;
  ServiceMetrics* metrics = nullptr;      // counts rejections before a game (null: none)
  boost::asio::io_context* io = nullptr;  // the join and write deadlines' timers (null: none)
  std::chrono::milliseconds join_timeout{10000};   // --join-timeout-ms
  std::chrono::milliseconds write_timeout{10000};  // --write-timeout-ms
};

// Play reactors alive in this process (each is deleted exactly once, after its OnDone).
[[nodiscard]] int64_t LivePlayReactors();

class PlayReactor final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                          public SeatStream {
 public:
  PlayReactor(grpc::CallbackServerContext* context, const PlayEnv& env);
  ~PlayReactor() override;

  // gRPC reactions.
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;
  // Cancellation needs nothing here: the outstanding read then fails, which ends the seat.
  void OnCancel() override {}

  // SeatStream (on the game's strand).
  v1::CoordinatorMessage* Outbox() override;
  void Send() override;
  v1::CoordinatorMessage* LastOutbox() override;
  void End(const grpc::Status& status) override;

 private:
  void OnJoin(bool ok);                    // the first message, on a gRPC thread
  void OnMessage(bool ok);                 // every later read, on the strand
  void OnWritten(bool ok);                 // on the strand
  void MaybeRead();                        // on the strand
  void Close(const grpc::Status& status);  // finish once the outbox is flushed
  void MaybeFinish();
  // Decodes in_bytes_ into in_; false if the bytes are not an AgentMessage (`*bytes`: how many).
  bool Decode(size_t* bytes);
  void Write(const v1::CoordinatorMessage& message);  // serializes into write_bytes_

  grpc::CallbackServerContext* context_;
  const PlayEnv env_;
  std::shared_ptr<HostedGame> game_;  // set by the Join
  int seat_ = -1;
  std::optional<StreamTimer> join_timer_;   // until the Join
  std::optional<StreamTimer> write_timer_;  // once closing with writes still to go

  grpc::ByteBuffer in_bytes_;
  v1::AgentMessage in_;
  grpc::ByteBuffer write_bytes_;   // the message being written
  v1::CoordinatorMessage out_[2];  // out_[current_] is being written; the other waits
  int current_ = 0;
  bool writing_ = false;
  bool waiting_ = false;         // out_[1 - current_] holds a message to write next
  v1::CoordinatorMessage last_;  // LastOutbox(): written after out_, before the finish
  bool has_last_ = false;
  bool reading_ = false;
  bool closing_ = false;   // Close() called: no more reads, finish when flushed
  bool finished_ = false;  // Finish() called
  grpc::Status close_status_;
};

}  // namespace nashnet::server

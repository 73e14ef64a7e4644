// PlayReactor: the server side of one Coordinator.Play stream — one agent in one game.
//
// Never blocks. The first message must be a Join: the reactor finds the game (NOT_FOUND,
// UNAVAILABLE while draining) and from then on posts every reaction — reads, write completions,
// the end of the stream — onto the game's strand, where it also implements SeatStream for the
// game. One read is outstanding at a time, and only while the outbox has a free slot (an agent
// that floods the coordinator is throttled, never buffered without bound). The outbox holds one
// message being written and one waiting; the game treats a full outbox as an agent that cannot
// keep up.
//
// Lifetime: created by CoordinatorService::Play, deleted on the game's strand after OnDone (so any
// handler queued on the strand before it still finds the reactor alive). The game lets go of the
// reactor when it calls End() or when the reactor tells it StreamGone(); it never touches the
// reactor afterwards.
//
// Thread safety: before the Join, reactions come one at a time from gRPC; after it, everything
// runs on the game's strand.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "nashnet/v1/coordinator.grpc.pb.h"
#include "server/service/game_directory.h"
#include "server/service/hosted_game.h"
#include "server/service/streams.h"

namespace nashnet::server {

class PlayReactor final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::CoordinatorMessage>,
                          public SeatStream {
 public:
  // `metrics` (may be null) counts the stream's rejections before it reaches a game.
  PlayReactor(grpc::CallbackServerContext* context, GameDirectory* directory,
              ServiceMetrics* metrics = nullptr);

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

  grpc::CallbackServerContext* context_;
  GameDirectory* directory_;
  ServiceMetrics* metrics_;
  std::shared_ptr<HostedGame> game_;  // set by the Join
  int seat_ = -1;

  v1::AgentMessage in_;
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

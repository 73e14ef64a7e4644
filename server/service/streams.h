// The two kinds of stream a hosted game talks to, as the game sees them: an agent's Play stream
// (SeatStream) and an admin's WatchGame stream (WatchStream).
//
// PlayReactor and WatchReactor (play_reactor.h, admin_service.h) implement them over gRPC; unit
// tests implement them with plain vectors, so HostedGame is testable without a network.
//
//   v1::CoordinatorMessage* out = stream->Outbox();   // nullptr: the one slot is taken
//   if (out == nullptr) { /* the agent is not keeping up: a miss, then eviction */ }
//   out->mutable_feedback()->set_round(t);
//   stream->Send();
//
// Thread safety: every call happens on the owning game's strand. A stream stays valid until the
// game calls End() or is told the stream is gone (HostedGame::StreamGone); after that the game
// never touches it again.
#pragma once

#include <grpcpp/support/status.h>

#include "nashnet/v1/coordinator.pb.h"

namespace nashnet::server {

class SeatStream {
 public:
  virtual ~SeatStream() = default;

  // The free outbox slot to fill with the next message (cleared), or nullptr if a message is
  // being written and the one waiting slot is taken too: the agent is not keeping up.
  [[nodiscard]] virtual v1::CoordinatorMessage* Outbox() = 0;

  // Sends the message just written into Outbox().
  virtual void Send() = 0;

  // The slot of the stream's last message (cleared; GameOver), or nullptr once End() was
  // called. It is written after every message already sent — however full the outbox — and
  // End() finishes the stream after it: the last message is never dropped for a slow reader.
  // Fill it, then call End() (no Send()).
  [[nodiscard]] virtual v1::CoordinatorMessage* LastOutbox() = 0;

  // Ends the stream with `status` after the messages already sent are written. The game forgets
  // the stream when it calls this.
  virtual void End(const grpc::Status& status) = 0;
};

class WatchStream {
 public:
  virtual ~WatchStream() = default;

  // Queues `update` for the watcher, replacing an update that is still waiting (a slow watcher
  // gets the latest, never a backlog). With `last`, the stream ends with OK after it is written
  // and the game forgets the stream.
  virtual void Update(const v1::GameUpdate& update, bool last) = 0;
};

}  // namespace nashnet::server

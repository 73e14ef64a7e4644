// FakeSeatStream: a SeatStream that keeps what the game sends instead of writing it to an agent —
// for tests and fuzzers that drive a HostedGame without a network (tests/service/
// hosted_game_fixture.h, fuzz/hosted_game.cc). `capacity` and `full` make it a slow reader.
//
//   FakeSeatStream s;  game->Join(&s, join);  s.Last(v1::CoordinatorMessage::kJoined)->...
//
// Thread safety: as SeatStream (the game's strand); read it from elsewhere only while the game
// is idle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "server/service/streams.h"

namespace nashnet::server {

class FakeSeatStream : public SeatStream {
 public:
  v1::CoordinatorMessage* Outbox() override {
    if (ended || full || messages.size() >= capacity) return nullptr;
    slot.Clear();
    return &slot;
  }
  void Send() override { messages.push_back(slot); }
  v1::CoordinatorMessage* LastOutbox() override {
    if (ended) return nullptr;
    last.Clear();
    has_last = true;
    return &last;
  }
  void End(const grpc::Status& status) override {
    if (has_last) messages.push_back(last);  // after everything sent, however full
    ended = true;
    end_status = status;
  }

  // The last message of `kind`, or null.
  const v1::CoordinatorMessage* Last(v1::CoordinatorMessage::KindCase kind) const {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      if (it->kind_case() == kind) return &*it;
    }
    return nullptr;
  }
  int Count(v1::CoordinatorMessage::KindCase kind) const {
    int n = 0;
    for (const auto& m : messages) n += m.kind_case() == kind;
    return n;
  }

  v1::CoordinatorMessage slot;
  v1::CoordinatorMessage last;
  bool has_last = false;
  std::vector<v1::CoordinatorMessage> messages;
  bool full = false;
  size_t capacity = SIZE_MAX;  // Outbox() is full once this many messages were sent
  bool ended = false;
  grpc::Status end_status;
};

}  // namespace nashnet::server

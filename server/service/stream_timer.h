// StreamTimer: a one-shot deadline for a gRPC reactor — a Play stream's Join, the last write of a
// finished stream — that can be cancelled from any thread, and whose callback never runs once
// Cancel() has returned. So a reactor cancels it in OnDone, and the callback may use the reactor
// (call Finish, TryCancel on its context) without any other lifetime arrangement.
//
//   StreamTimer join(io);
//   join.Start(10s, [this] { Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, ...)); });
//   ... in OnReadDone:  if (!join.Cancel()) return;   // false: the deadline already finished it
//   ... in OnDone:      join.Cancel();
//
// The callback runs on an io_context thread while the timer's mutex is held: it must be short and
// must not call Cancel() on the same timer (it returns at once). Not blocking work: a Cancel that
// meets a running callback waits for it, a few microseconds.
//
// Thread safety: Start once, from the owner; Cancel from any thread, any number of times.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace nashnet::server {

class StreamTimer {
 public:
  explicit StreamTimer(boost::asio::io_context* io);
  ~StreamTimer();  // Cancel()
  StreamTimer(const StreamTimer&) = delete;
  StreamTimer& operator=(const StreamTimer&) = delete;

  // Calls `fire` after `delay` on an io_context thread, unless cancelled first.
  void Start(std::chrono::milliseconds delay, std::function<void()> fire);
  // True if `fire` had not run and now never will; false if it ran (or never was started). Once
  // it returns, `fire` is not running.
  bool Cancel();
  // Started and neither fired nor cancelled.
  [[nodiscard]] bool pending() const;

 private:
  struct State {
    explicit State(boost::asio::io_context* io) : timer(*io) {}
    mutable std::mutex mutex;
    std::function<void()> fire;  // set while pending
    boost::asio::steady_timer timer;
  };
  std::shared_ptr<State> state_;  // shared with the wait's handler, which may outlive this
};

}  // namespace nashnet::server

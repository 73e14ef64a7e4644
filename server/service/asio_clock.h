// AsioClock: the production Clock of a hosted game — std::chrono::steady_clock, with timers that
// are Asio steady_timers on the io_context whose callbacks run on the game's strand.
//
//   auto clock = std::make_unique<AsioClock>(io, strand, game->weak_from_this());
//   std::unique_ptr<Timer> timer = clock->NewTimer();
//   timer->ArmAt(clock->Now() + 10s, [] { /* on the strand */ });
//
// Lifetime: a callback runs only while `owner` is alive (it is locked for the call), and never
// after its Timer was destroyed, cancelled or re-armed.
//
// Thread safety: Now() anywhere; a Timer is armed, cancelled and destroyed on the strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_executor.hpp>
#include <memory>

#include "server/clock.h"

namespace nashnet::server {

class AsioClock final : public Clock {
 public:
  using Strand = boost::asio::strand<boost::asio::system_executor>;
  AsioClock(boost::asio::io_context* io, Strand strand, std::weak_ptr<void> owner)
      : io_(io), strand_(std::move(strand)), owner_(std::move(owner)) {}

  [[nodiscard]] Time Now() const override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] std::unique_ptr<Timer> NewTimer() override;

 private:
  boost::asio::io_context* io_;
  Strand strand_;
  std::weak_ptr<void> owner_;
};

}  // namespace nashnet::server

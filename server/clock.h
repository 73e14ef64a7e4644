// Clock and Timer: the time a round loop sees, injected so that deadline, eviction and stall
// behaviour is tested with a fake clock (server/fake_clock.h) instead of sleeps.
//
//   Clock& clock = ...;                        // SteadyClock in production
//   std::unique_ptr<Timer> timer = clock.NewTimer();
//   timer->ArmAt(clock.Now() + 10s, [] { /* on the owner's strand/thread */ });
//
// The production timer (server/service/asio_timer.h) runs its callback on the owning game's
// strand; FakeClock runs it on the thread that advances the fake time.
//
// Thread safety: a Clock's Now() may be called from any thread; a Timer belongs to its owner's
// strand (arm, cancel and the callback all happen there).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace nashnet::server {

class Timer {
 public:
  virtual ~Timer() = default;
  // Calls `fire` once, at or after `at`, unless the timer is re-armed or cancelled first
  // (re-arming replaces the pending call).
  virtual void ArmAt(std::chrono::steady_clock::time_point at, std::function<void()> fire) = 0;
  virtual void Cancel() = 0;
};

class Clock {
 public:
  using Time = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  [[nodiscard]] virtual Time Now() const = 0;
  // A new timer on this clock. Null when the clock has no timers (a loop without remote seats).
  [[nodiscard]] virtual std::unique_ptr<Timer> NewTimer() = 0;
};

// std::chrono::steady_clock, without timers (in-process simulations need none).
class SteadyClock final : public Clock {
 public:
  [[nodiscard]] Time Now() const override { return std::chrono::steady_clock::now(); }
  [[nodiscard]] std::unique_ptr<Timer> NewTimer() override { return nullptr; }
};

}  // namespace nashnet::server

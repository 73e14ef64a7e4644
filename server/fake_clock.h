// FakeClock: a Clock whose time moves only when a test says so, and whose timers fire on the
// test's thread. Deadline, eviction and stall tests use it instead of sleeping.
//
//   FakeClock clock;                      // starts at an arbitrary, non-zero time point
//   RoundLoop loop(..., &clock, ...);
//   clock.Advance(10s);                   // fires every timer due within the next 10 s, each at
//                                         // its own due time (Now() reads that time in the call)
//   clock.Stall(30s);                     // the process was stopped for 30 s: time jumps, then
//                                         // every overdue timer fires late, Now() = the new time
//
// Thread safety: none; one test thread drives it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "server/clock.h"

namespace nashnet::server {

class FakeClock final : public Clock {
 public:
  FakeClock();
  ~FakeClock() override;

  [[nodiscard]] Time Now() const override { return now_; }
  [[nodiscard]] std::unique_ptr<Timer> NewTimer() override;

  // Moves time forward by `d`, firing due timers in time order, each with Now() at its due time.
  void Advance(std::chrono::steady_clock::duration d);
  // Moves time forward by `d` at once (a stalled process), then fires every due timer with Now()
  // at the new time: they fire late.
  void Stall(std::chrono::steady_clock::duration d);

  // Timers armed and not yet fired or cancelled.
  [[nodiscard]] int pending() const { return static_cast<int>(pending_.size()); }
  // The earliest pending due time (Now() if none).
  [[nodiscard]] Time next_due() const;

 private:
  class FakeTimer;
  // Fires the earliest timer due at or before `until` (Now() = max(now, its due time)); false if
  // none is due.
  bool FireNext(Time until);

  Time now_;
  uint64_t next_sequence_ = 0;  // ties at one due time fire in arming order
  // (due, sequence) -> (timer, callback)
  std::map<std::pair<Time, uint64_t>, std::pair<FakeTimer*, std::function<void()>>> pending_;
};

}  // namespace nashnet::server

#include "server/fake_clock.h"

#include <utility>

namespace nashnet::server {

class FakeClock::FakeTimer final : public Timer {
 public:
  explicit FakeTimer(FakeClock* clock) : clock_(clock) {}
  ~FakeTimer() override { Cancel(); }

  void ArmAt(Time at, std::function<void()> fire) override {
    Cancel();
    key_ = {at, clock_->next_sequence_++};
    armed_ = true;
    clock_->pending_.emplace(key_, std::make_pair(this, std::move(fire)));
  }
  void Cancel() override {
    if (!armed_) return;
    armed_ = false;
    clock_->pending_.erase(key_);
  }
  void Fired() { armed_ = false; }

 private:
  FakeClock* clock_;
  std::pair<Time, uint64_t> key_;
  bool armed_ = false;
};

// Far from the steady clock's epoch, so that nothing can mistake the start for "never".
FakeClock::FakeClock() : now_(Time{} + std::chrono::hours(1000)) {}

FakeClock::~FakeClock() = default;

std::unique_ptr<Timer> FakeClock::NewTimer() { return std::make_unique<FakeTimer>(this); }

FakeClock::Time FakeClock::next_due() const {
  return pending_.empty() ? now_ : pending_.begin()->first.first;
}

bool FakeClock::FireNext(Time until) {
  if (pending_.empty() || pending_.begin()->first.first > until) return false;
  auto it = pending_.begin();
  if (it->first.first > now_) now_ = it->first.first;
  FakeTimer* timer = it->second.first;
  std::function<void()> fire = std::move(it->second.second);
  pending_.erase(it);
  timer->Fired();
  fire();  // may arm timers again (even this one)
  return true;
}

void FakeClock::Advance(std::chrono::steady_clock::duration d) {
  const Time until = now_ + d;
  while (FireNext(until)) {
  }
  now_ = until;
}

void FakeClock::Stall(std::chrono::steady_clock::duration d) {
  now_ += d;
  while (FireNext(now_)) {
  }
}

}  // namespace nashnet::server

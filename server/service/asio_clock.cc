#include "server/service/asio_clock.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <utility>

namespace nashnet::server {
namespace {

class AsioTimer final : public Timer {
 public:
  AsioTimer(boost::asio::io_context* io, AsioClock::Strand strand, std::weak_ptr<void> owner)
      : timer_(*io),
        strand_(std::move(strand)),
        owner_(std::move(owner)),
        state_(std::make_shared<State>()) {}
  ~AsioTimer() override {
    state_->generation = 0;  // any handler still queued finds itself stale
    timer_.cancel();
  }

  void ArmAt(std::chrono::steady_clock::time_point at, std::function<void()> fire) override {
    const uint64_t generation = ++next_generation_;
    state_->generation = generation;
    state_->fire = std::move(fire);
    timer_.expires_at(at);  // aborts a pending wait
    timer_.async_wait(boost::asio::bind_executor(
        strand_, [state = state_, owner = owner_, generation](const boost::system::error_code& ec) {
          if (ec) return;
          // The owner first: once it is locked the timer cannot be destroyed meanwhile.
          const std::shared_ptr<void> alive = owner.lock();
          if (alive == nullptr || state->generation != generation) return;
          state->generation = 0;  // fired: a later Cancel or re-arm starts afresh
          std::function<void()> fire = std::move(state->fire);
          fire();
        }));
  }

  void Cancel() override {
    state_->generation = 0;
    state_->fire = nullptr;
    timer_.cancel();
  }

 private:
  struct State {
    uint64_t generation = 0;  // the armed wait's; 0 = none
    std::function<void()> fire;
  };
  boost::asio::steady_timer timer_;
  AsioClock::Strand strand_;
  std::weak_ptr<void> owner_;
  std::shared_ptr<State> state_;  // shared with queued handlers (they may outlive the timer)
  uint64_t next_generation_ = 0;
};

}  // namespace

std::unique_ptr<Timer> AsioClock::NewTimer() {
  return std::make_unique<AsioTimer>(io_, strand_, owner_);
}

}  // namespace nashnet::server

#include "server/service/stream_timer.h"

#include <utility>

namespace nashnet::server {

StreamTimer::StreamTimer(boost::asio::io_context* io) : state_(std::make_shared<State>(io)) {}

StreamTimer::~StreamTimer() { Cancel(); }

void StreamTimer::Start(std::chrono::milliseconds delay, std::function<void()> fire) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->fire = std::move(fire);
  state_->timer.expires_after(delay);
  state_->timer.async_wait([state = state_](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the io_context forgets the wait at once
    std::lock_guard<std::mutex> lock(state->mutex);
    if (!state->fire) return;
    std::function<void()> fire = std::move(state->fire);
    state->fire = nullptr;
    fire();  // under the mutex: Cancel() cannot return while it runs
  });
}

bool StreamTimer::Cancel() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->fire) return false;
  state_->fire = nullptr;
  // The wait goes now, not at its deadline: a pending wait keeps io_context::run() busy (a
  // coordinator shutting down joins its threads). Calls on the timer object never overlap: Start
  // and Cancel hold the mutex, and the handler does not touch the timer.
  state_->timer.cancel();
  return true;
}

bool StreamTimer::pending() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return static_cast<bool>(state_->fire);
}

}  // namespace nashnet::server

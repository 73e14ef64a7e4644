// WaitUntil: the one place tests poll — for what only a real process, a real socket or another
// thread can make true (a port file written, a game's round reached over gRPC, a stream closed by
// the server). Everything a test can drive itself runs on an injected clock (FakeClock) instead.
//
//   ASSERT_TRUE(test::WaitUntil([&] { return coordinator.games() >= 1; },
//   std::chrono::seconds(60)));
//
// The timeout only matters when something is broken: it is generous for a loaded machine.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace nashnet::test {

// Polls `condition` every 10 ms until it holds (true) or `timeout` passes (false, after one last
// look).
inline bool WaitUntil(const std::function<bool()>& condition,
                      std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace nashnet::test

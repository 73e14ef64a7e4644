// SeatBudget: the coordinator-wide cap on connected remote seats (--max-seats), shared by every
// game. Thread safety: every method may be called from any thread (atomics).
#pragma once

#include <atomic>
#include <cstdint>

namespace nashnet::server {

class SeatBudget {
 public:
  explicit SeatBudget(int64_t max) : max_(max) {}
  [[nodiscard]] bool TryAcquire() {
    if (used_.fetch_add(1, std::memory_order_relaxed) < max_) return true;
    used_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  void Release() { used_.fetch_sub(1, std::memory_order_relaxed); }
  [[nodiscard]] int64_t used() const { return used_.load(std::memory_order_relaxed); }
  [[nodiscard]] int64_t max() const { return max_; }

 private:
  const int64_t max_;
  std::atomic<int64_t> used_{0};
};

}  // namespace nashnet::server

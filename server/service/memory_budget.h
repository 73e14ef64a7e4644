// MemoryBudget: the coordinator-wide memory budget (--memory-budget-bytes) that every game's
// estimated cost (server/admission.h) is charged against from its CreateGame until it ends and
// its memory is released. A game that does not fit is refused before anything is built.
//
//   MemoryBudget budget(int64_t{1} << 30);
//   if (!budget.TryCharge(cost.total_bytes())) return ResourceExhausted(...);
//   ... the game ends, its objects are destroyed ...
//   budget.Release(cost.total_bytes());
//
// Thread safety: every method may be called from any thread (a mutex guards two counters).
#pragma once

#include <cstdint>
#include <mutex>

namespace nashnet::server {

class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t max_bytes) : max_(max_bytes) {}

  // Charges `bytes` if they fit in what is left; false (nothing charged) otherwise.
  [[nodiscard]] bool TryCharge(int64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (bytes < 0 || bytes > max_ - used_) return false;
    used_ += bytes;
    if (bytes > 0) ++games_;
    return true;
  }
  // Charges `bytes` whether or not they fit (games recovered at start: they existed already).
  void ForceCharge(int64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    used_ += bytes;
    if (bytes > 0) ++games_;
  }
  void Release(int64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    used_ -= bytes;
    if (bytes > 0) --games_;
  }

  [[nodiscard]] int64_t used() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return used_;
  }
  [[nodiscard]] int64_t games() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return games_;
  }
  [[nodiscard]] int64_t max() const { return max_; }

 private:
  const int64_t max_;
  mutable std::mutex mutex_;
  int64_t used_ = 0;   // guarded by mutex_
  int64_t games_ = 0;  // games holding a charge; guarded by mutex_
};

}  // namespace nashnet::server

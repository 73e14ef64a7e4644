// Progress: the progress report of `nashnet simulate` on stderr.
//
// On a terminal, a bar redrawn in place (rounds done / total, rounds/s, ETA); otherwise a plain
// line every few seconds; nothing with --quiet. Workers add rounds from any thread; one thread
// (main) calls Tick periodically and Finish once.
//
//   Progress progress(total_rounds, Progress::DefaultMode(quiet));
//   ... workers: progress.Add(1000); ... main: while (running) { wait; progress.Tick(); }
//   progress.Finish();
//
// Thread safety: Add is safe from any thread; Tick and Finish from one thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace nashnet::cli {

class Progress {
 public:
  enum class Mode { kNone, kBar, kLines };

  // kBar when stderr is a terminal, else kLines; kNone when quiet.
  [[nodiscard]] static Mode DefaultMode(bool quiet);

  Progress(int64_t total_rounds, Mode mode);

  void Add(int64_t rounds) { done_.fetch_add(rounds, std::memory_order_relaxed); }
  [[nodiscard]] int64_t done() const { return done_.load(std::memory_order_relaxed); }

  // Redraws the bar (at most every 100 ms) or prints a line (every 5 s) if due.
  void Tick();
  // Ends the bar's line (a terminal) so that what follows starts on a fresh line.
  void Finish();

 private:
  [[nodiscard]] std::string Line(bool bar) const;

  using Clock = std::chrono::steady_clock;
  const int64_t total_;
  const Mode mode_;
  const Clock::time_point start_;
  Clock::time_point last_print_;
  std::atomic<int64_t> done_{0};
  bool printed_ = false;
};

}  // namespace nashnet::cli

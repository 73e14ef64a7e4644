#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_format.h"

namespace nashnet::cli {
namespace {

constexpr auto kBarInterval = std::chrono::milliseconds(100);
constexpr auto kLineInterval = std::chrono::seconds(5);
constexpr int kBarWidth = 30;

std::string Duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace

Progress::Mode Progress::DefaultMode(bool quiet) {
  if (quiet) return Mode::kNone;
  return ::isatty(STDERR_FILENO) ? Mode::kBar : Mode::kLines;
}

Progress::Progress(int64_t total_rounds, Mode mode)
    : total_(std::max<int64_t>(total_rounds, 1)),
      mode_(mode),
      start_(Clock::now()),
      last_print_(start_) {}

std::string Progress::Line(bool bar) const {
  const int64_t done = std::min(this->done(), total_);
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1.0;
  std::string text;
  if (bar) {
    const int filled = static_cast<int>(fraction * kBarWidth);
    text =
        absl::StrFormat("[%s%s] ", std::string(filled, '#'), std::string(kBarWidth - filled, '.'));
  }
  absl::StrAppendFormat(&text, "%5.1f%%  %d/%d rounds  %.3g rounds/s  ETA %s", 100.0 * fraction,
                        done, total_, rate, Duration(eta));
  return text;
}

void Progress::Tick() {
  if (mode_ == Mode::kNone) return;
  const Clock::time_point now = Clock::now();
  if (now - last_print_ <
      (mode_ == Mode::kBar ? Clock::duration(kBarInterval) : Clock::duration(kLineInterval))) {
    return;
  }
  last_print_ = now;
  if (mode_ == Mode::kBar) {
    std::fprintf(stderr, "\r%s\x1b[K", Line(true).c_str());
  } else {
    std::fprintf(stderr, "nashnet: %s\n", Line(false).c_str());
  }
  std::fflush(stderr);
  printed_ = true;
}

void Progress::Finish() {
  if (mode_ != Mode::kBar || !printed_) return;
  std::fprintf(stderr, "\r%s\x1b[K\n", Line(true).c_str());
  std::fflush(stderr);
}

}  // namespace nashnet::cli

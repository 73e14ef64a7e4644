// Paired timing for the micro-benchmarks (simulate_bench, metrics_bench): a candidate and its
// baseline run in alternating blocks inside one benchmark, each block timed by the thread's CPU
// time, and the figure is the median over blocks of their ratio.
//
//   const double c0 = ThreadCpuSeconds();  /* block */  ratios.push_back(...);
//   state.counters["ratio"] = Median(ratios);
//
// Thread safety: free functions; ThreadCpuSeconds measures the calling thread.
#pragma once

#include <algorithm>
#include <ctime>
#include <vector>

namespace nashnet::bench {

// The median of `values` (0 when empty).
inline double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t m = values.size() / 2;
  return values.size() % 2 == 1 ? values[m] : 0.5 * (values[m - 1] + values[m]);
}

// CPU time of the calling thread: unlike the wall clock it does not count the time this thread
// waits for a core, which on a shared 2-core machine is most of the noise.
inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace nashnet::bench

// Helpers of the load generator (bench/load/nashnet_load.cc): the benchmark's game spec, the
// channels it spreads streams over, and what /proc says about a process (RSS, CPU time).
//
//   BenchGameOptions options{.game = "matching_pennies", .rounds = 1'000'000'000};
//   v1::RunSpec spec = MakeBenchSpec(options);
//   auto channels = MakeChannels("127.0.0.1:50051", 8);   // 8 distinct TCP connections
//   absl::StatusOr<ProcStats> stats = ReadProcStats(pid);  // VmRSS, VmHWM, utime + stime
//
// Thread safety: free functions, no shared state.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "nashnet/v1/coordinator.grpc.pb.h"

namespace nashnet::bench {

// The game every benchmark game is created with (CreateGame).
struct BenchGameOptions {
  std::string game = "matching_pennies";      // catalogue name
  std::map<std::string, std::string> params;  // game parameters
  std::string algorithm = "hedge";            // the spec's learner (agents report their own)
  int64_t rounds = 1'000'000'000;             // horizon T (far beyond any window by default)
  int64_t record_every = 1'000'000'000;       // rounds.csv keeps round 1, every K-th, the last
  uint64_t seed = 1;
  int64_t round_deadline_ms = 600'000;  // the spec's service.round_deadline_ms
};

[[nodiscard]] v1::RunSpec MakeBenchSpec(const BenchGameOptions& options);

// `count` channels to `target`, each with a distinct channel argument and a local subchannel
// pool, so that they do not share one TCP connection.
[[nodiscard]] std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target,
                                                                       int count);

// Adds `x-nashnet-admin-token` if `token` is not empty.
void AddAdminToken(const std::string& token, grpc::ClientContext* context);

// CreateGame `count` times with MakeBenchSpec(options); appends the ids. The first failure's
// status names the call ("CreateGame #3: code 8: ...").
[[nodiscard]] absl::Status CreateGames(v1::Coordinator::Stub* stub, const std::string& token,
                                       const BenchGameOptions& options, int count,
                                       std::vector<std::string>* ids);

// GetGame's round of each game (-1 where the call fails).
[[nodiscard]] std::vector<int64_t> SampleRounds(v1::Coordinator::Stub* stub,
                                                const std::string& token,
                                                const std::vector<std::string>& ids);

struct ProcStats {
  int64_t rss_kib = 0;     // VmRSS
  int64_t hwm_kib = 0;     // VmHWM (peak RSS)
  double cpu_seconds = 0;  // utime + stime
  int64_t threads = 0;     // Threads
};

// Reads /proc/<pid>/status and /proc/<pid>/stat (pid 0 = this process).
[[nodiscard]] absl::StatusOr<ProcStats> ReadProcStats(pid_t pid);

// A JSON string literal of `text` (quotes and control characters escaped).
[[nodiscard]] std::string JsonString(const std::string& text);

}  // namespace nashnet::bench

// RunLoad: the measurement of `nashnet_load play` — many learner-less agents (AgentStream) on one
// server, or on two servers measured in alternating blocks.
//
// With two targets (the first is the baseline, the second the candidate), both servers host their
// own games and every agent stays connected, but only one side plays at a time: the other side's
// Actions are held back by its Gate, so its server idles. Blocks alternate in the order
// AB BA AB BA ... (each pair swaps, so a drift in the machine's load cancels); a block opens its
// side's gate, lets it settle, counts the Feedback messages its agents get over `block_seconds`
// and the server's CPU time, then closes the gate. The figure is the median over pairs of
// (candidate block rate / baseline block rate): both sides of a pair share the machine's state.
//
//   LoadOptions options;
//   options.sides = {{.target = "127.0.0.1:5001", .pid = 123}, {.target = "127.0.0.1:5002"}};
//   options.games = 500;
//   std::string json;
//   absl::Status status = RunLoad(options, &json);
//
// Thread safety: one call at a time (it owns every stream it starts and waits for them).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/load/load_util.h"

namespace nashnet::bench {

struct LoadSide {
  std::string target;  // host:port
  pid_t pid = 0;       // the server's pid (RSS and CPU time from /proc), 0 = unknown
};

struct LoadOptions {
  std::vector<LoadSide> sides;         // 1 or 2 (baseline first)
  std::string admin_token;             // for CreateGame / GetGame
  BenchGameOptions game;               // the spec of every created game
  int games = 500;                     // games per side
  int seats_per_game = 2;              // streams per game
  int channels = 8;                    // channels (TCP connections) per side
  double start_timeout_seconds = 180;  // until every stream has its Start
  double warmup_seconds = 2;           // each side plays alone once before the blocks
  double settle_seconds = 0.3;         // after opening a gate, before counting
  double block_seconds = 1.5;          // counted time per block
  int pairs = 4;                       // blocks per side
  int sample_games = 20;               // games per side polled with GetGame (rounds advance)

  [[nodiscard]] absl::Status Validate() const;
};

// Runs the measurement and fills `json` with one JSON object (see bench/README.md). Returns an
// error if a server cannot be reached, CreateGame fails, or some stream never started (the JSON
// is still filled when the streams ran).
[[nodiscard]] absl::Status RunLoad(const LoadOptions& options, std::string* json);

}  // namespace nashnet::bench

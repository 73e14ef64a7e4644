// Admission control: what a game will cost the process that plays it — memory and work per round
// — estimated from its RunSpec alone, before anything is built, and the per-game limits it must
// fit (nashnet-coordinator's --max-game-bytes and --max-round-work; the coordinator-wide
// --memory-budget-bytes is service/memory_budget.h's).
//
//   NASHNET_ASSIGN_OR_RETURN(GameCost cost, EstimateGameCost(request.spec(), {.hosted = true}));
//   NASHNET_RETURN_IF_ERROR(CheckGameLimits(cost, limits));   // RESOURCE_EXHAUSTED naming a field
//   ... only now PlanRun(spec) builds the game ...
//
// An estimate takes microseconds and allocates nothing in proportion to the game: catalogue games
// by their parameters (GameRegistry::Footprint), .nfg games by their header, learners by their
// options (agents/learner_cost.h); players that share a learner and an action count are priced
// once. Where each part comes from (bytes as glibc's malloc hands them out, games/footprint.h):
//
//   game      GameFootprint::game_bytes: a payoff tensor's 2·N·Π|A_i| doubles, a congestion
//             game's latencies and routes (never N×routes), ...
//   trackers  the match (server/match.cc) and its metric trackers (server/match_metrics.cc). Finite
//             games, per player 7 vectors of |A_i| doubles — x, v(x), v(a), Σv(x), Σv(a), Σx, the
//             last x — plus a snapshot's strategy and its empirical-play mean. Continuous games,
//             per player a metric grid of m points (d×m; m = 512, 32², ~4096 for d >= 3) and 3
//             vectors of m (Σ, now, previous), the point and box, its noise stream, the
//             equilibrium point; and the scratch that prices a reported cell strategy (cells ×
//             q^d sub-cell midpoints, q = 8, 2, 2, 1 for d = 1, 2, 3, more).
//   seats     per seat the round loop's slot (three SeatPlays) and feedback (server/round_loop.h),
//             the plan's learner spec, the latest metrics and the summary, a queued rounds.csv
//             row and its text, the journal's record of the round; a hosted game's Seat
//             (kHostedSeatBytes, measured) and, for remote seats, their default play and token.
//   learners  the learners of local seats: agents::EstimateLearnerCost.
//   work      per round: the game's payoffs, the trackers (continuous: every grid point against
//             the others, and every reported cell), the learners and their payoff-function calls.
//
// Checked against measurement by tests/admission/admission_estimate_test.cc: a built game
// allocates at most 1.25 × the estimate, and at least 0.25 × it once it passes 1 MB (over a range
// of catalogue games; small games are dominated by the fixed allowance kHostedGameBaseBytes).
//
// Thread safety: free functions and plain values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nashnet/v1/spec.pb.h"

namespace nashnet::server {

struct GameCost {
  int64_t game_bytes = 0;     // the game object
  int64_t tracker_bytes = 0;  // the match's round state and metric trackers
  int64_t seat_bytes = 0;     // per-seat bookkeeping of the loop, the record and the host
  int64_t learner_bytes = 0;  // the learners of local seats
  double round_work = 0.0;    // elementary operations per round
  // "cournot with 1000000 players", and the spec field(s) that make it big
  // ("game.params.players", "game.params.players and game.params.links", "learner.params.grid").
  std::string label;
  std::string field;

  [[nodiscard]] int64_t total_bytes() const {
    return game_bytes + tracker_bytes + seat_bytes + learner_bytes;
  }
};

struct CostOptions {
  // A hosted game (coordinator): the seats of spec.service.local_seats run learners here and the
  // others are agents' remote seats. Otherwise (`nashnet simulate`) every seat is local.
  bool hosted = true;
  std::filesystem::path base_dir;  // resolves a relative .nfg path in game.name
};

// The cost of playing `spec` (one seed). Errors name the field as PlanRun does ("game.name",
// "game.params", "game.nfg"): an unknown game, a bad parameter, an .nfg header that does not
// parse. Whatever else PlanRun would refuse (learners, feedback, rounds) is priced leniently —
// a learner that cannot be priced counts nothing — and left to PlanRun, which fails on it before
// building more than the (priced) game and match.
[[nodiscard]] absl::StatusOr<GameCost> EstimateGameCost(const v1::RunSpec& spec,
                                                        const CostOptions& options);

struct GameLimits {
  int64_t max_game_bytes = int64_t{256} << 20;  // --max-game-bytes: one game's estimate
  double max_round_work = 1e9;                  // --max-round-work: operations in one round

  [[nodiscard]] absl::Status Validate() const;
};

// ResourceExhausted naming the field that makes the game big, e.g. "game.params.players: cournot
// with 1000000 players needs ~3.1 GB (estimate), more than --max-game-bytes 268435456".
[[nodiscard]] absl::Status CheckGameLimits(const GameCost& cost, const GameLimits& limits);

// "~3.1 GB", "~512 kB", "17 B": decimal units, two significant digits.
[[nodiscard]] std::string ApproximateBytes(int64_t bytes);

}  // namespace nashnet::server

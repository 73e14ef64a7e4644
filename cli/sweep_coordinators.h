// SweepCoordinators: plays a sweep's cells (server/sweep/sweep_runner.h) as games on one or
// several running nashnet-coordinators instead of in-process: `nashnet sweep --coordinator`.
//
// Each cell becomes one game (CreateGame, id "sweep-<run nonce>-<cell>-<attempt>", its record in
// the coordinator's --records-dir under that id) with every seat local (spec.service.local_seats
// = all seats: the coordinator plays them, no agents), on the least-loaded coordinator that is not
// backing off, at most `max_in_flight` cells per coordinator. A WatchGame stream follows it (the
// progress) until it ends; then the record is copied into the sweep's cell folder: spec.yaml
// written as the in-process sweep writes it (the cell's spec, without the service block the
// coordinator got), then rounds.csv and summary.json copied from the folder CreateGame names.
// No RPC carries a record (WatchGame drops updates for a slow reader), so the coordinators must
// write their records where this process can read them at the same path: the same machine or a
// shared filesystem, and an absolute --records-dir. Checked on each coordinator's first game (its
// spec.yaml is there as soon as CreateGame answers): a coordinator whose records this process
// cannot read is stopped being used (the game is stopped, the cell played elsewhere); with none
// left, the cells fail naming the folder.
// The coordinator's rounds.csv is simulate's bytes (hosted_game.h), so the cell's is the
// in-process sweep's.
//
// Retries: a coordinator that refuses for lack of room (RESOURCE_EXHAUSTED), cannot be reached,
// or whose game ends without completing because it went away (the watch breaks, or the game is
// DRAINED) backs off for a while and the cell is played again from round 1 on another coordinator
// (or the same one later), up to `max_attempts` games; then the cell fails with the last reason.
// Any other refusal (a spec the coordinator rejects), a game STOPPED or FAILED, or a record that
// cannot be copied fails the cell at once. Cancel() (an interrupted sweep) stops every game in
// flight (StopGame) and fails the cells not yet finished with CANCELLED.
//
// A sweep that is killed (SIGKILL, a crash, a lost machine) cannot stop its games. So each game
// is written to a ledger (`ledger`, the sweep folder's coordinator-games.txt: "ADDRESS GAME_ID"
// lines, appended before its CreateGame), and StopLeftovers(), when the sweep starts again, stops
// every game of the ledger that is still waiting or running on one of the coordinators given, and
// keeps in the ledger only the games it could not check (their coordinator not given this time,
// or unreachable): a resumed sweep never competes with its earlier self for the coordinators'
// room. (Two sweeps at once into one folder are not supported anyway.)
//
//   SweepCoordinators pool({.coordinators = {{.address = "a:50051"}, {.address = "b:50051"}}});
//   NASHNET_RETURN_IF_ERROR(pool.CheckReachable());
//   options.play_cell = pool.Player();   options.jobs = pool.jobs();
//
// Thread safety: PlayCell (the player) runs on many workers at once; Cancel from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/coordinator_client.h"
#include "server/simulation.h"
#include "server/sweep/sweep_runner.h"

namespace nashnet::cli {

struct SweepCoordinatorsOptions {
  std::vector<CoordinatorClientOptions> coordinators;  // at least one
  int max_in_flight = 4;                               // cells at once per coordinator
  int max_attempts = 5;                                // games per cell, retries included
  // Back-off of a coordinator after a refusal for room / after it went away (doubling with each
  // failure in a row, up to max_backoff).
  std::chrono::milliseconds exhausted_backoff{500};
  std::chrono::milliseconds unreachable_backoff{1000};
  std::chrono::milliseconds max_backoff{10000};
  // Called (from a worker) when cell `cell` (its index) is to be played again, and why.
  std::function<void(int cell, const std::string& why)> on_retry;
  // The ledger of the games created (see above); empty = none kept.
  std::filesystem::path ledger;

  [[nodiscard]] absl::Status Validate() const;
};

// "HOST:PORT" with a port in 1..65535 (or a gRPC target such as unix:PATH); InvalidArgument
// "--coordinator 'x': expected HOST:PORT" otherwise.
[[nodiscard]] absl::Status CheckCoordinatorAddress(const std::string& address);

class SweepCoordinators {
 public:
  explicit SweepCoordinators(SweepCoordinatorsOptions options);

  // One cheap RPC to each: the first that cannot be reached (or refuses the admin token) as
  // Unavailable/its code, "cannot reach coordinator at ADDR: ..." / "coordinator ADDR: ...".
  [[nodiscard]] absl::Status CheckReachable();

  // Stops the ledger's games that are still waiting or running (see above); the ledger keeps the
  // ones it could not check. One
  // line per game stopped ("game G on ADDR, left running by an earlier sweep, stopped") or that
  // could not be checked ("... : cannot check it: WHY" — e.g. a coordinator not given this time).
  [[nodiscard]] std::vector<std::string> StopLeftovers();

  // Worker threads that keep every coordinator's slots busy.
  [[nodiscard]] int jobs() const;

  // The cell player for SweepRunOptions::play_cell (this must outlive the sweep).
  [[nodiscard]] server::SweepCellPlayer Player();

  // Stops the games in flight and fails every cell not yet finished (CANCELLED).
  void Cancel();

 private:
  struct Coordinator {
    std::unique_ptr<CoordinatorClient> client;
    int in_flight = 0;
    int failures_in_a_row = 0;
    std::string unusable;  // why the sweep cannot use it (its records out of reach); "" = usable
    std::chrono::steady_clock::time_point not_before{};
  };
  enum class Outcome { kDone, kRetry, kFail };
  static constexpr int kNoneUsable = -2;

  absl::Status PlayCell(int cell, const server::RunPlan& plan, const std::filesystem::path& dir,
                        const std::function<void(int64_t)>& on_rounds);
  // One game of the cell on coordinator `c`; `why` is the reason when not kDone.
  Outcome PlayOnce(int c, int cell, int attempt, const server::RunPlan& plan,
                   const std::filesystem::path& dir, const std::function<void(int64_t)>& on_rounds,
                   absl::Status* why);
  // A free slot on the least-loaded coordinator that is not backing off (preferring one other
  // than `avoid`), callers served in order; -1 once cancelled, kNoneUsable when no coordinator
  // can be used.
  int Acquire(int avoid);
  void Release(int c, bool failed, std::chrono::milliseconds backoff);
  // Appends "ADDRESS GAME_ID" to the ledger (one write of one line).
  absl::Status Record(const std::string& address, const std::string& game_id);

  SweepCoordinatorsOptions options_;
  std::string nonce_;
  std::vector<Coordinator> coordinators_;
  std::mutex mutex_;
  std::mutex ledger_mutex_;  // one appender at a time (Record); never held with mutex_
  std::condition_variable freed_;
  std::atomic<bool> cancelled_{false};
  // Guarded by mutex_:
  std::set<GameWatch*> watches_;  // in flight
  uint64_t next_ticket_ = 0;
  std::deque<uint64_t> waiting_;  // Acquire's callers, in order
};

}  // namespace nashnet::cli

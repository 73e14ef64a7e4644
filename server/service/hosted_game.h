// HostedGame: one match hosted by the coordinator — its seats (remote agents' streams and local
// built-in learners), the round loop, round deadlines and the straggler policy, its run record and
// its watchers.
//
// Everything a game holds is touched only on its strand (strand()): gRPC reactions and timers
// dispatch onto it, so the game needs no lock. The strand runs over boost::asio::system_executor:
// a dispatch onto an idle strand runs at once on the calling thread (no thread hop per message);
// one onto a busy strand is queued and run after the current handler.
//
//   NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<HostedGame> game, HostedGame::Create(config));
//   boost::asio::dispatch(game->strand(), [game, stream, join] {
//     absl::StatusOr<int> seat = game->Join(stream, join);   // sends Joined (and Start)
//   });
//
// The round loop follows server::Simulate's order exactly — local seats act at the round's start,
// remote actions arrive checked (Match::SubmitAction), Resolve, local learners update, record
// rounds (round 1, every record_every-th, the last) — so an all-remote game whose agents run the
// plan's learners gives simulate's rounds.csv and summary.json.
//
// Metrics: with config.metrics (the coordinator's --metrics-listen) the game reports its events
// (seats connected, rounds, response times, misses, evictions, rejections) and publishes its
// RoundMetrics through a GameMetrics (server/metrics/); without it no metric work is done.
//
// Lifetime: held by shared_ptr (the directory, pending timers and handlers). Streams are borrowed:
// the game keeps a SeatStream* only until it calls End() on it or is told StreamGone().
//
// Thread safety: every method except strand(), id() and the Create factory must run on strand().
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_executor.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/rng.h"
#include "nashnet/v1/coordinator.pb.h"
#include "server/local_seat.h"
#include "server/match.h"
#include "server/record/run_record.h"
#include "server/service/record_writer.h"
#include "server/service/streams.h"
#include "server/simulation.h"

namespace nashnet::server {

class ServiceMetrics;     // server/metrics/service_metrics.h (prometheus-cpp stays out of here)
class GameMetrics;        // server/metrics/game_metrics.h
enum class RejectReason;  // server/metrics/service_metrics.h

// The coordinator-wide cap on connected remote seats (--max-seats), shared by every game.
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

// Checks spec.service against the planned game: deadline, straggler, evict_after, default_action
// (finite: an action of every player), local_seats (in range, no repeats), and that remote seats
// of continuous games get bandit feedback (a payoff function has no wire form). InvalidArgument
// naming the field.
[[nodiscard]] absl::Status CheckServiceSpec(const RunPlan& plan);

struct HostedGameConfig {
  std::string id;                         // the game id (validated by the directory)
  RunPlan plan;                           // one seed: plan.match.seed; CheckServiceSpec passes
  std::filesystem::path record_dir;       // created by Create (must be new or empty)
  boost::asio::io_context* io = nullptr;  // round-deadline timers and continuation slices
  RecordWriter* writer = nullptr;         // the disk thread
  SeatBudget* budget = nullptr;           // --max-seats
  ServiceMetrics* metrics = nullptr;      // the Prometheus exporter (null: no metric work at all)
  // Called (on the strand) once the game is over and its record complete.
  std::function<void()> on_over;
};

class HostedGame : public std::enable_shared_from_this<HostedGame> {
 public:
  using Strand = boost::asio::strand<boost::asio::system_executor>;

  // Builds the match, local seats' learners and the run record (spec.yaml written, rounds.csv
  // opened). A game without remote seats starts at once (call Begin()).
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<HostedGame>> Create(HostedGameConfig config);
  ~HostedGame();
  HostedGame(const HostedGame&) = delete;
  HostedGame& operator=(const HostedGame&) = delete;

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] Strand& strand() { return strand_; }

  // Starts the game if it has no remote seats (after Create, on the strand).
  void Begin();

  // An agent's Join on `stream`: checks the token, picks or resumes the seat, sends Joined (and
  // Start to every seat once all remote seats are filled). Returns the seat; on error the stream
  // is untouched and the caller ends it with the status.
  [[nodiscard]] absl::StatusOr<int> Join(SeatStream* stream, const v1::Join& join);

  // An Action from the agent in `seat` over `stream` (ignored if the stream no longer holds the
  // seat). Faults are answered in-band with an Error message.
  void OnAction(int seat, SeatStream* stream, const v1::Action& action);

  // The agent's stream ended (cancelled, half-closed, broken): the seat becomes vacant.
  void StreamGone(int seat, SeatStream* stream);

  // Ends the game after the current round (GameOver{reason}); `done` gets the final GameInfo once
  // the record is complete (at once if the game is already over).
  void Stop(v1::GameOverReason reason, std::function<void(const v1::GameInfo&)> done);

  void FillInfo(v1::GameInfo* info) const;

  // Adds a watcher (updates every `every` rounds; 0 = about 200 over the horizon); it gets the
  // current state at once. RemoveWatcher forgets it (the stream is going away).
  void AddWatcher(WatchStream* watcher, int64_t every);
  void RemoveWatcher(WatchStream* watcher);

  [[nodiscard]] bool over() const { return over_; }

 private:
  struct Seat;
  explicit HostedGame(HostedGameConfig config);

  void StartPlay();
  void BeginRound();
  void Advance();
  void ResolveRound();
  void SendFeedback(int i);
  void SendJoined(int i);
  void ArmDeadline();
  // Moves this round's deadline to `t` if that is earlier (a stop does not wait an hour).
  void BringDeadlineForward(std::chrono::steady_clock::time_point t);
  // (Re)arms the timer for deadline_ (on the strand; OnTimer when it fires).
  void WaitForDeadline();
  void OnTimer();
  void DeadlinePassed();
  void Substitute(int i);
  void Evict(int i, const grpc::Status& status);
  void Vacate(int i);
  void SendError(SeatStream* stream, absl::StatusCode code, std::string message, int64_t round);
  void EndGame(v1::GameOverReason reason);
  void RecordDone(const absl::Status& status);
  void NotifyWatchers(bool last);
  [[nodiscard]] std::string NewToken();
  // The exporter's events (no-ops without --metrics-listen).
  void CountRejected(RejectReason reason);
  // Publishes round t's metrics if due (reusing latest_ when it is round t's snapshot).
  void PublishMetrics(int64_t t, bool final, std::chrono::steady_clock::time_point now);

  const std::string id_;
  RunPlan plan_;
  const std::filesystem::path record_dir_;
  boost::asio::io_context* io_;
  RecordWriter* writer_;
  SeatBudget* budget_;
  ServiceMetrics* service_metrics_;
  std::unique_ptr<GameMetrics> metrics_;  // null without the exporter
  std::function<void()> on_over_;
  Strand strand_;
  boost::asio::steady_timer timer_;

  std::unique_ptr<Match> match_;
  struct Record;  // RunRecord + rounds.csv writer, used on the disk thread
  std::shared_ptr<Record> record_;
  std::vector<Seat> seats_;
  std::vector<LocalSeat> locals_;
  std::vector<agents::Feedback> feedback_;
  int num_remote_ = 0;

  // Service settings (defaults filled in).
  int64_t deadline_ms_ = 10000;
  v1::StragglerPolicy straggler_ = v1::STRAGGLER_POLICY_WAIT;
  int64_t evict_after_ = 3;

  v1::GameStatus status_ = v1::GAME_STATUS_WAITING;
  bool started_ = false;
  bool over_ = false;  // ended; the record may still be committing
  bool stop_requested_ = false;
  bool slice_pending_ = false;  // a continuation of Advance() is posted
  v1::GameOverReason reason_ = v1::GAME_OVER_REASON_UNSPECIFIED;
  std::string message_;
  std::vector<std::function<void(const v1::GameInfo&)>> stop_waiters_;

  std::chrono::steady_clock::time_point first_round_start_;
  std::chrono::steady_clock::time_point round_start_;  // BeginRound of the current round
  bool round_timed_ = false;  // the current round's duration is measured (see BeginRound)
  std::chrono::steady_clock::time_point deadline_;
  bool timer_waiting_ = false;

  RoundMetrics latest_;  // after the last recorded (or watched) round
  int64_t latest_round_ = 0;
  RunSummary summary_;

  struct Watcher {
    WatchStream* stream;
    int64_t every;
  };
  std::vector<Watcher> watchers_;
  v1::GameUpdate update_;  // reused for every watch update

  Rng token_rng_;
};

}  // namespace nashnet::server

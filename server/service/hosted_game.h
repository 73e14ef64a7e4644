// HostedGame: one match hosted by the coordinator — the round loop (server/round_loop.h, the same
// one `nashnet simulate` drives) with remote seats for agents' streams, its journal and run
// record, joins and resumes, its metrics and watchers.
//
// Everything a game holds is touched only on its strand (strand()): gRPC reactions and timers
// dispatch onto it, so the game needs no lock. The strand runs over boost::asio::system_executor:
// a dispatch onto an idle strand runs at once on the calling thread (no thread hop per message).
//
//   NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<HostedGame> game, HostedGame::Create(config));
//   boost::asio::dispatch(game->strand(), [game, stream, join] {
//     absl::StatusOr<int> seat = game->Join(stream, join);   // sends Joined (and Start)
//   });
//
// Durability. Every resolved round is appended to `<record dir>/journal` (the seats' plays, and
// the feedback remote seats were sent), handed to the disk thread in batches (every
// journal_flush, or 64 KiB) and synced every journal_sync. The journal is the truth: Recover()
// replays it through the round loop — the noise comes from the match's seeded RNG — and rebuilds
// the match, the metric trackers and the missing rows of rounds.csv exactly. A recovered game
// waits (kWaiting) until every remote seat's agent has resumed with its token; a resuming agent
// gets the seat's history to replay (coordinator.proto), so whatever fails, the game's record is a
// pure function of its spec and seed (under the `wait` straggler policy). Resume tokens and the
// join token live in `<record dir>/.secrets.json` (mode 0600), never in spec.yaml or summary.json.
//
// Lifetime: held by shared_ptr (the directory, pending timers and handlers). Streams are borrowed:
// the game keeps a SeatStream* only until it calls End() on it or is told StreamGone().
//
// Thread safety: every method except strand(), id() and the factories must run on strand().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_executor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/rng.h"
#include "nashnet/v1/coordinator.pb.h"
#include "nashnet/v1/journal.pb.h"
#include "server/clock.h"
#include "server/round_loop.h"
#include "server/round_metrics.h"
#include "server/service/record_writer.h"
#include "server/service/seat_budget.h"
#include "server/service/streams.h"
#include "server/simulation.h"

namespace nashnet::server {

class ServiceMetrics;     // server/metrics/service_metrics.h (prometheus-cpp stays out of here)
class GameMetrics;        // server/metrics/game_metrics.h
class GameRecord;         // server/service/game_record.h (the disk thread's side)
struct GameSecrets;       // server/service/game_record.h
class RecordEnv;          // server/journal/record_env.h
enum class RejectReason;  // server/metrics/service_metrics.h

// Checks spec.service against the planned game: deadline, straggler, evict_after, default_action
// (finite: an action of every player), local_seats (in range, no repeats), and that remote seats
// of continuous games get bandit feedback (a payoff function has no wire form). InvalidArgument
// naming the field.
[[nodiscard]] absl::Status CheckServiceSpec(const RunPlan& plan);

// How a coordinator keeps its games' journals.
struct JournalOptions {
  bool enabled = true;                    // --no-journal turns it off (no recovery)
  std::chrono::milliseconds flush{1000};  // a running game hands its rounds to disk this often
  std::chrono::milliseconds sync{5000};   // fsync at most this often (0: every write)
};

struct HostedGameConfig {
  std::string id;                         // the game id (validated by the directory)
  RunPlan plan;                           // one seed: plan.match.seed; CheckServiceSpec passes
  std::filesystem::path record_dir;       // the game's record folder
  std::string relative_record_dir;        // record_dir relative to --records-dir (the journal's)
  boost::asio::io_context* io = nullptr;  // timers and continuation slices
  RecordWriter* writer = nullptr;         // the disk thread
  SeatBudget* budget = nullptr;           // --max-seats
  ServiceMetrics* metrics = nullptr;      // the Prometheus exporter (null: no metric work at all)
  RecordEnv* env = nullptr;               // file operations (null: RecordEnv::Default())
  // The game's clock (null: the steady clock with Asio timers on the game's strand). Tests pass a
  // FakeClock; its timers then fire on the test's thread.
  Clock* clock = nullptr;
  JournalOptions journal;
  // Called (on the strand) once the game is over — completed, stopped, failed or drained — and
  // its record is as complete as it will get.
  std::function<void()> on_over;
};

class HostedGame : public std::enable_shared_from_this<HostedGame>, private RoundListener {
 public:
  using Strand = boost::asio::strand<boost::asio::system_executor>;

  // A new game: builds the match, local seats' learners and the run record (spec.yaml, the
  // journal's header, rounds.csv's header, the secrets). A game without remote seats starts at
  // once (call Begin()). On failure nothing is left in the record folder.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<HostedGame>> Create(HostedGameConfig config);
  // A game of an earlier coordinator, from its record folder: replays its journal (a torn tail is
  // cut), repairs rounds.csv, restores seat tokens and counters. The config's plan comes from the
  // journal's header (see ReadJournalHeader). An unfinished game waits for its agents; one whose
  // journal says it ended is finished here (its summary.json written if missing).
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<HostedGame>> Recover(HostedGameConfig config);
  ~HostedGame() override;
  HostedGame(const HostedGame&) = delete;
  HostedGame& operator=(const HostedGame&) = delete;

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] Strand& strand() { return strand_; }

  // After Create or Recover, on the strand: starts (or continues) a game without remote seats;
  // commits the record of a recovered game whose journal says it ended.
  void Begin();

  // An agent's Join on `stream`: checks the tokens, picks or resumes the seat, sends Joined, the
  // seat's history on a resume, and Start to every seat once all remote seats are filled.
  // Returns the seat; on error the stream is untouched and the caller ends it with the status.
  [[nodiscard]] absl::StatusOr<int> Join(SeatStream* stream, const v1::Join& join);

  // An Action from the agent in `seat` over `stream` (ignored if the stream no longer holds the
  // seat). Faults are answered in-band with an Error message.
  void OnAction(int seat, SeatStream* stream, const v1::Action& action);

  // The stream of `seat` finished a write and has room again (history goes out this way).
  void StreamWritable(int seat, SeatStream* stream);

  // The agent's stream ended (cancelled, half-closed, broken): the seat becomes vacant.
  void StreamGone(int seat, SeatStream* stream);

  // Ends the game after the current round (GameOver{STOPPED}); `done` gets the final GameInfo
  // once the record is complete (at once if the game is already over).
  void Stop(std::function<void(const v1::GameInfo&)> done);

  // The coordinator is going away: the game stops where it is, its journal synced, status
  // DRAINED in summary.json; agents' streams end with UNAVAILABLE (they resume on the next
  // coordinator). `done` runs once the record is on disk.
  void Drain(std::function<void()> done);

  void FillInfo(v1::GameInfo* info) const;

  // Adds a watcher (updates every `every` rounds; 0 = about 200 over the horizon); it gets the
  // current state at once. RemoveWatcher forgets it (the stream is going away).
  void AddWatcher(WatchStream* watcher, int64_t every);
  void RemoveWatcher(WatchStream* watcher);

  // Over: completed, stopped, failed or drained (the record may still be committing).
  [[nodiscard]] bool over() const;
  [[nodiscard]] GameState state() const { return loop_->state(); }
  [[nodiscard]] int64_t rounds_played() const { return loop_->rounds_played(); }

 private:
  struct Seat;
  class RemoteSeat;
  struct Batch;  // rounds on their way to disk
  friend class RemoteSeat;

  explicit HostedGame(HostedGameConfig config);
  // The part of Create and Recover that checks the config and builds the match, the seats and
  // the loop (Build).
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<HostedGame>> Make(HostedGameConfig config);
  [[nodiscard]] absl::Status Build();

  // RoundListener.
  void OnRunning(bool first) override;
  void OnRoundResolved(int64_t round) override;
  void OnSeatMissed(int seat, int64_t round) override;
  void OnSeatLost(int seat, SeatLoss why) override;
  void OnEnded(GameState state) override;

  // Remote seats (RemoteSeat forwards here).
  void SendFeedback(int seat, int64_t round, const SeatPlay& play, bool substituted,
                    const agents::Feedback& feedback);
  void LoseStream(int seat, SeatLoss why, int64_t missed);

  void Drive();  // Advance, and a continuation if the slice ran out
  // False (nothing sent) if the stream has no room: possible only for a deferred Joined, after
  // the agent filled its outbox with the Errors answering Actions it sent before its Joined.
  [[nodiscard]] bool SendJoined(int seat);
  void SendHistoryOrCatchUp(int seat);
  void PumpHistory(int seat);
  void Vacate(int seat);
  void SendError(SeatStream* stream, absl::StatusCode code, std::string message, int64_t round);
  void EndStreams(const grpc::Status& status, bool game_over);
  void AppendEvent(int seat, v1::JournalSeatEvent::Kind kind);
  // Journal and rows: into the batch; the batch to the disk thread.
  void AppendJournal(const v1::JournalRecord& record);
  void MaybeFlush(bool force);
  void Flush(bool sync, std::function<void(absl::Status)> then);
  void RecordFailed(const absl::Status& status);
  void Finish();  // the end of a game: summary, record commit, GameOver
  void FinishDone(const absl::Status& status);
  void NotifyWatchers(bool last);
  void FillUpdate(bool last);
  [[nodiscard]] std::string NewToken();
  [[nodiscard]] GameSecrets Secrets() const;
  void CountRejected(RejectReason reason);
  void PublishMetrics(int64_t t, bool final, Clock::Time now);
  // The exporter's view of the seats: vacant seats, substituted seat-rounds, whether the game is
  // playing rounds (no metric work without the exporter).
  void ReportSeats();
  [[nodiscard]] RunSummary BuildSummary();
  [[nodiscard]] absl::Status Replay();

  const std::string id_;
  RunPlan plan_;
  const std::filesystem::path record_dir_;
  const std::string relative_record_dir_;
  boost::asio::io_context* io_;
  RecordWriter* writer_;
  SeatBudget* budget_;
  ServiceMetrics* service_metrics_;
  RecordEnv* env_;
  JournalOptions journal_;
  std::unique_ptr<GameMetrics> metrics_;  // null without the exporter
  std::function<void()> on_over_;
  Strand strand_;
  std::unique_ptr<Clock> own_clock_;  // the Asio clock, unless the config brought one
  Clock* clock_;

  std::unique_ptr<RoundLoop> loop_;
  std::vector<Seat> seats_;
  int num_remote_ = 0;
  std::string join_token_;  // from the spec (not kept in the spec: plan_'s is cleared)

  std::shared_ptr<GameRecord> record_;  // used on the disk thread only
  std::unique_ptr<Batch> batch_;        // rounds not yet handed to disk
  std::unique_ptr<Timer> flush_timer_;
  std::unique_ptr<Timer> publish_timer_;  // publishes the last round of a game that went quiet
  bool publish_armed_ = false;
  bool reported_running_ = false;
  bool flush_armed_ = false;
  Clock::Time last_flush_;
  bool replaying_ = false;      // Recover() is replaying the journal
  int64_t csv_last_round_ = 0;  // recovery: rounds.csv already holds rows up to this round
  int64_t last_row_round_ = 0;  // the last round whose row went (or goes) into rounds.csv
  bool record_failed_ = false;
  bool finished_ = false;         // Finish() ran (the record is committing or committed)
  bool finish_on_begin_ = false;  // recovered, ended: Begin() commits its record
  bool committed_ = false;        // the record is as complete as it gets; GameOver sent
  std::string message_;
  v1::JournalRound journal_round_;  // reused every round
  v1::JournalRecord journal_record_;
  std::vector<std::function<void(const v1::GameInfo&)>> stop_waiters_;
  std::vector<std::function<void()>> drain_waiters_;

  Clock::Time first_round_start_;
  Clock::Time round_start_;  // when the current round began (round durations)
  RoundMetrics latest_;      // after the last recorded (or watched, or published) round
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

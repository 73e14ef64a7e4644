// HostedGame: the end of a game (completed, stopped, failed, drained): its summary, the record
// commit, GameOver; StopGame and drains; GetGame's info; watchers.
#include <boost/asio/dispatch.hpp>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/journal/journal_file.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
#include "server/record/run_record.h"
#include "server/service/game_record.h"
#include "server/service/hosted_game.h"
#include "server/service/hosted_game_internal.h"
#include "server/service/metrics_wire.h"

namespace nashnet::server {
namespace {

// nashnet_games_ended_total{reason}.
std::string_view EndReasonName(GameState state) {
  switch (state) {
    case GameState::kCompleted:
      return "horizon";
    case GameState::kStopped:
      return "stopped";
    case GameState::kDrained:
      return "draining";
    case GameState::kFailed:
      return "failed";
    default:
      return "unspecified";
  }
}

v1::GameStatus StatusOf(GameState state) {
  switch (state) {
    case GameState::kWaiting:
      return v1::GAME_STATUS_WAITING;
    case GameState::kRunning:
    case GameState::kStopping:
      return v1::GAME_STATUS_RUNNING;
    case GameState::kCompleted:
      return v1::GAME_STATUS_COMPLETED;
    case GameState::kStopped:
      return v1::GAME_STATUS_STOPPED;
    case GameState::kDrained:
      return v1::GAME_STATUS_DRAINED;
    case GameState::kFailed:
      return v1::GAME_STATUS_FAILED;
  }
  return v1::GAME_STATUS_UNSPECIFIED;
}

v1::GameOverReason ReasonOf(GameState state) {
  switch (state) {
    case GameState::kCompleted:
      return v1::GAME_OVER_REASON_COMPLETED;
    case GameState::kStopped:
      return v1::GAME_OVER_REASON_STOPPED;
    case GameState::kDrained:
      return v1::GAME_OVER_REASON_DRAINING;
    default:
      return v1::GAME_OVER_REASON_FAILED;
  }
}

}  // namespace

bool HostedGame::over() const { return IsTerminal(loop_->state()); }

void HostedGame::OnEnded(GameState /*state*/) { Finish(); }

RunSummary HostedGame::BuildSummary() {
  const int64_t played = loop_->rounds_played();
  if (played > 0 && latest_round_ != played) {
    latest_ = loop_->match().Snapshot();
    latest_round_ = played;
  }
  std::vector<PlayerLearnerSpec> learners;
  for (const Seat& seat : seats_) {
    PlayerLearnerSpec& l = learners.emplace_back();
    l.algorithm = seat.learner.algorithm();
    for (const auto& [name, value] : seat.learner.params()) l.params[name] = value;
  }
  RunSummary summary = SummarizeRun(played > 0 ? latest_ : loop_->match().Snapshot(), played,
                                    plan_.match.seed, learners);
  const GameState state = record_failed_ ? GameState::kFailed : loop_->state();
  summary.status = std::string(GameStateName(state));
  for (int i = 0; i < static_cast<int>(seats_.size()); ++i) {
    PlayerSummary& p = summary.players[i];
    const SeatStats& stats = loop_->stats(i);
    p.substituted_rounds = stats.substituted;
    p.missed_deadlines = stats.missed;
    p.evictions = stats.evictions;
    p.resumes = seats_[i].resumes;
  }
  const double elapsed =
      played > 0 ? std::chrono::duration<double>(clock_->Now() - first_round_start_).count() : 0.0;
  summary.elapsed_seconds = elapsed;
  summary.rounds_per_second = elapsed > 0 ? static_cast<double>(played) / elapsed : 0.0;
  return summary;
}

void HostedGame::Finish() {
  if (finished_) return;
  finished_ = true;
  if (replaying_) return;  // Recover() finishes what the journal says ended
  if (flush_armed_) {
    flush_armed_ = false;
    flush_timer_->Cancel();
  }
  if (publish_armed_) {
    publish_armed_ = false;
    publish_timer_->Cancel();
  }
  const GameState state = loop_->state();
  const int64_t played = loop_->rounds_played();
  if (state == GameState::kStopped && played > 0 && last_row_round_ < played) {
    // A stopped game's last played round closes rounds.csv, as the horizon does. (A drained one
    // is resumable: its rows stay exactly simulate's.)
    latest_ = loop_->match().Snapshot();
    latest_round_ = played;
    batch_->rows.push_back(latest_);
    last_row_round_ = played;
  }
  summary_ = BuildSummary();
  if (journal_.enabled) {
    v1::JournalRecord record;
    v1::JournalEnd* end = record.mutable_end();
    end->set_status(StatusOf(state));
    end->set_message(message_);
    end->set_rounds_played(played);
    AppendJournalRecord(record, &batch_->journal);
  }
  auto batch = std::make_shared<Batch>();
  std::swap(*batch, *batch_);
  writer_->Post(
      [record = record_, batch, summary = SummaryJson(summary_), self = shared_from_this()] {
        absl::Status status = record->Append(batch->journal, batch->rows, /*sync=*/true);
        // summary.json even after a write error: it says why the game failed, if the disk lets it.
        absl::Status committed = record->Commit(summary);
        if (status.ok()) status = committed;
        boost::asio::dispatch(self->strand_, [self, status] { self->FinishDone(status); });
      });
}

void HostedGame::FinishDone(const absl::Status& status) {
  if (!status.ok() && !record_failed_) {
    record_failed_ = true;
    message_ = absl::StrCat("the run record could not be written: ", status.message());
    summary_.status = "failed";
  }
  committed_ = true;
  const GameState state = record_failed_ ? GameState::kFailed : loop_->state();
  if (state == GameState::kStopped && message_.empty()) message_ = "stopped by StopGame";
  if (state == GameState::kDrained) {
    message_ =
        "the coordinator was drained; the game resumes on a coordinator started on its "
        "records folder";
    EndStreams(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            absl::StrCat("the coordinator is draining: game ", id_,
                                         " is resumable (resume with the seat's token)")),
               /*game_over=*/false);
  } else {
    EndStreams(grpc::Status::OK, /*game_over=*/true);
  }
  if (metrics_ != nullptr) {
    const int64_t played = loop_->rounds_played();
    if (played > 0 && metrics_->Due(played, /*final=*/true)) metrics_->Publish(latest_);
    metrics_->End(EndReasonName(state));  // its series go, its slot is freed
  }
  NotifyWatchers(/*last=*/true);
  watchers_.clear();
  if (!stop_waiters_.empty()) {
    v1::GameInfo info;
    FillInfo(&info);
    for (auto& done : stop_waiters_) done(info);
    stop_waiters_.clear();
  }
  for (auto& done : drain_waiters_) done();
  drain_waiters_.clear();
  if (on_over_) on_over_();
}

void HostedGame::EndStreams(const grpc::Status& status, bool game_over) {
  const int64_t played = loop_->rounds_played();
  const GameState state = record_failed_ ? GameState::kFailed : loop_->state();
  for (int i = 0; i < static_cast<int>(seats_.size()); ++i) {
    Seat& seat = seats_[i];
    if (seat.local || seat.stream == nullptr) continue;
    // The last slot, not Outbox(): a full outbox (the agent reads slowly) must not lose it.
    if (game_over) {
      if (v1::CoordinatorMessage* out = seat.stream->LastOutbox(); out != nullptr) {
        v1::GameOver* over = out->mutable_game_over();
        over->set_reason(ReasonOf(state));
        over->set_rounds_played(played);
        RunSummaryToProto(summary_, over->mutable_summary());
        over->set_message(message_);
      }
    }
    seat.stream->End(status);
    Vacate(i);
  }
}

void HostedGame::Stop(std::function<void(const v1::GameInfo&)> done) {
  if (committed_) {
    if (done) {
      v1::GameInfo info;
      FillInfo(&info);
      done(info);
    }
    return;
  }
  if (done) stop_waiters_.push_back(std::move(done));
  if (over()) return;  // the record is being committed
  loop_->Stop();
  Drive();
}

void HostedGame::Drain(std::function<void()> done) {
  if (committed_) {
    if (done) done();
    return;
  }
  if (done) drain_waiters_.push_back(std::move(done));
  if (!over()) loop_->Drain();  // OnEnded → Finish
}

void HostedGame::FillInfo(v1::GameInfo* info) const {
  info->set_game_id(id_);
  const GameState state = record_failed_ ? GameState::kFailed : loop_->state();
  // A game is reported over only once its record is complete.
  info->set_status(IsTerminal(state) && !committed_ ? v1::GAME_STATUS_RUNNING : StatusOf(state));
  info->set_round(loop_->rounds_played());
  info->set_rounds(plan_.match.rounds);
  *info->mutable_spec() = plan_.spec;
  for (int i = 0; i < static_cast<int>(seats_.size()); ++i) {
    const Seat& seat = seats_[i];
    const SeatStats& stats = loop_->stats(i);
    v1::SeatInfo* s = info->add_seats();
    s->set_seat(i);
    s->set_kind(seat.local ? v1::SEAT_KIND_LOCAL : v1::SEAT_KIND_REMOTE);
    s->set_agent_name(seat.agent_name);
    s->set_algorithm(seat.learner.algorithm());
    *s->mutable_learner() = seat.learner;
    s->set_connected(seat.local || seat.stream != nullptr);
    s->set_missed_deadlines(stats.missed);
    s->set_substituted_rounds(stats.substituted);
    s->set_rejected_messages(seat.rejected);
    s->set_evicted(stats.evictions > 0);
    s->set_evictions(stats.evictions);
    s->set_resumes(seat.resumes);
  }
  if (latest_round_ > 0) RoundMetricsToProto(latest_, info->mutable_latest());
  if (committed_) RunSummaryToProto(summary_, info->mutable_summary());
  info->set_record_dir(record_dir_.string());
  info->set_message(message_);
}

void HostedGame::FillUpdate(bool last) {
  update_.Clear();
  update_.set_game_id(id_);
  const GameState state = record_failed_ ? GameState::kFailed : loop_->state();
  update_.set_status(last                ? StatusOf(state)
                     : IsTerminal(state) ? v1::GAME_STATUS_RUNNING
                                         : StatusOf(state));
  update_.set_round(loop_->rounds_played());
  update_.set_rounds(plan_.match.rounds);
  if (latest_round_ > 0) RoundMetricsToProto(latest_, update_.mutable_metrics());
  if (last) RunSummaryToProto(summary_, update_.mutable_summary());
}

void HostedGame::AddWatcher(WatchStream* watcher, int64_t every) {
  if (every <= 0) every = std::max<int64_t>(1, plan_.match.rounds / 200);
  const bool last = committed_;
  FillUpdate(last);
  watcher->Update(update_, last);
  if (!last) watchers_.push_back({watcher, every});
}

void HostedGame::RemoveWatcher(WatchStream* watcher) {
  for (size_t k = 0; k < watchers_.size(); ++k) {
    if (watchers_[k].stream == watcher) {
      watchers_.erase(watchers_.begin() + static_cast<std::ptrdiff_t>(k));
      return;
    }
  }
}

void HostedGame::NotifyWatchers(bool last) {
  if (watchers_.empty()) return;
  FillUpdate(last);
  const int64_t round = loop_->rounds_played();
  for (const Watcher& w : watchers_) {
    if (last || round % w.every == 0) w.stream->Update(update_, last);
  }
}

}  // namespace nashnet::server

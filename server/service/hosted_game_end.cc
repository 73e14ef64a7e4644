// HostedGame: the end of a game (record commit, GameOver), StopGame, GetGame's info, watchers.
#include <boost/asio/dispatch.hpp>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
#include "server/service/hosted_game.h"
#include "server/service/hosted_game_internal.h"
#include "server/service/metrics_wire.h"

namespace nashnet::server {
namespace {

// How long a stop (StopGame, drain) waits for an incomplete round's stragglers at most.
constexpr int64_t kStopGraceMs = 2000;

// nashnet_games_ended_total{reason}: the GameOverReason without its prefix, lower case
// (COMPLETED: the horizon was reached).
std::string_view EndReasonName(v1::GameOverReason reason) {
  switch (reason) {
    case v1::GAME_OVER_REASON_COMPLETED:
      return "horizon";
    case v1::GAME_OVER_REASON_STOPPED:
      return "stopped";
    case v1::GAME_OVER_REASON_DRAINING:
      return "draining";
    case v1::GAME_OVER_REASON_FAILED:
      return "failed";
    default:
      return "unspecified";
  }
}

bool Terminal(v1::GameStatus status) {
  return status == v1::GAME_STATUS_COMPLETED || status == v1::GAME_STATUS_STOPPED ||
         status == v1::GAME_STATUS_FAILED;
}

}  // namespace

void HostedGame::EndGame(v1::GameOverReason reason) {
  if (over_) return;
  over_ = true;
  reason_ = reason;
  timer_.cancel();
  const int64_t played = match_->round() - 1;
  const auto end = std::chrono::steady_clock::now();
  if (played > 0 && latest_round_ != played) {
    latest_ = match_->Snapshot();
    latest_round_ = played;
  }
  // A stopped game publishes its last round (a completed one did, as its final round).
  if (metrics_ != nullptr && played > 0 && metrics_->Due(played, /*final=*/true)) {
    metrics_->Publish(latest_);
  }
  if (played > 0 && !IsRecordedRound(played, plan_.spec.record_every(), plan_.match.rounds)) {
    // A stopped game: its last played round closes rounds.csv, as the horizon does.
    writer_->Post([record = record_, metrics = latest_] { record->rounds->OnRound(metrics); });
  }
  std::vector<std::string> algorithms;
  for (size_t i = 0; i < seats_.size(); ++i) {
    algorithms.push_back(!seats_[i].algorithm.empty() ? seats_[i].algorithm
                                                      : plan_.learners[i].algorithm);
  }
  summary_ =
      SummarizeRun(played > 0 ? latest_ : match_->Snapshot(), played, plan_.match.seed, algorithms);
  const double elapsed =
      played > 0 ? std::chrono::duration<double>(end - first_round_start_).count() : 0.0;
  summary_.elapsed_seconds = elapsed;
  summary_.rounds_per_second = elapsed > 0 ? static_cast<double>(played) / elapsed : 0.0;
  writer_->Post([record = record_, summary = summary_, self = shared_from_this()] {
    absl::Status status = record->record.CommitSeed(summary.seed, record->rounds.get(), summary);
    boost::asio::dispatch(self->strand_, [self, status] { self->RecordDone(status); });
  });
}

void HostedGame::RecordDone(const absl::Status& status) {
  if (status.ok()) {
    status_ = reason_ == v1::GAME_OVER_REASON_COMPLETED ? v1::GAME_STATUS_COMPLETED
                                                        : v1::GAME_STATUS_STOPPED;
    if (reason_ == v1::GAME_OVER_REASON_STOPPED) message_ = "stopped by StopGame";
    if (reason_ == v1::GAME_OVER_REASON_DRAINING) message_ = "the coordinator is shutting down";
  } else {
    status_ = v1::GAME_STATUS_FAILED;
    reason_ = v1::GAME_OVER_REASON_FAILED;
    message_ = absl::StrCat("the run record could not be written: ", status.message());
  }
  const int64_t played = match_->round() - 1;
  for (int i = 0; i < static_cast<int>(seats_.size()); ++i) {
    Seat& seat = seats_[i];
    if (seat.local || seat.stream == nullptr) continue;
    if (seat.joined_pending) SendJoined(i);
    // The last slot, not Outbox(): a full outbox (the agent reads slowly) must not lose it.
    if (v1::CoordinatorMessage* out = seat.stream->LastOutbox(); out != nullptr) {
      v1::GameOver* over = out->mutable_game_over();
      over->set_reason(reason_);
      over->set_rounds_played(played);
      RunSummaryToProto(summary_, over->mutable_summary());
      over->set_message(message_);
    }
    seat.stream->End(grpc::Status::OK);
    seat.stream = nullptr;
    budget_->Release();
    if (service_metrics_ != nullptr) service_metrics_->AgentDisconnected();
  }
  // The game's series go, its slot is freed, the final Nash gap observed.
  if (metrics_ != nullptr) metrics_->End(EndReasonName(reason_));
  NotifyWatchers(/*last=*/true);
  watchers_.clear();
  if (!stop_waiters_.empty()) {
    v1::GameInfo info;
    FillInfo(&info);
    for (auto& done : stop_waiters_) done(info);
    stop_waiters_.clear();
  }
  if (on_over_) on_over_();
}

void HostedGame::Stop(v1::GameOverReason reason, std::function<void(const v1::GameInfo&)> done) {
  if (Terminal(status_)) {
    if (done) {
      v1::GameInfo info;
      FillInfo(&info);
      done(info);
    }
    return;
  }
  if (done) stop_waiters_.push_back(std::move(done));
  if (over_) return;  // the record is being committed
  if (!stop_requested_) {
    stop_requested_ = true;
    reason_ = reason;
  }
  if (!started_) return EndGame(reason_);
  if (match_->all_submitted()) return Advance();
  // The round is incomplete: its stragglers get at most kStopGraceMs more, not a whole deadline.
  BringDeadlineForward(std::chrono::steady_clock::now() + std::chrono::milliseconds(kStopGraceMs));
}

void HostedGame::FillInfo(v1::GameInfo* info) const {
  info->set_game_id(id_);
  info->set_status(status_);
  info->set_round(match_->round() - 1);
  info->set_rounds(plan_.match.rounds);
  *info->mutable_spec() = plan_.spec;
  for (int i = 0; i < static_cast<int>(seats_.size()); ++i) {
    const Seat& seat = seats_[i];
    v1::SeatInfo* s = info->add_seats();
    s->set_seat(i);
    s->set_kind(seat.local ? v1::SEAT_KIND_LOCAL : v1::SEAT_KIND_REMOTE);
    s->set_agent_name(seat.agent_name);
    s->set_algorithm(seat.local || seat.algorithm.empty() ? plan_.learners[i].algorithm
                                                          : seat.algorithm);
    s->set_connected(seat.local || seat.stream != nullptr);
    s->set_missed_deadlines(seat.missed);
    s->set_substituted_rounds(seat.substituted);
    s->set_rejected_messages(seat.rejected);
    s->set_evicted(seat.evicted);
  }
  if (latest_round_ > 0) RoundMetricsToProto(latest_, info->mutable_latest());
  if (Terminal(status_)) RunSummaryToProto(summary_, info->mutable_summary());
  info->set_record_dir(record_dir_.string());
  info->set_message(message_);
}

void HostedGame::AddWatcher(WatchStream* watcher, int64_t every) {
  if (every <= 0) every = std::max<int64_t>(1, plan_.match.rounds / 200);
  const bool last = Terminal(status_);
  update_.Clear();
  update_.set_game_id(id_);
  update_.set_status(status_);
  update_.set_round(match_->round() - 1);
  update_.set_rounds(plan_.match.rounds);
  if (latest_round_ > 0) RoundMetricsToProto(latest_, update_.mutable_metrics());
  if (last) RunSummaryToProto(summary_, update_.mutable_summary());
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
  const int64_t round = match_->round() - 1;
  update_.Clear();
  update_.set_game_id(id_);
  update_.set_status(status_);
  update_.set_round(round);
  update_.set_rounds(plan_.match.rounds);
  if (latest_round_ > 0) RoundMetricsToProto(latest_, update_.mutable_metrics());
  if (last) RunSummaryToProto(summary_, update_.mutable_summary());
  for (const Watcher& w : watchers_) {
    if (last || round % w.every == 0) w.stream->Update(update_, last);
  }
}

}  // namespace nashnet::server

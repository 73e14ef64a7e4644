#include "bench/load/agent_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace nashnet::bench {

void StreamGroup::OnStreamDone() {
  std::lock_guard lock(mu_);
  ++done_;
  cv_.notify_all();
}

int64_t StreamGroup::WaitDone(int64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return done_ >= n; });
  return done_;
}

std::string StreamGroup::first_failure() const {
  std::lock_guard lock(mu_);
  return first_failure_;
}

void StreamGroup::NoteFailure(const grpc::Status& status) {
  std::lock_guard lock(mu_);
  if (first_failure_.empty()) {
    first_failure_ = absl::StrCat("code ", status.error_code(), ": ", status.error_message());
  }
}

bool Gate::ParkIfClosed(AgentStream* stream, int64_t round) {
  if (open_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mu_);
  if (open_.load(std::memory_order_relaxed)) return false;
  parked_.emplace_back(stream, round);
  return true;
}

void Gate::Open() {
  std::vector<std::pair<AgentStream*, int64_t>> parked;
  {
    std::lock_guard lock(mu_);
    open_.store(true, std::memory_order_release);
    parked.swap(parked_);
  }
  for (auto& [stream, round] : parked) stream->SendAction(round);
}

void Gate::Close() {
  std::lock_guard lock(mu_);
  open_.store(false, std::memory_order_release);
}

AgentStream::AgentStream(std::string game_id, int seat, StreamGroup* group, Gate* gate)
    : game_id_(std::move(game_id)), seat_(seat), group_(group), gate_(gate) {}

void AgentStream::Start(v1::Coordinator::Stub* stub) {
  stub->async()->Play(&context_, this);
  v1::Join* join = out_.mutable_join();
  join->set_game_id(game_id_);
  if (seat_ >= 0) join->set_seat(seat_);
  join->set_agent_name("nashnet_load");
  join->set_algorithm("none");
  writing_ = true;
  StartWrite(&out_);
  StartRead(&in_);
  StartCall();
}

void AgentStream::Cancel() {
  cancel_requested_.store(true);
  context_.TryCancel();
}

void AgentStream::FillAction(int64_t round) {
  v1::Action* action = out_.mutable_action();
  action->set_round(round);
  action->set_index(static_cast<int>(round % num_actions_));
  auto* probabilities = action->mutable_strategy()->mutable_probabilities();
  probabilities->Resize(num_actions_, 0.0);
  for (int k = 0; k < num_actions_; ++k) probabilities->Set(k, 1.0 / num_actions_);
  action->set_probability(1.0 / num_actions_);
}

void AgentStream::SendAction(int64_t round) {
  {
    std::lock_guard lock(mu_);
    if (writing_) {
      pending_round_ = round;
      return;
    }
    writing_ = true;
    FillAction(round);
  }
  StartWrite(&out_);
}

void AgentStream::OnWriteDone(bool ok) {
  {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok || pending_round_ == 0) return;
    FillAction(pending_round_);
    pending_round_ = 0;
    writing_ = true;
  }
  StartWrite(&out_);
}

void AgentStream::OnReadDone(bool ok) {
  if (!ok) return;  // the call ends; OnDone follows
  int64_t next_round = 0;
  switch (in_.kind_case()) {
    case v1::CoordinatorMessage::kJoined:
      num_actions_ = in_.joined().view().num_actions();
      horizon_ = in_.joined().view().horizon();
      group_->joined.fetch_add(1, std::memory_order_relaxed);
      if (in_.joined().started()) {
        group_->started.fetch_add(1, std::memory_order_relaxed);
        next_round = in_.joined().next_round();
      }
      break;
    case v1::CoordinatorMessage::kStart:
      group_->started.fetch_add(1, std::memory_order_relaxed);
      next_round = in_.start().round();
      break;
    case v1::CoordinatorMessage::kFeedback:
      updates_.fetch_add(1, std::memory_order_relaxed);
      next_round = in_.feedback().round() + 1;
      break;
    case v1::CoordinatorMessage::kGameOver:
      game_over_ = true;
      group_->over.fetch_add(1, std::memory_order_relaxed);
      break;
    case v1::CoordinatorMessage::kError:
      group_->errors.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      break;
  }
  // After the last round's Feedback the GameOver follows: no Action for T + 1.
  if (horizon_ > 0 && next_round > horizon_) next_round = 0;
  if (next_round > 0 && num_actions_ > 0 && !game_over_ &&
      (gate_ == nullptr || !gate_->ParkIfClosed(this, next_round))) {
    SendAction(next_round);
  }
  StartRead(&in_);
}

void AgentStream::OnDone(const grpc::Status& status) {
  if (!game_over_ || !status.ok()) {
    if (cancel_requested_.load()) {
      group_->cancelled.fetch_add(1, std::memory_order_relaxed);
    } else {
      group_->failed.fetch_add(1, std::memory_order_relaxed);
      group_->NoteFailure(status);
    }
  }
  group_->OnStreamDone();
}

}  // namespace nashnet::bench

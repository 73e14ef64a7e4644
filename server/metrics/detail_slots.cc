// ServiceMetrics' detail slots: which live games have per-game and per-player series (the rule is
// in game_metrics.h, "Detail"). Every function here takes slots_mutex_ (or runs under it) and
// then, to create or remove series, the game's own series mutex.
#include <mutex>

#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"

namespace nashnet::server {

void ServiceMetrics::AddGame(GameMetrics* game) {
  std::lock_guard<std::mutex> lock(slots_mutex_);
  if (free_slots_ > 0) {
    GrantLocked(game);
    EnqueueLocked(game, &waiting_with_slot_);
  } else {
    EnqueueLocked(game, &waiting_without_slot_);
  }
}

void ServiceMetrics::SetGameRunning(GameMetrics* game, bool running) {
  std::lock_guard<std::mutex> lock(slots_mutex_);
  if (game->running_ == running) return;
  game->running_ = running;
  game->SetRunningSeries(running);
  DequeueLocked(game);
  if (running) {
    if (game->holds_slot_) return;  // running games are never preempted: out of every queue
    if (free_slots_ == 0 && !waiting_with_slot_.empty()) {
      GameMetrics* waited_longest = waiting_with_slot_.front();
      DequeueLocked(waited_longest);
      RevokeLocked(waited_longest);
      EnqueueLocked(waited_longest, &waiting_without_slot_);
    }
    if (free_slots_ > 0) {
      GrantLocked(game);
    } else {
      EnqueueLocked(game, &running_without_slot_);
    }
    return;
  }
  if (!game->holds_slot_) {
    EnqueueLocked(game, &waiting_without_slot_);
  } else if (!running_without_slot_.empty()) {  // hand the slot to a running game
    RevokeLocked(game);
    EnqueueLocked(game, &waiting_without_slot_);
    HandOverLocked();
  } else {
    EnqueueLocked(game, &waiting_with_slot_);
  }
}

void ServiceMetrics::RemoveGame(GameMetrics* game) {
  std::lock_guard<std::mutex> lock(slots_mutex_);
  DequeueLocked(game);
  if (game->holds_slot_) {
    RevokeLocked(game);
    HandOverLocked();
  }
}

void ServiceMetrics::HandOverLocked() {
  for (SlotQueue* queue : {&running_without_slot_, &waiting_without_slot_}) {
    if (free_slots_ == 0 || queue->empty()) continue;
    GameMetrics* next = queue->front();
    DequeueLocked(next);
    GrantLocked(next);
    if (!next->running_) EnqueueLocked(next, &waiting_with_slot_);
    return;
  }
}

void ServiceMetrics::GrantLocked(GameMetrics* game) {
  --free_slots_;
  game->holds_slot_ = true;
  detailed_games_.Increment();
  game->AddSeries(game->running_);
}

void ServiceMetrics::RevokeLocked(GameMetrics* game) {
  game->RemoveSeries();
  game->holds_slot_ = false;
  detailed_games_.Decrement();
  ++free_slots_;
}

void ServiceMetrics::EnqueueLocked(GameMetrics* game, SlotQueue* queue) {
  game->queue_ = queue;
  game->queue_position_ = queue->insert(queue->end(), game);
}

void ServiceMetrics::DequeueLocked(GameMetrics* game) {
  if (game->queue_ == nullptr) return;
  game->queue_->erase(game->queue_position_);
  game->queue_ = nullptr;
}

}  // namespace nashnet::server

#include "server/journal/journal_prefetcher.h"

#include <utility>

namespace nashnet::server {

JournalPrefetcher::JournalPrefetcher(JournalReader reader, size_t batch, size_t depth)
    : reader_(std::move(reader)),
      batch_size_(batch < 1 ? 1 : batch),
      batches_(depth < 2 ? 2 : depth) {
  for (Batch& b : batches_) {
    b.records.resize(batch_size_);
    empty_.push_back(&b);
  }
  thread_ = std::thread([this] { ReadAhead(); });
}

JournalPrefetcher::~JournalPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void JournalPrefetcher::ReadAhead() {
  for (;;) {
    Batch* batch = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stop_ || !empty_.empty(); });
      if (stop_) return;
      batch = empty_.front();
      empty_.pop_front();
    }
    batch->size = 0;
    while (batch->size < batch_size_ && reader_.Next(&batch->records[batch->size])) ++batch->size;
    const bool last = batch->size < batch_size_;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      full_.push_back(batch);
    }
    changed_.notify_all();
    if (last) return;
  }
}

const v1::JournalRecord* JournalPrefetcher::Next() {
  while (!end_) {
    if (current_ != nullptr && next_ < current_->size) return &current_->records[next_++];
    const bool was_last = current_ != nullptr && current_->size < batch_size_;
    std::unique_lock<std::mutex> lock(mutex_);
    if (current_ != nullptr) {
      empty_.push_back(current_);
      current_ = nullptr;
      changed_.notify_all();
    }
    if (was_last) {
      end_ = true;
      break;
    }
    changed_.wait(lock, [this] { return !full_.empty(); });
    current_ = full_.front();
    full_.pop_front();
    next_ = 0;
  }
  return nullptr;
}

}  // namespace nashnet::server

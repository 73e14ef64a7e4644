// JournalPrefetcher: reads a journal on a thread of its own, ahead of its consumer. Recovery
// replays a journal through the round loop on one thread; reading, checksumming and parsing
// the records (a third of a replay) run on another core meanwhile.
//
//   NASHNET_ASSIGN_OR_RETURN(JournalReader reader, JournalReader::Open(path));
//   JournalPrefetcher prefetch(std::move(reader));
//   while (const v1::JournalRecord* r = prefetch.Next()) { ... }   // in file order
//   prefetch.reader().valid_bytes(), prefetch.reader().torn() ...  // once Next() was null
//
// Thread safety: one consumer thread. Destroying it early (a replay that fails half way) stops
// the reading thread and joins it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "nashnet/v1/journal.pb.h"
#include "server/journal/journal_file.h"

namespace nashnet::server {

class JournalPrefetcher {
 public:
  // `batch` records per hand-over, at most `depth` batches read ahead.
  explicit JournalPrefetcher(JournalReader reader, size_t batch = 1024, size_t depth = 4);
  JournalPrefetcher(const JournalPrefetcher&) = delete;
  JournalPrefetcher& operator=(const JournalPrefetcher&) = delete;
  ~JournalPrefetcher();

  // The next intact record (valid until the next call), or null at the end of the intact journal.
  [[nodiscard]] const v1::JournalRecord* Next();
  // The reader, for valid_bytes() / torn(): only once Next() has returned null.
  [[nodiscard]] const JournalReader& reader() const { return reader_; }

 private:
  struct Batch {
    std::vector<v1::JournalRecord> records;
    size_t size = 0;  // records filled; < records.size() marks the last batch
  };
  void ReadAhead();

  JournalReader reader_;
  const size_t batch_size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch*> full_;   // read, in order
  std::deque<Batch*> empty_;  // free for the reading thread
  std::vector<Batch> batches_;
  bool stop_ = false;
  Batch* current_ = nullptr;  // the consumer's
  size_t next_ = 0;
  bool end_ = false;
  std::thread thread_;
};

}  // namespace nashnet::server

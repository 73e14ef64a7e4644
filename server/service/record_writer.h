// RecordWriter: the coordinator's disk thread. Hosted games hand it their recorded rounds and
// their final commit (rounds.csv, summary.json) so that no strand or gRPC thread waits on disk.
//
//   RecordWriter writer;                         // starts the thread
//   writer.Post([record, metrics] { record->rounds->OnRound(metrics); });
//   writer.Post([record, summary, done] { done(record->Commit(summary)); });
//   writer.Stop();                               // runs what is queued, then joins
//
// Tasks run one at a time, in the order posted. Thread safety: Post and Stop may be called from
// any thread; tasks posted after Stop run on the caller's thread (nothing is lost).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace nashnet::server {

class RecordWriter {
 public:
  RecordWriter();
  ~RecordWriter();  // Stop()
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  void Post(std::function<void()> task);

  // Runs every queued task, then joins the thread. Idempotent.
  void Stop();

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::thread thread_;
};

}  // namespace nashnet::server

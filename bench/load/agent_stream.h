// AgentStream: one learner-less agent of the load generator (bench/load/nashnet_load.cc) — a gRPC
// callback client reactor on Coordinator.Play that plays lockstep like nashnet-agent (Join; per
// round an Action with the index, the |A_i| strategy probabilities and the probability; read the
// Feedback) and counts the Feedback messages it gets (agent-updates). Many of them share a handful
// of channels inside one process, so the benchmark measures the server, not the OS's scheduler of
// 1,000 agent processes.
//
//   StreamGroup group;
//   Gate gate(/*open=*/true);
//   auto stream = std::make_unique<AgentStream>("g1", /*seat=*/0, &group, &gate);
//   stream->Start(stub.get());
//   ... group.updates(streams) ...; stream->Cancel(); group.WaitDone(n, timeout);
//
// Thread safety: reactions run on gRPC's threads; updates() / Cancel() may be called from any
// thread. An AgentStream must outlive its OnDone (StreamGroup::WaitDone tells when).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "nashnet/v1/coordinator.grpc.pb.h"

namespace nashnet::bench {

// Counters shared by every stream of one run.
class StreamGroup {
 public:
  std::atomic<int64_t> joined{0};     // Joined received
  std::atomic<int64_t> started{0};    // Start received (or Joined with started)
  std::atomic<int64_t> over{0};       // GameOver received
  std::atomic<int64_t> errors{0};     // in-band Error messages
  std::atomic<int64_t> failed{0};     // streams that ended with a non-OK status before GameOver
  std::atomic<int64_t> cancelled{0};  // of those, ended by our own Cancel()

  void OnStreamDone();
  // Waits until `n` streams are done or `timeout` passes; returns how many are done.
  int64_t WaitDone(int64_t n, std::chrono::milliseconds timeout);
  // The first failure's status text (for the report).
  std::string first_failure() const;
  void NoteFailure(const grpc::Status& status);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t done_ = 0;
  std::string first_failure_;
};

class AgentStream;

// Holds back the Actions of a set of streams while closed (so that one server's games pause while
// another's are measured): a stream whose next Action finds the gate closed parks it; Open() sends
// every parked Action. A stream that read `open` just before Close() may still send one round.
class Gate {
 public:
  explicit Gate(bool open) : open_(open) {}
  // True if the gate is closed: the Action of `round` waits for Open().
  bool ParkIfClosed(AgentStream* stream, int64_t round);
  void Open();
  void Close();

 private:
  std::atomic<bool> open_;
  std::mutex mu_;
  std::vector<std::pair<AgentStream*, int64_t>> parked_;
};

class AgentStream final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::CoordinatorMessage> {
 public:
  // `gate` may be null (always open).
  AgentStream(std::string game_id, int seat, StreamGroup* group, Gate* gate);

  // Opens the stream on `stub` and sends Join.
  void Start(v1::Coordinator::Stub* stub);
  // Cancels the call (OnDone follows).
  void Cancel();
  // Feedback messages received so far.
  [[nodiscard]] int64_t updates() const { return updates_.load(std::memory_order_relaxed); }

  // Sends the Action of `round` now, or after the write in flight (lockstep allows one).
  void SendAction(int64_t round);

  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  void FillAction(int64_t round);

  const std::string game_id_;
  const int seat_;
  StreamGroup* const group_;
  Gate* const gate_;
  grpc::ClientContext context_;
  v1::AgentMessage out_;
  v1::CoordinatorMessage in_;
  int num_actions_ = 0;
  int64_t horizon_ = 0;
  bool game_over_ = false;
  std::atomic<bool> cancel_requested_{false};
  std::atomic<int64_t> updates_{0};
  std::mutex mu_;  // guards writing_, pending_round_, out_ while queued
  bool writing_ = false;
  int64_t pending_round_ = 0;  // an Action to send once the write in flight completes
};

}  // namespace nashnet::bench

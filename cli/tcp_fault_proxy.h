// TcpFaultProxy: a loopback TCP proxy between agents and a coordinator that breaks the transport
// on command — what `nashnet conformance` puts between the agent under test and a real
// nashnet-coordinator, so that the agent meets dropped connections, lost messages and stalls
// exactly as a network would give them, whatever language it is written in.
//
//   NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<TcpFaultProxy> proxy, TcpFaultProxy::Start(port));
//   ... the agent dials proxy->address() ...
//   proxy->Hold(Direction::kToAgent, true);   // the coordinator's bytes wait in the proxy
//   proxy->ResetAll();                        // every connection reset (RST), buffers dropped
//   proxy->Hold(Direction::kToAgent, false);
//
// Bytes are forwarded as they come (the proxy knows nothing of HTTP/2 or gRPC). A held direction
// is read into the proxy's buffer (up to 4 MiB) but not written on. End of stream is passed on
// after the buffered bytes; a reset on one side resets the other. The coordinator is dialled per
// connection at 127.0.0.1:`upstream_port`, so a coordinator restarted on the same port is found
// again; while none listens, connecting agents are reset at once. `set_pace` spaces the writes
// towards the coordinator (one write per interval and connection), which slows a fast agent to a
// pace at which a test can act in the middle of its game.
//
// Thread safety: the public methods may be called from any thread; one internal thread forwards.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace nashnet::cli {

class TcpFaultProxy {
 public:
  enum class Direction { kToCoordinator, kToAgent };

  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`upstream_port`. Internal
  // error if a socket cannot be made.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TcpFaultProxy>> Start(int upstream_port);
  ~TcpFaultProxy();  // stops the thread, closes every socket
  TcpFaultProxy(const TcpFaultProxy&) = delete;
  TcpFaultProxy& operator=(const TcpFaultProxy&) = delete;

  // "127.0.0.1:PORT", what agents dial.
  [[nodiscard]] const std::string& address() const { return address_; }

  // Holds (or releases) the bytes travelling in `direction` on every connection, new ones too;
  // in effect for everything sent once it returns.
  void Hold(Direction direction, bool hold);
  // Resets every open connection (RST to both sides), dropping what the proxy buffered; returns
  // once done.
  void ResetAll();
  // At most one write towards the coordinator per `interval` and connection (0: no pacing).
  void set_pace(std::chrono::microseconds interval) { pace_us_ = interval.count(); }

  // Connections accepted so far.
  [[nodiscard]] int64_t connections() const { return connections_; }
  // Bytes buffered in `direction` and not yet written on (held ones, mostly), all connections.
  [[nodiscard]] int64_t buffered(Direction direction) const;
  // Time since the proxy last read a byte from either side of any connection.
  [[nodiscard]] std::chrono::milliseconds quiet_for() const;

 private:
  struct Connection;
  TcpFaultProxy() = default;
  void Loop();
  void Wake();

  int listen_fd_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  int upstream_port_ = 0;
  std::string address_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> hold_up_{false};
  std::atomic<bool> hold_down_{false};
  std::atomic<int64_t> pace_us_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> buffered_up_{0};
  std::atomic<int64_t> buffered_down_{0};
  std::atomic<int64_t> last_read_ns_{0};  // steady_clock, since its epoch
  std::mutex mutex_;
  std::condition_variable pass_done_;  // a forwarding pass ended
  int64_t resets_requested_ = 0;       // guarded by mutex_
  int64_t resets_done_ = 0;            // guarded by mutex_
  int64_t passes_requested_ = 0;       // guarded by mutex_ (Hold's)
  int64_t passes_done_ = 0;            // guarded by mutex_
};

}  // namespace nashnet::cli

#include "cli/tcp_fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

#include "absl/strings/str_cat.h"

namespace nashnet::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBuffered = 4 << 20;  // per direction and connection
constexpr size_t kReadChunk = 64 << 10;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Closes `fd` with a reset (RST) instead of an orderly FIN.
void CloseWithReset(int fd) {
  if (fd < 0) return;
  const linger reset{.l_onoff = 1, .l_linger = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  ::close(fd);
}

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat("tcp proxy: ", what, ": ", std::strerror(errno)));
}

}  // namespace

// One agent connection and its coordinator connection.
struct TcpFaultProxy::Connection {
  int client = -1;
  int upstream = -1;
  bool connecting = true;  // the upstream connect is in progress
  std::string to_upstream, to_client;
  bool client_eof = false, upstream_eof = false;
  bool upstream_shut = false, client_shut = false;
  Clock::time_point last_up_write{};

  void Reset() {
    CloseWithReset(client);
    CloseWithReset(upstream);
    client = upstream = -1;
  }
  bool done() const { return client < 0; }
};

absl::StatusOr<std::unique_ptr<TcpFaultProxy>> TcpFaultProxy::Start(int upstream_port) {
  std::unique_ptr<TcpFaultProxy> proxy(new TcpFaultProxy());
  proxy->upstream_port_ = upstream_port;
  proxy->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (proxy->listen_fd_ < 0) return Errno("socket");
  const int one = 1;
  ::setsockopt(proxy->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Errno("bind 127.0.0.1:0");
  }
  if (::listen(proxy->listen_fd_, 64) != 0) return Errno("listen");
  socklen_t length = sizeof(address);
  ::getsockname(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  proxy->address_ = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) return Errno("pipe");
  proxy->wake_read_ = pipe_fds[0];
  proxy->wake_write_ = pipe_fds[1];
  proxy->last_read_ns_ = NowNs();
  proxy->thread_ = std::thread([p = proxy.get()] { p->Loop(); });
  return proxy;
}

TcpFaultProxy::~TcpFaultProxy() {
  stop_ = true;
  Wake();
  if (thread_.joinable()) thread_.join();
  for (int fd : {listen_fd_, wake_read_, wake_write_}) {
    if (fd >= 0) ::close(fd);
  }
}

void TcpFaultProxy::Wake() {
  const char byte = 1;
  (void)!::write(wake_write_, &byte, 1);
}

void TcpFaultProxy::Hold(Direction direction, bool hold) {
  (direction == Direction::kToCoordinator ? hold_up_ : hold_down_) = hold;
  // Returns once a whole forwarding pass has run with the new setting: bytes sent after Hold()
  // returns are held (or released) for certain.
  std::unique_lock<std::mutex> lock(mutex_);
  const int64_t ticket = ++passes_requested_;
  Wake();
  pass_done_.wait(lock, [&] { return passes_done_ >= ticket || stop_; });
}

void TcpFaultProxy::ResetAll() {
  std::unique_lock<std::mutex> lock(mutex_);
  const int64_t ticket = ++resets_requested_;
  Wake();
  pass_done_.wait(lock, [&] { return resets_done_ >= ticket || stop_; });
}

int64_t TcpFaultProxy::buffered(Direction direction) const {
  return direction == Direction::kToCoordinator ? buffered_up_ : buffered_down_;
}

std::chrono::milliseconds TcpFaultProxy::quiet_for() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::nanoseconds(NowNs() - last_read_ns_));
}

void TcpFaultProxy::Loop() {
  std::list<Connection> connections;
  std::vector<pollfd> fds;
  std::vector<char> chunk(kReadChunk);
  // Reads what `fd` has into `buffer`; false on a reset (or error), sets *eof at end of stream.
  auto read_into = [&](int fd, std::string* buffer, bool* eof) {
    while (buffer->size() < kMaxBuffered) {
      const ssize_t n = ::read(fd, chunk.data(), chunk.size());
      if (n > 0) {
        buffer->append(chunk.data(), static_cast<size_t>(n));
        last_read_ns_ = NowNs();
        continue;
      }
      if (n == 0) {
        *eof = true;
        return true;
      }
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
    return true;
  };
  // Writes what it can of `buffer` to `fd`; false on an error.
  auto write_from = [](int fd, std::string* buffer) {
    while (!buffer->empty()) {
      const ssize_t n = ::send(fd, buffer->data(), buffer->size(), MSG_NOSIGNAL);
      if (n > 0) {
        buffer->erase(0, static_cast<size_t>(n));
        continue;
      }
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
    return true;
  };

  while (!stop_) {
    int64_t pass_ticket = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pass_ticket = passes_requested_;
    }
    const bool hold_up = hold_up_, hold_down = hold_down_;  // read after the ticket
    const auto pace = std::chrono::microseconds(pace_us_.load());
    const Clock::time_point now = Clock::now();
    int timeout_ms = 100;
    fds.clear();
    fds.push_back({.fd = wake_read_, .events = POLLIN, .revents = 0});
    fds.push_back({.fd = listen_fd_, .events = POLLIN, .revents = 0});
    for (Connection& c : connections) {
      short client_events = 0, upstream_events = 0;
      if (!c.client_eof && c.to_upstream.size() < kMaxBuffered) client_events |= POLLIN;
      if (!c.to_client.empty() && !hold_down) client_events |= POLLOUT;
      if (c.connecting) {
        upstream_events |= POLLOUT;
      } else {
        if (!c.upstream_eof && c.to_client.size() < kMaxBuffered) upstream_events |= POLLIN;
        if (!c.to_upstream.empty() && !hold_up) {
          const auto due = c.last_up_write + pace;
          if (due <= now) {
            upstream_events |= POLLOUT;
          } else {
            timeout_ms = std::min<int>(
                timeout_ms,
                1 + std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count());
          }
        }
      }
      // A side at end of stream with nothing to write is left out (poll would report its
      // hang-up for ever).
      const bool client_idle = client_events == 0 && c.client_eof;
      const bool upstream_idle = upstream_events == 0 && c.upstream_eof;
      fds.push_back({.fd = client_idle ? -1 : c.client, .events = client_events, .revents = 0});
      fds.push_back(
          {.fd = upstream_idle ? -1 : c.upstream, .events = upstream_events, .revents = 0});
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;

    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (::read(wake_read_, drain, sizeof(drain)) > 0) {
      }
    }
    int64_t reset_ticket = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (resets_requested_ > resets_done_) reset_ticket = resets_requested_;
    }
    size_t k = 2;
    for (Connection& c : connections) {
      const short client_revents = fds[k].revents, upstream_revents = fds[k + 1].revents;
      k += 2;
      if (reset_ticket > 0) {
        c.Reset();
        continue;
      }
      if (c.connecting && upstream_revents != 0) {
        int error = 0;
        socklen_t length = sizeof(error);
        ::getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
          c.Reset();  // no coordinator there: the agent sees its connection reset
          continue;
        }
        c.connecting = false;
      }
      bool ok = true;
      if (client_revents & (POLLIN | POLLHUP | POLLERR)) {
        ok = read_into(c.client, &c.to_upstream, &c.client_eof);
      }
      if (ok && !c.connecting && (upstream_revents & (POLLIN | POLLHUP | POLLERR))) {
        ok = read_into(c.upstream, &c.to_client, &c.upstream_eof);
      }
      if (ok && !hold_down) ok = write_from(c.client, &c.to_client);
      if (ok && !hold_up && !c.connecting && !c.to_upstream.empty() &&
          c.last_up_write + pace <= Clock::now()) {
        ok = write_from(c.upstream, &c.to_upstream);
        c.last_up_write = Clock::now();
      }
      if (!ok) {
        c.Reset();  // a reset (or error) on one side resets the other
        continue;
      }
      // End of stream passes on once what came before it is delivered.
      if (c.client_eof && c.to_upstream.empty() && !c.connecting && !c.upstream_shut) {
        ::shutdown(c.upstream, SHUT_WR);
        c.upstream_shut = true;
      }
      if (c.upstream_eof && c.to_client.empty() && !c.client_shut) {
        ::shutdown(c.client, SHUT_WR);
        c.client_shut = true;
      }
      if (c.upstream_shut && c.client_shut) {
        ::close(c.client);
        ::close(c.upstream);
        c.client = c.upstream = -1;
      }
    }
    connections.remove_if([](const Connection& c) { return c.done(); });

    if (fds[1].revents & POLLIN) {
      while (true) {
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) break;
        ++connections_;
        const int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<uint16_t>(upstream_port_));
        if (upstream < 0 ||
            (::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 &&
             errno != EINPROGRESS)) {
          CloseWithReset(client);
          if (upstream >= 0) ::close(upstream);
          continue;
        }
        ::setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        Connection& c = connections.emplace_back();
        c.client = client;
        c.upstream = upstream;
      }
    }
    int64_t up = 0, down = 0;
    for (const Connection& c : connections) {
      up += static_cast<int64_t>(c.to_upstream.size());
      down += static_cast<int64_t>(c.to_client.size());
    }
    buffered_up_ = up;
    buffered_down_ = down;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (reset_ticket > 0) resets_done_ = reset_ticket;
      passes_done_ = pass_ticket;
      pass_done_.notify_all();
    }
  }
  for (Connection& c : connections) c.Reset();
  std::lock_guard<std::mutex> lock(mutex_);
  resets_done_ = resets_requested_;
  passes_done_ = passes_requested_;
  pass_done_.notify_all();
}

}  // namespace nashnet::cli

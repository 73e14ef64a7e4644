#include "server/service/tcp_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nashnet::server {
namespace {

int OpenSpare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

void SetPort(sockaddr* address, int port) {
  if (address->sa_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(address)->sin_port = htons(static_cast<uint16_t>(port));
  } else if (address->sa_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(address)->sin6_port = htons(static_cast<uint16_t>(port));
  }
}

int BoundPort(int socket) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (::getsockname(socket, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
  if (bound.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
}

// Nagle off: a round's message must not wait for the previous one's ACK (gRPC's own listener
// does the same).
void NoDelay(int socket) {
  const int one = 1;
  ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpListener>> TcpListener::Bind(const std::string& address,
                                                               const FdBudget* fds) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", address, "' is not HOST:PORT (port 0..65535)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int error = ::getaddrinfo(host.empty() || host == "*" ? nullptr : host.c_str(),
                                      service.c_str(), &hints, &found);
      error != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": ", ::gai_strerror(error)));
  }
  std::vector<int> sockets;
  std::string last_error = "no address";
  int chosen = port;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int s = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (a->ai_family == AF_INET6) {
      // "[::]" takes IPv4 too (as gRPC's listener does); a specific IPv6 address only itself,
      // so that the IPv4 address of the same name can be bound beside it.
      const auto* six = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      const int v6only = IN6_IS_ADDR_UNSPECIFIED(&six->sin6_addr) ? 0 : 1;
      ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    }
    NoDelay(s);
    if (chosen != 0) SetPort(a->ai_addr, chosen);
    if (::bind(s, a->ai_addr, a->ai_addrlen) != 0 || ::listen(s, SOMAXCONN) != 0) {
      last_error = std::strerror(errno);
      ::close(s);
      continue;
    }
    if (chosen == 0) chosen = BoundPort(s);
    sockets.push_back(s);
  }
  ::freeaddrinfo(found);
  if (sockets.empty()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", last_error));
  }
  return std::unique_ptr<TcpListener>(new TcpListener(fds, std::move(sockets), chosen));
}

TcpListener::TcpListener(const FdBudget* fds, std::vector<int> sockets, int port)
    : fds_(fds), sockets_(std::move(sockets)), port_(port) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  spare_fd_ = OpenSpare();
}

TcpListener::~TcpListener() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

void TcpListener::Start(std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor) {
  acceptor_ = std::move(acceptor);
  thread_ = std::thread([this] { Loop(); });
}

void TcpListener::Stop() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof(one)) < 0) {
      // An eventfd's counter cannot overflow with one write; nothing else can fail here.
    }
    thread_.join();
  }
  for (int s : sockets_) ::close(s);
  sockets_.clear();
}

void TcpListener::Loop() {
  std::vector<pollfd> polled;
  for (int s : sockets_) polled.push_back({.fd = s, .events = POLLIN, .revents = 0});
  polled.push_back({.fd = wake_fd_, .events = POLLIN, .revents = 0});
  while (true) {
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "nashnet-coordinator: listener: poll: %s\n", std::strerror(errno));
      return;
    }
    if (polled.back().revents != 0) return;  // Stop()
    for (size_t k = 0; k + 1 < polled.size(); ++k) {
      if (polled[k].revents == 0) continue;
      if (!AcceptPending(polled[k].fd)) polled[k].fd = -1;  // poll() ignores it from now on
    }
  }
}

bool TcpListener::AcceptPending(int socket) {
  while (true) {
    const int fd = ::accept4(socket, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      switch (errno) {
        case EINTR:
        case ECONNABORTED:
          continue;
        case EAGAIN:
          return true;
        case EMFILE:
        case ENFILE:
          if (spare_fd_ >= 0) {
            // Make room for one descriptor, take the connection and drop it: it leaves the
            // backlog (no busy loop) and its client learns at once that it must retry.
            ::close(spare_fd_);
            const int dropped = ::accept4(socket, nullptr, nullptr, SOCK_CLOEXEC);
            if (dropped >= 0) Refuse(dropped, /*emfile=*/true);
            spare_fd_ = OpenSpare();
            if (dropped >= 0) continue;
          }
          // No spare to give back: wait a little for descriptors rather than spin.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return true;
        case ENOBUFS:
        case ENOMEM:
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return true;
        default:
          std::fprintf(stderr, "nashnet-coordinator: listener: accept: %s\n", std::strerror(errno));
          return false;
      }
    }
    if (fds_ != nullptr && fds_->Short()) {
      Refuse(fd, /*emfile=*/false);
      continue;
    }
    NoDelay(fd);
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters connection;
    connection.listener_fd = socket;
    connection.fd = fd;
    acceptor_->HandleNewConnection(&connection);  // the server owns the descriptor from here
  }
}

void TcpListener::Refuse(int fd, bool emfile) {
  ::close(fd);
  const int64_t refused = refused_.fetch_add(1, std::memory_order_relaxed) + 1;
  // Logged at the 1st, 10th, 100th, ... refusal: a flood must not flood the log too.
  if (refused >= logged_refusals_ * 10 || logged_refusals_ == 0) {
    logged_refusals_ = refused;
    std::fprintf(stderr,
                 "nashnet-coordinator: refused a connection: out of file descriptors (%s; limit "
                 "%d, %d kept free for running games); %lld refused so far\n",
                 emfile ? "accept() failed with EMFILE" : "reserve reached",
                 fds_ != nullptr ? fds_->Limit() : -1, fds_ != nullptr ? fds_->reserve() : 0,
                 static_cast<long long>(refused));
  }
}

}  // namespace nashnet::server

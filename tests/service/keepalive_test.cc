// Keepalive enforcement on a real nashnet-coordinator (--keepalive-time-ms,
// --keepalive-timeout-ms): a peer that stops answering the coordinator's pings — a machine gone
// without a FIN, a network that drops everything — is closed, and the seat its stream held is
// vacated, while a peer that answers keeps its seat through the same pings.
//
// Between the test's gRPC client and the coordinator sits a proxy that forwards bytes until it is
// told to black-hole the connection: from then on it reads both sides and forwards nothing (the
// coordinator's pings never reach the client, no acknowledgement comes back), and it notes when
// the coordinator's side ends (EOF or reset). It also counts the coordinator's PING frames by
// parsing the HTTP/2 frame headers it forwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

// One connection, 127.0.0.1:<free port> → 127.0.0.1:`upstream_port`; see the file comment.
class BlackHoleProxy {
 public:
  explicit BlackHoleProxy(int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    EXPECT_EQ(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~BlackHoleProxy() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  BlackHoleProxy(const BlackHoleProxy&) = delete;
  BlackHoleProxy& operator=(const BlackHoleProxy&) = delete;

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  void BlackHole() { black_hole_ = true; }
  // PING frames (not acknowledgements) the coordinator sent, forwarded or not.
  int64_t pings() const { return pings_; }
  // The coordinator's side of the connection ended (EOF or reset).
  bool upstream_closed() const { return upstream_closed_; }

 private:
  static bool Poll(int fd, int timeout_ms) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }

  static int ConnectUpstream(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Parses the coordinator's frames: a 9-byte header (length 24 bits, type, flags, stream id).
  void CountFrames(const char* data, size_t size) {
    frames_.append(data, size);
    size_t at = 0;
    while (frames_.size() - at >= 9) {
      const auto* h = reinterpret_cast<const unsigned char*>(frames_.data() + at);
      const size_t length = (size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2];
      if (frames_.size() - at < 9 + length) break;
      if (h[3] == 0x6 && (h[4] & 0x1) == 0) ++pings_;  // PING without ACK
      at += 9 + length;
    }
    frames_.erase(0, at);
  }

  void Run() {
    int client = -1;
    while (!stop_ && client < 0) {
      if (Poll(listen_fd_, 20)) client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (client < 0) return;
    const int upstream = ConnectUpstream(upstream_port_);
    if (upstream < 0) {
      ::close(client);
      upstream_closed_ = true;
      return;
    }
    char buffer[65536];
    bool client_open = true;
    while (!stop_ && !upstream_closed_) {
      pollfd fds[2] = {{.fd = upstream, .events = POLLIN, .revents = 0},
                       {.fd = client_open ? client : -1, .events = POLLIN, .revents = 0}};
      if (::poll(fds, 2, 20) <= 0) continue;
      if (fds[0].revents != 0) {
        const ssize_t n = ::recv(upstream, buffer, sizeof(buffer), 0);
        if (n <= 0) {
          upstream_closed_ = true;
          break;
        }
        CountFrames(buffer, static_cast<size_t>(n));
        if (!black_hole_ && client_open) {
          (void)::send(client, buffer, static_cast<size_t>(n), MSG_NOSIGNAL);
        }
      }
      if (fds[1].revents != 0) {
        const ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
        if (n <= 0) {
          client_open = false;  // the test's client went: the coordinator sees nothing of it
        } else if (!black_hole_) {
          (void)::send(upstream, buffer, static_cast<size_t>(n), MSG_NOSIGNAL);
        }
      }
    }
    ::close(upstream);
    ::close(client);
  }

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> black_hole_{false};
  std::atomic<bool> upstream_closed_{false};
  std::atomic<int64_t> pings_{0};
  std::string frames_;  // the proxy thread's
};

int PortOf(const std::string& address) {
  return std::atoi(address.substr(address.rfind(':') + 1).c_str());
}

TEST(Keepalive, APeerThatStopsAnsweringPingsIsClosedAndLosesItsSeat) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> started = Coordinator::Start(
      dir.path(), {"--keepalive-time-ms", "200", "--keepalive-timeout-ms", "2000"});
  ASSERT_TRUE(started.ok()) << started.status();
  Coordinator& coordinator = **started;
  // Two remote seats: the game waits for seat 1, so seat 0's stream carries no data but pings.
  ASSERT_TRUE(coordinator.CreateGame(MakeSpec("prisoners_dilemma", 100), "g").ok());

  BlackHoleProxy proxy(PortOf(coordinator.address()));
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto stub = v1::Coordinator::NewStub(
      grpc::CreateCustomChannel(proxy.address(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auto stream = stub->Play(&context);
  v1::AgentMessage join;
  *join.mutable_join() = MakeJoin("g", 0);
  ASSERT_TRUE(stream->Write(join));
  v1::CoordinatorMessage joined;
  ASSERT_TRUE(stream->Read(&joined));
  ASSERT_TRUE(joined.has_joined()) << joined.ShortDebugString();
  // A client answers pings while a thread polls its connection: an agent blocked in Read, here.
  // (Cancelled and joined however the test ends.)
  struct Reader {
    grpc::ClientContext* context;
    std::thread thread;
    ~Reader() {
      context->TryCancel();
      thread.join();
    }
  } reader{&context, std::thread([&stream] {
             v1::CoordinatorMessage ignored;
             while (stream->Read(&ignored)) {
             }
           })};

  // The control: pings come and are answered (at least five rounds of them), the seat stays.
  ASSERT_TRUE(WaitUntil([&] { return proxy.pings() >= 5; }, seconds(30)))
      << "pings seen: " << proxy.pings();
  EXPECT_FALSE(proxy.upstream_closed());
  absl::StatusOr<v1::GameInfo> info = coordinator.GetGame("g");
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->seats_size(), 2);
  EXPECT_TRUE(info->seats(0).connected()) << info->ShortDebugString();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_WAITING);

  // The peer goes silent: its pings are never answered; the coordinator closes the connection.
  const int64_t pings_before = proxy.pings();
  proxy.BlackHole();
  EXPECT_TRUE(WaitUntil([&] { return proxy.upstream_closed(); }, seconds(30)))
      << "the coordinator kept a connection whose pings go unanswered";
  EXPECT_GT(proxy.pings(), pings_before) << "no ping was sent after the peer went silent";
  // ... and the seat its stream held is vacant again, the game still waiting.
  absl::StatusOr<v1::GameInfo> after = coordinator.WaitForGame(
      "g", [](const v1::GameInfo& g) { return g.seats_size() == 2 && !g.seats(0).connected(); },
      seconds(30));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->status(), v1::GAME_STATUS_WAITING);
  EXPECT_FALSE(after->seats(1).connected());

  // The seat can be taken again by an agent that does answer.
  PlayStream again(coordinator);
  ASSERT_TRUE(again.SendJoin(MakeJoin("g", 0)));
  std::optional<v1::CoordinatorMessage> joined_again = again.Read();
  ASSERT_TRUE(joined_again.has_value());
  EXPECT_TRUE(joined_again->has_joined()) << joined_again->ShortDebugString();
}

}  // namespace
}  // namespace nashnet::service_test

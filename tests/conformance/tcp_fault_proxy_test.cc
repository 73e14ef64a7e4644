// TcpFaultProxy on real loopback sockets (bytes forwarded both ways, held and released, every
// connection reset, no coordinator listening) and AgentTemplate (placeholders checked, values
// shell-quoted): the two pieces of `nashnet conformance` that its scenario runs rely on.
#include "cli/tcp_fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "cli/conformance_env.h"
#include "gtest/gtest.h"

namespace nashnet::cli {
namespace {

using Direction = TcpFaultProxy::Direction;

// A socket with `fd`, closed at the end.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// A listening socket on a free loopback port; its port in *port.
int Listen(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(::listen(fd, 8), 0);
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  *port = ntohs(address.sin_port);
  return fd;
}

int Dial(const std::string& host_port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(std::stoi(host_port.substr(host_port.find(':') + 1)));
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  return fd;
}

// Reads exactly `n` bytes (each read bounded by 10 s); what came, shorter on EOF or error.
std::string ReadExactly(int fd, size_t n) {
  std::string out;
  char buffer[4096];
  while (out.size() < n) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    const ssize_t got = ::read(fd, buffer, std::min(sizeof(buffer), n - out.size()));
    if (got <= 0) break;
    out.append(buffer, static_cast<size_t>(got));
  }
  return out;
}

// The errno of a read on a connection that should end (0 for an orderly end of stream).
int ReadError(int fd) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, 10000) <= 0) return ETIMEDOUT;
  char byte;
  const ssize_t got = ::read(fd, &byte, 1);
  return got < 0 ? errno : got == 0 ? 0 : -1;
}

// Polls `condition` every millisecond, up to 10 s.
template <typename Condition>
bool Eventually(Condition condition) {
  for (int i = 0; i < 10000; ++i) {
    if (condition()) return true;
    ::poll(nullptr, 0, 1);
  }
  return condition();
}

TEST(TcpFaultProxy, ForwardsHoldsReleasesAndResets) {
  int port = 0;
  Fd server(Listen(&port));
  absl::StatusOr<std::unique_ptr<TcpFaultProxy>> proxy = TcpFaultProxy::Start(port);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  Fd agent(Dial((*proxy)->address()));
  Fd coordinator(::accept(server.fd, nullptr, nullptr));
  ASSERT_GE(coordinator.fd, 0);
  EXPECT_EQ((*proxy)->connections(), 1);

  ASSERT_EQ(::write(agent.fd, "join", 4), 4);
  EXPECT_EQ(ReadExactly(coordinator.fd, 4), "join");
  ASSERT_EQ(::write(coordinator.fd, "joined!", 7), 7);
  EXPECT_EQ(ReadExactly(agent.fd, 7), "joined!");

  // Held: the bytes wait in the proxy, none reach the coordinator until released.
  (*proxy)->Hold(Direction::kToCoordinator, true);
  ASSERT_EQ(::write(agent.fd, "action", 6), 6);
  ASSERT_TRUE(Eventually([&] { return (*proxy)->buffered(Direction::kToCoordinator) == 6; }));
  char byte;
  EXPECT_EQ(::recv(coordinator.fd, &byte, 1, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
  (*proxy)->Hold(Direction::kToCoordinator, false);
  EXPECT_EQ(ReadExactly(coordinator.fd, 6), "action");
  ASSERT_TRUE(Eventually([&] { return (*proxy)->buffered(Direction::kToCoordinator) == 0; }));

  // The other direction, held and then reset: the held bytes are dropped, both sides see RST.
  (*proxy)->Hold(Direction::kToAgent, true);
  ASSERT_EQ(::write(coordinator.fd, "feedback", 8), 8);
  ASSERT_TRUE(Eventually([&] { return (*proxy)->buffered(Direction::kToAgent) == 8; }));
  (*proxy)->ResetAll();
  (*proxy)->Hold(Direction::kToAgent, false);
  EXPECT_EQ(ReadError(agent.fd), ECONNRESET);
  EXPECT_EQ(ReadError(coordinator.fd), ECONNRESET);

  // A new connection after the reset is forwarded again.
  Fd again(Dial((*proxy)->address()));
  Fd coordinator2(::accept(server.fd, nullptr, nullptr));
  ASSERT_EQ(::write(again.fd, "resume", 6), 6);
  EXPECT_EQ(ReadExactly(coordinator2.fd, 6), "resume");
  EXPECT_EQ((*proxy)->connections(), 2);

  // End of stream passes on, after what came before it.
  ASSERT_EQ(::write(coordinator2.fd, "over", 4), 4);
  ::shutdown(coordinator2.fd, SHUT_WR);
  EXPECT_EQ(ReadExactly(again.fd, 4), "over");
  EXPECT_EQ(ReadError(again.fd), 0);
}

TEST(TcpFaultProxy, ResetsAgentsWhileNoCoordinatorListens) {
  int port = 0;
  { Fd closed(Listen(&port)); }  // a port nobody listens on any more
  absl::StatusOr<std::unique_ptr<TcpFaultProxy>> proxy = TcpFaultProxy::Start(port);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  Fd agent(Dial((*proxy)->address()));
  EXPECT_EQ(ReadError(agent.fd), ECONNRESET);
}

TEST(AgentTemplate, ChecksPlaceholdersAndQuotesValues) {
  EXPECT_EQ(AgentTemplate::Parse("  ").status().message(), "--agent: the command is empty");
  EXPECT_TRUE(absl::IsInvalidArgument(AgentTemplate::Parse("agent {game} {seat}").status()));
  absl::Status unknown = AgentTemplate::Parse("a {coordinator} {game} {state}").status();
  EXPECT_NE(unknown.message().find("unknown placeholder {state}"), std::string::npos) << unknown;

  absl::StatusOr<AgentTemplate> agent = AgentTemplate::Parse(
      "run --c {coordinator} --g {game} --s {seat} --json '{\"a\": 1}' {coordinator}");
  ASSERT_TRUE(agent.ok()) << agent.status();
  EXPECT_FALSE(agent->has_state_file());
  EXPECT_EQ(agent->Expand("127.0.0.1:9", "it's", 2, "/tmp/s"),
            "run --c '127.0.0.1:9' --g 'it'\\''s' --s '2' --json '{\"a\": 1}' '127.0.0.1:9'");
  absl::StatusOr<AgentTemplate> with_state =
      AgentTemplate::Parse("a {coordinator} {game} --state-file {state_file}");
  ASSERT_TRUE(with_state.ok());
  EXPECT_TRUE(with_state->has_state_file());
  EXPECT_EQ(with_state->Expand("h:1", "g", 0, "/w/agent.state"),
            "a 'h:1' 'g' --state-file '/w/agent.state'");
}

}  // namespace
}  // namespace nashnet::cli

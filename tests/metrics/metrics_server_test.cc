// The /metrics server under hostile clients: a real nashnet-coordinator keeps answering scrapes
// while 100 half-sent or silent connections are held, and closes them at --metrics-timeout-ms; in
// process, a full connection table makes room by closing the oldest silent connection, oversized
// requests get 431; and /metrics over HTTPS (--metrics-tls-cert) is verified against the test CA.
#include "server/metrics/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/metrics/scrape.h"
#include "tests/service/service_harness.h"
#include "tests/test_certs.h"

namespace nashnet::service_test {
namespace {

using metrics_test::AnySeries;
using metrics_test::HttpGet;
using metrics_test::ParseText;
using metrics_test::Samples;
using test::TestCerts;

// A TCP connection to 127.0.0.1:port whose reads time out after `timeout` (a broken server fails
// the test, never hangs it); -1 if it cannot connect.
int Connect(int port, seconds timeout = seconds(30)) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{.tv_sec = static_cast<time_t>(timeout.count()), .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool Send(int fd, const std::string& bytes) {
  return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

// Reads until the peer closes: the bytes, or an error if the read timed out first.
absl::StatusOr<std::string> ReadToClose(int fd) {
  std::string bytes;
  char buffer[16384];
  while (true) {
    const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got > 0) {
      bytes.append(buffer, got);
      continue;
    }
    if (got == 0 || errno == ECONNRESET) return bytes;
    return absl::DeadlineExceededError(absl::StrCat("recv: ", std::strerror(errno)));
  }
}

// Sends `request` on a new connection and returns the whole response.
absl::StatusOr<std::string> Exchange(int port, const std::string& request) {
  const int fd = Connect(port);
  if (fd < 0) return absl::UnavailableError("connect failed");
  Send(fd, request);
  absl::StatusOr<std::string> response = ReadToClose(fd);
  ::close(fd);
  return response;
}

// GET /metrics over TLS, verifying the server's certificate against `ca_file` for "localhost".
absl::StatusOr<std::string> HttpsGet(int port, const std::string& ca_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    SSL_CTX_free(ctx);
    return absl::InternalError("cannot load " + ca_file);
  }
  const int fd = Connect(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, "localhost");
  SSL_set1_host(ssl, "localhost");
  std::string response;
  absl::Status status;
  if (fd < 0 || SSL_connect(ssl) != 1) {
    char text[256];
    ERR_error_string_n(ERR_get_error(), text, sizeof(text));
    status = absl::UnavailableError(absl::StrCat("TLS handshake failed: ", text));
  } else {
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
    SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    char buffer[16384];
    for (int got; (got = SSL_read(ssl, buffer, sizeof(buffer))) > 0;) response.append(buffer, got);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  if (fd >= 0) ::close(fd);
  if (!status.ok()) return status;
  return response;
}

// A coordinator with the exporter; its metrics port from --metrics-port-file.
struct Served {
  std::unique_ptr<Coordinator> coordinator;
  int metrics_port = 0;
};

absl::StatusOr<Served> StartServed(const std::filesystem::path& dir,
                                   std::vector<std::string> extra) {
  const std::filesystem::path port_file = dir / "metrics.port";
  std::vector<std::string> args = {"--metrics-listen", "127.0.0.1:0", "--metrics-port-file",
                                   port_file.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  absl::StatusOr<std::unique_ptr<Coordinator>> c = Coordinator::Start(dir, args);
  if (!c.ok()) return c.status();
  Served served{.coordinator = *std::move(c)};
  served.metrics_port = std::atoi(ReadFile(port_file).c_str());
  if (served.metrics_port <= 0) return absl::InternalError("no --metrics-port-file");
  return served;
}

TEST(MetricsServer, AScrapeIsAnsweredWhile100SlowConnectionsAreHeld) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  // 5 s: long enough that the held connections are still open when the scrape is answered (it
  // reports how many are), short enough to wait for them to be closed.
  absl::StatusOr<Served> served = StartServed(dir.path(), {"--metrics-timeout-ms", "5000"});
  ASSERT_TRUE(served.ok()) << served.status();
  std::vector<int> held;
  for (int i = 0; i < 100; ++i) {
    const int fd = Connect(served->metrics_port);
    ASSERT_GE(fd, 0) << "connection " << i;
    // Half of them send half a request line; the others stay silent (half-open, as far as the
    // server can tell).
    if (i % 2 == 0) {
      ASSERT_TRUE(Send(fd, "GET /metr"));
    }
    held.push_back(fd);
  }
  absl::StatusOr<std::string> text = HttpGet(served->metrics_port, "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  const Samples samples = ParseText(*text);
  EXPECT_TRUE(samples.contains("nashnet_games_active")) << *text;
  // The 100 held ones and this scrape were all open while it was answered.
  EXPECT_EQ(samples.at("nashnet_metrics_http_connections"), 101) << *text;

  // The server closes every held connection at its timeout (EOF, or a reset for the half-sent
  // ones whose request it never finished reading).
  for (size_t i = 0; i < held.size(); ++i) {
    absl::StatusOr<std::string> rest = ReadToClose(held[i]);
    EXPECT_TRUE(rest.ok()) << "connection " << i << ": " << rest.status();
    if (rest.ok()) {
      EXPECT_EQ(*rest, "") << "connection " << i;
    }
    ::close(held[i]);
  }
  absl::StatusOr<std::string> after = HttpGet(served->metrics_port, "/metrics");
  ASSERT_TRUE(after.ok()) << after.status();
  const Samples later = ParseText(*after);
  EXPECT_EQ(later.at("nashnet_metrics_http_timeouts_total"), 100);
  EXPECT_EQ(later.at("nashnet_metrics_http_connections"), 1);
}

TEST(MetricsServer, AFullTableClosesTheOldestSilentConnectionForANewcomer) {
  auto registry = std::make_shared<prometheus::Registry>();
  absl::StatusOr<std::unique_ptr<server::MetricsServer>> server = server::MetricsServer::Start(
      {.listen = "127.0.0.1:0", .timeout_ms = 60000, .max_connections = 4}, registry);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  std::vector<int> silent;
  for (int i = 0; i < 4; ++i) {
    silent.push_back(Connect(port));
    ASSERT_GE(silent.back(), 0);
  }
  ASSERT_TRUE(WaitUntil([&] { return (*server)->open_connections() == 4; }, kRpcTimeout));
  // Four are held and the table is full, yet a scrape gets in: the oldest silent one makes room.
  absl::StatusOr<std::string> text = HttpGet(port, "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  const Samples samples = ParseText(*text);
  EXPECT_EQ(samples.at("nashnet_metrics_http_evictions_total"), 1);
  EXPECT_EQ(samples.at("nashnet_metrics_http_connections"), 4);
  absl::StatusOr<std::string> oldest = ReadToClose(silent[0]);
  ASSERT_TRUE(oldest.ok()) << oldest.status();
  EXPECT_EQ(*oldest, "") << "closed without an answer";
  for (int fd : silent) ::close(fd);
  EXPECT_EQ((*server)->timed_out_connections(), 0);
}

TEST(MetricsServer, OversizedAndUnknownRequestsGetTheirStatus) {
  auto registry = std::make_shared<prometheus::Registry>();
  absl::StatusOr<std::unique_ptr<server::MetricsServer>> server =
      server::MetricsServer::Start({.listen = "127.0.0.1:0", .max_request_bytes = 4096}, registry);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  const struct {
    std::string request;
    std::string status_line;
  } cases[] = {
      {"GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(8000, 'x') + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {"GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(8000, 'x'),  // never ends
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {"GET /other HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"},
      {"DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"},
      {"hello\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request.substr(0, 40));
    absl::StatusOr<std::string> response = Exchange(port, c.request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->substr(0, response->find("\r\n")), c.status_line) << *response;
  }
}

TEST(MetricsServer, BadOptionsAreRefusedNamingTheFlag) {
  auto registry = std::make_shared<prometheus::Registry>();
  const struct {
    server::MetricsServerOptions options;
    std::string error;
  } cases[] = {
      {{.listen = ""}, "--metrics-listen: must not be empty"},
      {{.listen = "127.0.0.1"}, "--metrics-listen: '127.0.0.1' is not HOST:PORT (port 0..65535)"},
      {{.listen = "127.0.0.1:0", .tls_cert_file = "c"},
       "--metrics-tls-cert: needs --metrics-tls-key"},
      {{.listen = "127.0.0.1:0", .tls_key_file = "k"},
       "--metrics-tls-key: needs --metrics-tls-cert"},
      {{.listen = "127.0.0.1:0", .timeout_ms = 0},
       "--metrics-timeout-ms: must be in [1, 3600000], got 0"},
      {{.listen = "127.0.0.1:0", .tls_cert_file = "/no/such.pem", .tls_key_file = "/no/such.key"},
       "--metrics-tls-cert: cannot read /no/such.pem: No such file or directory"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.error);
    absl::StatusOr<std::unique_ptr<server::MetricsServer>> server =
        server::MetricsServer::Start(c.options, registry);
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.status().message(), c.error);
  }
  // IPv6 loopback works (civetweb's build had none).
  absl::StatusOr<std::unique_ptr<server::MetricsServer>> v6 =
      server::MetricsServer::Start({.listen = "[::1]:0"}, registry);
  if (v6.ok()) {
    EXPECT_GT((*v6)->port(), 0);
  } else {
    EXPECT_EQ(v6.status().code(), absl::StatusCode::kUnavailable) << "no IPv6 here";
  }
}

TEST(MetricsServer, HttpsWithMetricsTlsCertIsVerifiedAgainstTheCa) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  TestCerts certs(dir.path() / "certs");
  ASSERT_TRUE(certs.status.ok()) << certs.status;
  absl::StatusOr<Served> served =
      StartServed(dir.path(), {"--metrics-tls-cert", certs.server_cert(), "--metrics-tls-key",
                               certs.server_key(), "--metrics-timeout-ms", "5000"});
  ASSERT_TRUE(served.ok()) << served.status();
  // Silent connections do not block HTTPS scrapes either (the handshake is under the timeout).
  std::vector<int> held;
  for (int i = 0; i < 20; ++i) held.push_back(Connect(served->metrics_port));
  absl::StatusOr<std::string> response = HttpsGet(served->metrics_port, certs.ca());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << *response;
  EXPECT_TRUE(AnySeries(ParseText(response->substr(response->find("\r\n\r\n") + 4)),
                        "nashnet_games_active"));
  for (int fd : held) ::close(fd);
  // The wrong CA fails the handshake; plain HTTP on the HTTPS port gets no answer.
  absl::StatusOr<std::string> wrong = HttpsGet(served->metrics_port, certs.other_ca());
  EXPECT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("certificate verify failed"), std::string::npos)
      << wrong.status();
  absl::StatusOr<std::string> plain =
      Exchange(served->metrics_port, "GET /metrics HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->find("200 OK"), std::string::npos) << *plain;
}

}  // namespace
}  // namespace nashnet::service_test

// MetricsServer: serves a prometheus::Registry as GET /metrics over HTTP/1.1, or HTTPS with
// --metrics-tls-cert / --metrics-tls-key, on --metrics-listen. Our own small server on
// Boost.Asio (one thread, non-blocking), because prometheus-cpp's Exposer (civetweb) gives every
// connection a thread of a fixed pool with no request timeout: eight half-sent requests blocked
// every scrape. Here a slow or silent client costs one socket until its timeout, no thread.
//
//   NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<MetricsServer> http,
//       MetricsServer::Start({.listen = "127.0.0.1:0"}, metrics->registry()));
//   std::cout << http->port();   // the bound port (port 0 picks a free one)
//
// Per connection: the request head must arrive within `timeout_ms` (TLS handshake included) and
// fit in `max_request_bytes` (else 431); the answer must be taken within `timeout_ms` again; then
// the server closes the connection (Connection: close, no keep-alive). metrics_http.h says what
// each request gets. At most `max_connections` are open: at the limit a newcomer takes the slot
// of the oldest connection that has not sent its request yet, so a flood of silent connections
// cannot lock Prometheus out; only when every slot is busy answering is a newcomer closed.
// Its own series, in the registry it serves: nashnet_metrics_http_connections (open now),
// nashnet_metrics_http_{timeouts,evictions,refusals}_total.
//
// Thread safety: Start and the destructor from one thread; port() and the counters from any.
// Scrapes are answered on the server's own thread (the registry is thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace nashnet::server {

struct MetricsServerOptions {
  // HOST:PORT to listen on: an IPv4 address, [IPv6], or a name such as localhost; port 0 picks
  // a free port.
  std::string listen;
  std::string tls_cert_file;      // --metrics-tls-cert: serve HTTPS with this chain (empty: HTTP)
  std::string tls_key_file;       // --metrics-tls-key: its private key
  int64_t timeout_ms = 10000;     // to send the request, and again to read the answer
  int64_t max_connections = 256;  // held at once; more are closed on arrival
  int64_t max_request_bytes = 16384;  // request line and headers

  // InvalidArgument naming the flag: empty listen, a certificate without its key or the other
  // way round, a timeout outside [1 ms, 1 h], max_connections < 1, max_request_bytes < 1 KiB.
  [[nodiscard]] absl::Status Validate() const;
};

class MetricsServer {
 public:
  // Binds and starts serving `registry`. InvalidArgument for bad options or TLS files (naming
  // the flag and file), Unavailable naming the address if it cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const MetricsServerOptions& options, std::shared_ptr<prometheus::Registry> registry);
  // Stops the thread and closes every connection.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // Connections open now (accepted and not yet closed).
  [[nodiscard]] int64_t open_connections() const;
  // Connections closed because their request or answer did not complete within the timeout.
  [[nodiscard]] int64_t timed_out_connections() const;

 private:
  struct Impl;
  MetricsServer() = default;

  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace nashnet::server

// MetricsServer: serves a prometheus::Registry as GET /metrics over HTTP (prometheus-cpp's Exposer,
// civetweb underneath) on --metrics-listen.
//
//   NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<MetricsServer> http,
//                            MetricsServer::Start("127.0.0.1:0", metrics->registry()));
//   std::cout << http->port();   // the bound port (port 0 picks a free one)
//
// Thread safety: Start and the destructor from one thread; port() from any. Scrapes are answered
// on civetweb's own threads (the registry is thread-safe).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace nashnet::server {

class MetricsServer {
 public:
  // Binds `address` (HOST:PORT) and serves `registry`. Unavailable naming the address if it cannot
  // be bound (civetweb's exception is caught here).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] int port() const { return port_; }

 private:
  MetricsServer() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace nashnet::server

#include "server/metrics/metrics_server.h"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace nashnet::server {
namespace {

// civetweb worker threads answering scrapes. An idle keep-alive connection holds a thread, so a
// few idle browser tabs must not starve Prometheus.
constexpr size_t kHttpThreads = 8;

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  // Debian's civetweb is built without IPv6: say so rather than fail obscurely.
  if (!address.empty() && address.front() == '[') {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics-listen: ", address,
        " is an IPv6 address; the metrics server (civetweb) listens on IPv4 only, e.g. "
        "0.0.0.0:9464 or 127.0.0.1:9464"));
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->registry_ = std::move(registry);
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(address, kHttpThreads);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("--metrics-listen: cannot listen on ", address, " (", e.what(), ")"));
  }
  const std::vector<int> ports = server->exposer_->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(
        absl::StrCat("--metrics-listen: cannot listen on ", address, " (no port bound)"));
  }
  server->port_ = ports.front();
  server->exposer_->RegisterCollectable(server->registry_);
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace nashnet::server

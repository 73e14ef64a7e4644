#include "server/metrics/metrics_server.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <list>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tls/pem_files.h"
#include "server/metrics/metrics_http.h"

namespace nashnet::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void Close() = 0;
};

// What every connection shares. Touched only on the server's thread, but for the atomics (read
// by open_connections() & co. from any thread).
struct Shared {
  MetricsServerOptions options;
  std::shared_ptr<prometheus::Registry> registry;
  std::atomic<int64_t> open{0};
  std::atomic<int64_t> timed_out{0};
  // Connections that have not sent a whole request yet, oldest first: at the limit, the oldest
  // makes room for a newcomer (a flood of silent connections cannot lock scrapes out).
  std::list<ConnectionBase*> waiting;
  prometheus::Gauge* connections_series = nullptr;
  prometheus::Counter* timeouts_series = nullptr;
  prometheus::Counter* evictions_series = nullptr;
  prometheus::Counter* refusals_series = nullptr;
};

// One accepted connection: [TLS handshake,] read the request head, write the answer, close.
// Owned by the handlers in flight (shared_ptr); lives on the server's one thread.
template <typename Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  Connection(Stream stream, Shared* shared)
      : stream_(std::move(stream)), timer_(socket().get_executor()), shared_(shared) {
    ++shared_->open;
    shared_->waiting.push_back(this);
    waiting_ = std::prev(shared_->waiting.end());
  }
  ~Connection() override { Close(); }

  void Start() {
    Arm();
    if constexpr (kTls) {
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](const boost::system::error_code& ec) {
            if (ec) return self->Close();
            self->Read();
          });
    } else {
      Read();
    }
  }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    LeaveWaiting();
    --shared_->open;
    boost::system::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);  // ends the operation in flight (its handler sees an error)
    timer_.cancel();
  }

 private:
  tcp::socket& socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  void LeaveWaiting() {
    if (waiting_.has_value()) shared_->waiting.erase(*waiting_);
    waiting_.reset();
  }

  // (Re)starts the deadline of the current phase (the request, then the answer).
  void Arm() {
    timer_.expires_after(milliseconds(shared_->options.timeout_ms));
    timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->closed_) return;
      if (self->timer_.expiry() > std::chrono::steady_clock::now()) return;  // re-armed since
      ++self->shared_->timed_out;
      self->shared_->timeouts_series->Increment();
      self->Close();
    });
  }

  void Read() {
    stream_.async_read_some(
        asio::buffer(chunk_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, size_t n) {
          if (ec) return self->Close();
          self->request_.append(self->chunk_.data(), n);
          const size_t end = RequestHeadEnd(self->request_);
          const auto limit = static_cast<size_t>(self->shared_->options.max_request_bytes);
          if (end == std::string::npos || end > limit) {
            if (self->request_.size() < limit) return self->Read();
            return self->Write(RequestTooLargeResponse());
          }
          self->request_.resize(end);
          self->Write(RespondToRequest(self->request_, [shared = self->shared_] {
            shared->connections_series->Set(static_cast<double>(shared->open.load()));
            return prometheus::TextSerializer().Serialize(shared->registry->Collect());
          }));
        });
  }

  void Write(std::string response) {
    LeaveWaiting();
    response_ = std::move(response);
    Arm();
    asio::async_write(
        stream_, asio::buffer(response_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, size_t /*n*/) {
          if (ec) return self->Close();
          if constexpr (kTls) {
            // close_notify; done when the client answers or goes (or at the deadline).
            self->stream_.async_shutdown(
                [self](const boost::system::error_code& /*ec*/) { self->Close(); });
          } else {
            self->Close();
          }
        });
  }

  Stream stream_;
  asio::steady_timer timer_;
  Shared* shared_;
  std::optional<std::list<ConnectionBase*>::iterator> waiting_;
  std::array<char, 2048> chunk_;
  std::string request_;
  std::string response_;
  bool closed_ = false;
};

// HOST:PORT → the endpoint to bind ("[::1]:0", "0.0.0.0:9464", "localhost:9464").
absl::StatusOr<tcp::endpoint> Resolve(asio::io_context& io, const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen: '", listen, "' is not HOST:PORT (port 0..65535)"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const tcp::resolver::results_type results = resolver.resolve(
      host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics-listen: cannot resolve '", host,
                                                   "' (", ec ? ec.message() : "no address", ")"));
  }
  return results.begin()->endpoint();
}

prometheus::Counter* AddCounter(prometheus::Registry& registry, const std::string& name,
                                const std::string& help) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

absl::Status MetricsServerOptions::Validate() const {
  if (listen.empty()) return absl::InvalidArgumentError("--metrics-listen: must not be empty");
  if (tls_cert_file.empty() != tls_key_file.empty()) {
    return absl::InvalidArgumentError(tls_cert_file.empty()
                                          ? "--metrics-tls-key: needs --metrics-tls-cert"
                                          : "--metrics-tls-cert: needs --metrics-tls-key");
  }
  if (timeout_ms < 1 || timeout_ms > 3600000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-timeout-ms: must be in [1, 3600000], got ", timeout_ms));
  }
  if (max_connections < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics max_connections: must be >= 1, got ", max_connections));
  }
  if (max_request_bytes < 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics max_request_bytes: must be >= 1024, got ", max_request_bytes));
  }
  return absl::OkStatus();
}

// Declaration order matters on destruction (reversed): the acceptor and timer go first, then the
// io_context (destroying the connections its pending handlers own, which read `shared` and use
// the TLS context), then those two.
struct MetricsServer::Impl {
  Shared shared;
  std::optional<asio::ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};  // after a failed accept (out of descriptors), try again later
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        retry.expires_after(milliseconds(100));
        retry.async_wait([this](const boost::system::error_code& wait) {
          if (!wait) Accept();
        });
        return;
      }
      Admit(std::move(socket));
      Accept();
    });
  }

  void Admit(tcp::socket socket) {
    if (shared.open.load() >= shared.options.max_connections) {
      if (shared.waiting.empty()) {  // every slot is answering a request: refuse
        shared.refusals_series->Increment();
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
      }
      shared.evictions_series->Increment();
      shared.waiting.front()->Close();  // leaves `waiting`
    }
    if (tls.has_value()) {
      using TlsStream = asio::ssl::stream<tcp::socket>;
      std::make_shared<Connection<TlsStream>>(TlsStream(std::move(socket), *tls), &shared)->Start();
    } else {
      std::make_shared<Connection<tcp::socket>>(std::move(socket), &shared)->Start();
    }
  }

  absl::Status LoadTls(const MetricsServerOptions& options) {
    NASHNET_ASSIGN_OR_RETURN(
        tls::CertificateAndKey pair,
        tls::ReadCertificateAndKey({"--metrics-tls-cert", options.tls_cert_file},
                                   {"--metrics-tls-key", options.tls_key_file}));
    tls.emplace(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     ec);
    if (!ec) tls->use_certificate_chain(asio::buffer(pair.certificate_chain), ec);
    if (!ec) tls->use_private_key(asio::buffer(pair.private_key), asio::ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat("--metrics-tls-cert: OpenSSL refused ",
                                                     options.tls_cert_file, " / ",
                                                     options.tls_key_file, ": ", ec.message()));
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const MetricsServerOptions& options, std::shared_ptr<prometheus::Registry> registry) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  if (!options.tls_cert_file.empty()) NASHNET_RETURN_IF_ERROR(impl.LoadTls(options));
  NASHNET_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, Resolve(impl.io, options.listen));
  boost::system::error_code ec;
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("--metrics-listen: cannot listen on ",
                                               options.listen, " (", ec.message(), ")"));
  }
  server->port_ = impl.acceptor.local_endpoint().port();

  Shared& shared = impl.shared;
  shared.options = options;
  shared.registry = std::move(registry);
  shared.connections_series =
      &prometheus::BuildGauge()
           .Name("nashnet_metrics_http_connections")
           .Help("Connections open to the /metrics server (this scrape's included)")
           .Register(*shared.registry)
           .Add({});
  shared.timeouts_series =
      AddCounter(*shared.registry, "nashnet_metrics_http_timeouts_total",
                 "/metrics connections closed for not sending a request, or not reading the "
                 "answer, within --metrics-timeout-ms");
  shared.evictions_series =
      AddCounter(*shared.registry, "nashnet_metrics_http_evictions_total",
                 "/metrics connections closed before their request arrived, to make room for a "
                 "new one (the connection limit was reached)");
  shared.refusals_series =
      AddCounter(*shared.registry, "nashnet_metrics_http_refusals_total",
                 "/metrics connections closed on arrival (every slot busy answering)");
  impl.Accept();
  impl.thread = std::thread([&impl] { impl.io.run(); });
  return server;
}

MetricsServer::~MetricsServer() {
  if (impl_ == nullptr) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int64_t MetricsServer::open_connections() const { return impl_->shared.open.load(); }

int64_t MetricsServer::timed_out_connections() const { return impl_->shared.timed_out.load(); }

}  // namespace nashnet::server

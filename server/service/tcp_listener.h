// TcpListener: a gRPC port whose connections are accepted by nashnet, not by gRPC, so that
// running out of file descriptors refuses connections instead of closing the port for good.
//
// gRPC 1.51's own listener stops accepting after one accept() fails with EMFILE and never
// resumes, even once descriptors are free again (grpc/grpc#20418; tried here under
// `prlimit --nofile=64`). TcpListener binds the socket itself, accepts on its own thread and hands
// each connection to the server through ServerBuilder's external connection acceptor (which
// applies the server's credentials and channel arguments like any listener). A connection is
// closed at once — the client sees UNAVAILABLE and retries — while the FdBudget is short; an
// accept() that fails with EMFILE is answered with the spare-descriptor trick (close a spare,
// accept and close the connection, reopen the spare), so the pending connection does not spin the
// loop.
//
//   NASHNET_ASSIGN_OR_RETURN(auto listener, TcpListener::Bind("0.0.0.0:50051", &fds));
//   grpc::ServerBuilder builder;
//   auto acceptor = builder.experimental().AddExternalConnectionAcceptor(
//       grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD, credentials);
//   auto server = builder.BuildAndStart();
//   listener->Start(std::move(acceptor));   // accepting from now on
//   ...
//   server->Shutdown(); listener->Stop();
//
// Thread safety: Bind, Start and Stop from one thread; port() and refused() from any.
#pragma once

#include <grpcpp/server_builder.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "server/service/fd_budget.h"

namespace nashnet::server {

class TcpListener {
 public:
  // Listens on HOST:PORT — every address HOST resolves to ("[::]" is dual-stack), all on the same
  // port; port 0 picks a free one. Unavailable if nothing can be bound. `fds` outlives this.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TcpListener>> Bind(const std::string& address,
                                                                         const FdBudget* fds);
  ~TcpListener();  // Stop()
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // Connections closed at once because descriptors ran short (or accept() hit EMFILE).
  [[nodiscard]] int64_t refused() const { return refused_.load(std::memory_order_relaxed); }

  // Starts the accept thread; every connection accepted goes to `acceptor` (the server must be
  // started: the acceptor closes connections given to a server not yet started or shut down).
  void Start(std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor);
  // Closes the listening sockets and joins the thread. Idempotent.
  void Stop();

 private:
  TcpListener(const FdBudget* fds, std::vector<int> sockets, int port);
  void Loop();
  // Accepts what is pending on `socket`; false if the socket is broken.
  bool AcceptPending(int socket);
  void Refuse(int fd, bool emfile);

  const FdBudget* fds_;
  std::vector<int> sockets_;  // listening, non-blocking
  int port_ = 0;
  int wake_fd_ = -1;   // eventfd: Stop() wakes the thread
  int spare_fd_ = -1;  // /dev/null, closed to accept (and drop) a connection under EMFILE
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::thread thread_;
  std::atomic<int64_t> refused_{0};
  int64_t logged_refusals_ = 0;  // accept thread only
};

}  // namespace nashnet::server

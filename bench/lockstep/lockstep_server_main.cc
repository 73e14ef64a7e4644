// lockstep_server: the bare gRPC lockstep baseline (bench/lockstep/lockstep_service.h) as a
// process, started like nashnet-coordinator so that the benchmarks drive both the same way.
//
//   lockstep_server --listen 127.0.0.1:0 --port-file /tmp/port
//   # prints "lockstep_server listening on 127.0.0.1:PORT"; SIGTERM / SIGINT end it (exit 0)
//
// Like the coordinator: callback API, health checking on, 4 MiB receive limit by default.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "bench/lockstep/lockstep_service.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

int main(int argc, char** argv) {
  CLI::App app("lockstep_server: bare gRPC lockstep baseline of the service benchmarks",
               "lockstep_server");
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  int max_message_bytes = 4 << 20;
  app.add_option("--listen", listen, "gRPC address (port 0 picks a free port)");
  app.add_option("--port-file", port_file, "Write the bound port here once serving");
  app.add_option("--max-message-bytes", max_message_bytes, "Receive limit per message")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // SIGTERM / SIGINT are taken by a waiting thread (blocked here, before gRPC starts threads).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  grpc::EnableDefaultHealthCheckService(true);
  nashnet::bench::LockstepService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "lockstep_server: --listen: cannot listen on " << listen << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::filesystem::rename(tmp, port_file);
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "lockstep_server listening on " << host << ":" << port << std::endl;

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}

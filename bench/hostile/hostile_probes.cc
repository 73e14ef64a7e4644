// hostile_probes: the hostile clients of the hostile-client benchmark (bench/README.md, "Hostile
// clients"; bench/hostile/hostile_bench.py drives it). One process, one thread per probe, each
// paced so that the probes cost the machine little CPU: what is measured is whether the
// coordinator keeps them from hurting a neighbour game, not how many cores a flood can take.
//
//   hostile_probes --target 127.0.0.1:PORT --metrics-port MPORT --watch-game g1
//   (prints "ready" once every held connection and stream is open; runs until stdin closes, or
//    with --until-signal until SIGTERM / SIGINT, then prints one JSON object of what each probe
//    got back)
//
// Probes: oversize CreateGames (cournot players=10^6 bandit, parallel_links players=10^6
// links=10^4, braess players=10^6), CreateGames with a 1 MiB spec.name, Play streams that never
// send Join (held, reopened once the coordinator ends them), WatchGame streams of the neighbour
// game that are never read, half-sent HTTP requests to /metrics (held) and full scrapes, raw TCP
// connections that never finish the HTTP/2 handshake (held, reopened when closed), garbage bytes
// on the gRPC port, and a ListGames flood. Exit 0 when run, non-zero for bad flags.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/load/load_util.h"

namespace nashnet::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct ProbeOptions {
  std::string target;
  int metrics_port = 0;
  std::string watch_game;
  int silent_streams = 300;
  int stalled_watchers = 50;
  int half_http = 100;
  int raw_connections = 200;
  int join_timeout_ms = 10000;  // the coordinator's --join-timeout-ms
  double list_per_second = 20;
  bool until_signal = false;  // stop on SIGTERM / SIGINT, not at the end of stdin
};

// Outcome counts of every probe ("oversize.RESOURCE_EXHAUSTED" -> 12), shared by the threads.
class Tally {
 public:
  void Add(const std::string& key, int64_t n = 1) {
    std::lock_guard<std::mutex> lock(mutex_);
    counts_[key] += n;
  }
  void Max(const std::string& key, int64_t value) {
    std::lock_guard<std::mutex> lock(mutex_);
    counts_[key] = std::max(counts_[key], value);
  }
  std::string Json() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out = "{";
    for (const auto& [key, count] : counts_) {
      absl::StrAppend(&out, out.size() > 1 ? ", " : "", JsonString(key), ": ", count);
    }
    return out + "}";
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int64_t> counts_;
};

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    default:
      return "OTHER";
  }
}

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // set from a signal handler

void StopOnSignal(int) { g_stop = true; }

// Sleeps `interval` or until the stop; false once stopping.
bool Pace(milliseconds interval) {
  const auto until = Clock::now() + interval;
  while (Clock::now() < until) {
    if (g_stop) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(20), until - Clock::now()));
  }
  return !g_stop;
}

std::unique_ptr<grpc::ClientContext> Context(milliseconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

v1::RunSpec Spec(const std::string& game, const std::map<std::string, std::string>& params,
                 v1::FeedbackModel feedback) {
  BenchGameOptions options;
  options.game = game;
  options.params = params;
  options.rounds = 1000;
  v1::RunSpec spec = MakeBenchSpec(options);
  spec.mutable_feedback()->set_model(feedback);
  return spec;
}

// CreateGame of games far too big for any budget, and of a spec whose name is 1 MiB.
void CreateProbe(v1::Coordinator::Stub* stub, Tally* tally) {
  const std::vector<std::pair<std::string, v1::RunSpec>> specs = {
      {"oversize_cournot", Spec("cournot", {{"players", "1000000"}}, v1::FEEDBACK_MODEL_BANDIT)},
      {"oversize_parallel_links",
       Spec("parallel_links", {{"players", "1000000"}, {"links", "10000"}},
            v1::FEEDBACK_MODEL_FULL)},
      {"oversize_braess", Spec("braess", {{"players", "1000000"}}, v1::FEEDBACK_MODEL_FULL)},
      {"big_name", [] {
         v1::RunSpec spec = Spec("prisoners_dilemma", {}, v1::FEEDBACK_MODEL_FULL);
         spec.set_name(std::string(1 << 20, 'n'));
         return spec;
       }()}};
  for (size_t i = 0; Pace(milliseconds(100)); ++i) {
    const auto& [name, spec] = specs[i % specs.size()];
    v1::CreateGameRequest request;
    *request.mutable_spec() = spec;
    v1::CreateGameResponse response;
    const auto begin = Clock::now();
    const grpc::Status status =
        stub->CreateGame(Context(milliseconds(30000)).get(), request, &response);
    tally->Max(name + ".max_ms",
               std::chrono::duration_cast<milliseconds>(Clock::now() - begin).count());
    tally->Add(absl::StrCat(name, ".", CodeName(status.error_code())));
    if (status.ok()) {  // accepted: a failure of the coordinator's admission; free it again
      v1::StopGameRequest stop;
      stop.set_game_id(response.game_id());
      v1::GameInfo info;
      (void)stub->StopGame(Context(milliseconds(10000)).get(), stop, &info);
    }
  }
}

// Play streams that never send Join: opened, left alone past the join timeout, then finished
// (the coordinator should have ended them DEADLINE_EXCEEDED "join: ..."), and opened again. A
// batch younger than the join timeout when the probes stop is cancelled instead. (A stream is
// not cancelled before Finish otherwise: a sync client reads its connection only while a thread
// waits on it, so a status already sent could lose to the cancel.)
void SilentStreamProbe(const std::shared_ptr<grpc::Channel>& channel, const ProbeOptions& options,
                       Tally* tally, std::atomic<int>* ready) {
  auto stub = v1::Coordinator::NewStub(channel);
  const milliseconds join_timeout(options.join_timeout_ms);
  bool first = true;
  while (!g_stop) {
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CoordinatorMessage>>>
        streams;
    const auto opened = Clock::now();
    for (int i = 0; i < options.silent_streams; ++i) {
      contexts.push_back(Context(join_timeout + milliseconds(5000)));
      streams.push_back(stub->Play(contexts.back().get()));
    }
    tally->Add("silent_streams.opened", options.silent_streams);
    if (first) ++*ready;
    first = false;
    Pace(join_timeout + milliseconds(1000));
    const bool cancel = Clock::now() - opened < join_timeout + milliseconds(500);
    for (size_t i = 0; i < streams.size(); ++i) {
      if (cancel) contexts[i]->TryCancel();
      const grpc::Status status = streams[i]->Finish();
      if (cancel) {
        tally->Add("silent_streams.cancelled_at_stop");
      } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
                 status.error_message().rfind("join:", 0) == 0) {
        tally->Add("silent_streams.closed_by_join_timeout");
      } else {
        tally->Add(absl::StrCat("silent_streams.", CodeName(status.error_code())));
      }
    }
  }
}

// WatchGame streams of the neighbour game that are never read.
void StalledWatchProbe(const std::shared_ptr<grpc::Channel>& channel, const ProbeOptions& options,
                       Tally* tally, std::atomic<int>* ready) {
  auto stub = v1::Coordinator::NewStub(channel);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::GameUpdate>>> readers;
  v1::WatchGameRequest request;
  request.set_game_id(options.watch_game);
  for (int i = 0; i < options.stalled_watchers; ++i) {
    contexts.push_back(Context(milliseconds(10 * 60 * 1000)));
    readers.push_back(stub->WatchGame(contexts.back().get(), request));
  }
  tally->Add("stalled_watchers.opened", options.stalled_watchers);
  ++*ready;
  while (Pace(milliseconds(200))) {
  }
  for (size_t i = 0; i < readers.size(); ++i) {
    contexts[i]->TryCancel();
    tally->Add(absl::StrCat("stalled_watchers.", CodeName(readers[i]->Finish().error_code())));
  }
}

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  const timeval bound{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof(bound));
  return fd;
}

void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// `count` connections to `port`, each sent `greeting` and then held; one the server closes is
// counted "<name>.closed_by_server" and opened again.
void HeldConnectionProbe(const std::string& name, int port, int count, const std::string& greeting,
                         Tally* tally, std::atomic<int>* ready) {
  std::vector<int> fds;
  auto open_one = [&] {
    const int fd = Connect(port);
    if (fd < 0) {
      tally->Add(name + ".connect_failed");
      return -1;
    }
    SendAll(fd, greeting);
    tally->Add(name + ".opened");
    return fd;
  };
  for (int i = 0; i < count; ++i) fds.push_back(open_one());
  ++*ready;
  char buffer[4096];
  while (Pace(milliseconds(250))) {
    for (int& fd : fds) {
      if (fd < 0) {
        fd = open_one();
        continue;
      }
      pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 0) <= 0) continue;
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) continue;  // the server's SETTINGS, say
      ::close(fd);
      tally->Add(name + ".closed_by_server");
      fd = open_one();
    }
  }
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

// Connections that send 4 KiB of random bytes to the gRPC port; counts how they end.
void GarbageProbe(int port, Tally* tally) {
  std::mt19937_64 random(7);
  std::string junk(4096, '\0');
  char buffer[4096];
  while (Pace(milliseconds(50))) {
    for (char& c : junk) c = static_cast<char>(random());
    const int fd = Connect(port);
    if (fd < 0) {
      tally->Add("garbage.connect_failed");
      continue;
    }
    SendAll(fd, junk);
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) {
    }
    tally->Add(n == 0 ? "garbage.closed_by_server" : "garbage.reset_or_timeout");
    ::close(fd);
  }
}

// Full GET /metrics scrapes while the half-sent requests are held: count and worst latency.
void ScrapeProbe(int port, Tally* tally) {
  char buffer[65536];
  while (Pace(milliseconds(500))) {
    const auto begin = Clock::now();
    const int fd = Connect(port);
    if (fd < 0) {
      tally->Add("scrape.connect_failed");
      continue;
    }
    SendAll(fd, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    std::string response;
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) response.append(buffer, n);
    ::close(fd);
    const bool ok = response.rfind("HTTP/1.1 200", 0) == 0 && n == 0;
    tally->Add(ok ? "scrape.ok" : "scrape.failed");
    if (ok) {
      tally->Max("scrape.max_ms",
                 std::chrono::duration_cast<milliseconds>(Clock::now() - begin).count());
    }
  }
}

void ListFloodProbe(v1::Coordinator::Stub* stub, double per_second, Tally* tally) {
  const milliseconds interval(static_cast<int64_t>(1000 / per_second));
  while (Pace(interval)) {
    v1::ListGamesRequest request;
    v1::ListGamesResponse response;
    const grpc::Status status =
        stub->ListGames(Context(milliseconds(10000)).get(), request, &response);
    tally->Add(absl::StrCat("list_games.", CodeName(status.error_code())));
  }
}

int Run(const ProbeOptions& options) {
  const size_t colon = options.target.rfind(':');
  const int grpc_port = std::atoi(options.target.substr(colon + 1).c_str());
  // Each probe on its own connection, so that none shares a transport with another.
  std::vector<std::shared_ptr<grpc::Channel>> channels = MakeChannels(options.target, 4);
  auto create_stub = v1::Coordinator::NewStub(channels[0]);
  auto list_stub = v1::Coordinator::NewStub(channels[1]);
  Tally tally;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  int holders = 0;
  threads.emplace_back(CreateProbe, create_stub.get(), &tally);
  threads.emplace_back(ListFloodProbe, list_stub.get(), options.list_per_second, &tally);
  threads.emplace_back(SilentStreamProbe, channels[2], options, &tally, &ready);
  ++holders;
  if (!options.watch_game.empty()) {
    threads.emplace_back(StalledWatchProbe, channels[3], options, &tally, &ready);
    ++holders;
  }
  // The client preface alone: the coordinator waits for SETTINGS until its handshake timeout.
  threads.emplace_back(HeldConnectionProbe, "raw_connections", grpc_port, options.raw_connections,
                       "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &tally, &ready);
  ++holders;
  threads.emplace_back(GarbageProbe, grpc_port, &tally);
  if (options.metrics_port > 0) {
    threads.emplace_back(HeldConnectionProbe, "half_http", options.metrics_port, options.half_http,
                         "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n", &tally, &ready);
    ++holders;
    threads.emplace_back(ScrapeProbe, options.metrics_port, &tally);
  }
  while (ready < holders && !g_stop) std::this_thread::sleep_for(milliseconds(10));
  std::cout << "ready" << std::endl;
  if (!options.until_signal) {
    std::thread([] {
      std::string line;
      while (std::getline(std::cin, line)) {
      }
      g_stop = true;
    }).detach();
  }
  while (!g_stop) std::this_thread::sleep_for(milliseconds(20));
  for (std::thread& t : threads) t.join();
  std::cout << tally.Json() << std::endl;
  return 0;
}

}  // namespace
}  // namespace nashnet::bench

int main(int argc, char** argv) {
  nashnet::bench::ProbeOptions options;
  CLI::App app{"hostile_probes: hostile clients against a nashnet-coordinator until stdin closes"};
  app.add_option("--target", options.target, "coordinator HOST:PORT")->required();
  app.add_option("--metrics-port", options.metrics_port, "its /metrics port (0 = none)");
  app.add_option("--watch-game", options.watch_game, "game whose watchers never read");
  app.add_option("--silent-streams", options.silent_streams, "Play streams without Join")
      ->check(CLI::Range(0, 100000));
  app.add_option("--stalled-watchers", options.stalled_watchers, "WatchGame never read")
      ->check(CLI::Range(0, 100000));
  app.add_option("--half-http", options.half_http, "half-sent /metrics requests held")
      ->check(CLI::Range(0, 100000));
  app.add_option("--raw-connections", options.raw_connections, "preface-only connections held")
      ->check(CLI::Range(0, 100000));
  app.add_option("--join-timeout-ms", options.join_timeout_ms, "the coordinator's")
      ->check(CLI::Range(1, 3600000));
  app.add_option("--list-per-second", options.list_per_second, "ListGames calls per second")
      ->check(CLI::Range(0.1, 100000.0));
  app.add_flag("--until-signal", options.until_signal, "run until SIGTERM / SIGINT, not EOF");
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGTERM, nashnet::bench::StopOnSignal);
  ::signal(SIGINT, nashnet::bench::StopOnSignal);
  return nashnet::bench::Run(options);
}

// The process harness of the service integration tests: starts the REAL nashnet-coordinator and
// nashnet-agent executables (NASHNET_BIN_DIR) on loopback, talks to the coordinator with the
// generated gRPC stub, and reads the processes' output and run records.
//
//   TestDir dir;                                         // a fresh temp folder per test
//   auto coordinator = Coordinator::Start(dir.path());   // 127.0.0.1:0, --port-file, records in
//   dir ASSERT_TRUE(coordinator.ok()) << coordinator.status(); absl::StatusOr<std::string> id =
//   (*coordinator)->CreateGame(spec, "g1"); auto agent = Agent::Start(dir.path(), "a0",
//   {"--coordinator", (*coordinator)->address(),
//                                                 "--game", "g1", "--seat", "0"});
//   auto info = (*coordinator)->WaitForGame("g1", IsOver, std::chrono::seconds(20));
//
// Every child is a Subprocess: a test that fails or returns early kills and reaps it. Every gRPC
// call carries a deadline, every wait a timeout, so a broken coordinator fails a test, never hangs
// the suite. Thread safety: one test thread uses these objects.
#pragma once

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/subprocess.h"
#include "common/tls/channel_tls.h"
#include "gtest/gtest.h"
#include "nashnet/v1/coordinator.grpc.pb.h"
#include "server/record/run_record.h"
#include "server/simulation.h"
#include "tests/wait_until.h"

namespace nashnet::service_test {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Generous bounds: they only matter when something is broken, and ASan runs are 3-5x slower.
inline constexpr milliseconds kStartTimeout{15000};  // a process up and serving
inline constexpr milliseconds kRpcTimeout{10000};    // one admin RPC
inline constexpr milliseconds kGameTimeout{30000};   // a short game to its end

inline std::filesystem::path BinDir() { return NASHNET_BIN_DIR; }
inline std::filesystem::path SharedDir() { return NASHNET_SHARED_DIR; }
inline std::filesystem::path SourceDir() { return NASHNET_SOURCE_DIR; }
inline std::filesystem::path PythonStubsDir() { return NASHNET_PYTHON_STUBS_DIR; }

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

using test::WaitUntil;

inline absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// A fresh folder per test (named after it), removed afterwards unless the test failed or
// NASHNET_KEEP_TEST_DIRS is set.
class TestDir {
 public:
  TestDir() {
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() / absl::StrCat("nashnet_service_",
                                                                  info->test_suite_name(), "_",
                                                                  info->name(), "_", ::getpid());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TestDir() {
    if (testing::Test::HasFailure() || std::getenv("NASHNET_KEEP_TEST_DIRS") != nullptr) {
      std::cerr << "test folder kept: " << path_ << "\n";
    } else {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A child process whose stdout / stderr go to `<dir>/<name>.out` / `.err`.
class Process {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Process>> Start(
      const std::filesystem::path& dir, const std::string& name,
      const std::vector<std::string>& argv, SpawnOptions options = {}) {
    options.stdout_path = dir / (name + ".out");
    options.stderr_path = dir / (name + ".err");
    absl::StatusOr<Subprocess> child = Subprocess::Spawn(argv, options);
    if (!child.ok()) return child.status();
    return std::unique_ptr<Process>(
        new Process(name, std::move(*child), options.stdout_path, options.stderr_path));
  }

  const std::string& name() const { return name_; }
  Subprocess& process() { return child_; }
  std::string Stdout() const { return ReadFile(stdout_path_); }
  std::string Stderr() const { return ReadFile(stderr_path_); }
  // "name: exit 0; stdout: ...; stderr: ..." for failure messages.
  std::string Describe() {
    std::optional<ExitStatus> status = child_.Poll();
    return absl::StrCat(name_, " (", status ? status->ToString() : "running", ")\n--- stdout:\n",
                        Stdout(), "--- stderr:\n", Stderr());
  }

  // Waits for a stderr line containing `needle` and returns it; NotFound if the process ended
  // first, DeadlineExceeded after `timeout`.
  [[nodiscard]] absl::StatusOr<std::string> WaitForStderrLine(const std::string& needle,
                                                              milliseconds timeout) {
    std::optional<std::string> found;
    bool ended = false;
    WaitUntil(
        [&] {
          ended = child_.Poll().has_value();  // read after the poll: nothing is missed
          for (const std::string& line : Lines(Stderr())) {
            if (line.find(needle) != std::string::npos) found = line;
          }
          return found.has_value() || ended;
        },
        timeout);
    if (found) return *found;
    if (ended) return absl::NotFoundError(absl::StrCat("no '", needle, "' in ", Describe()));
    return absl::DeadlineExceededError(absl::StrCat("no '", needle, "' yet in ", Describe()));
  }

  // The agent's token from its `nashnet-agent: joined game ID seat N resume-token TOKEN` line.
  // Waits until the agent has joined, then reads its resume token from its --state-file (the
  // agent never prints a token).
  [[nodiscard]] absl::StatusOr<std::string> WaitForResumeToken(
      const std::filesystem::path& state_file, milliseconds timeout) {
    absl::StatusOr<std::string> line = WaitForStderrLine("joined game ", timeout);
    if (!line.ok()) return line.status();
    const nlohmann::json state =
        nlohmann::json::parse(ReadFile(state_file), nullptr, /*allow_exceptions=*/false);
    if (state.is_discarded() || !state.contains("resume_token")) {
      return absl::InternalError("no resume token in " + state_file.string());
    }
    return state["resume_token"].get<std::string>();
  }

 private:
  Process(std::string name, Subprocess child, std::filesystem::path out, std::filesystem::path err)
      : name_(std::move(name)),
        child_(std::move(child)),
        stdout_path_(std::move(out)),
        stderr_path_(std::move(err)) {}
  std::string name_;
  Subprocess child_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

// Starts `nashnet-agent <args>` (the name is the output files' name).
[[nodiscard]] inline absl::StatusOr<std::unique_ptr<Process>> StartAgent(
    const std::filesystem::path& dir, const std::string& name, std::vector<std::string> args) {
  args.insert(args.begin(), (BinDir() / "nashnet-agent").string());
  return Process::Start(dir, name, args);
}

// A nashnet-coordinator on 127.0.0.1:<free port>, working in `dir` (also its --records-dir, so a
// game's record folder resolves inside `dir`). The test's own channel to it uses `security`
// (plaintext by default; TLS when the coordinator serves it).
class Coordinator {
 public:
  // With a TLS channel for the test (the coordinator serves TLS by `extra_args`).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Coordinator>> Start(
      const std::filesystem::path& dir, const std::vector<std::string>& extra_args,
      const std::string& admin_token, const tls::ChannelSecurity& security) {
    return Start(dir, extra_args, admin_token, "127.0.0.1:0", "coordinator", security);
  }
  // `listen`: another address, e.g. a crashed coordinator's, so that its agents find the new one.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Coordinator>> Start(
      const std::filesystem::path& dir, const std::vector<std::string>& extra_args = {},
      const std::string& admin_token = "", const std::string& listen = "127.0.0.1:0",
      const std::string& name = "coordinator", const tls::ChannelSecurity& security = {}) {
    const std::filesystem::path port_file = dir / "coordinator.port";
    std::filesystem::remove(port_file);  // a previous coordinator's
    std::vector<std::string> argv = {(BinDir() / "nashnet-coordinator").string(),
                                     "--listen",
                                     listen,
                                     "--port-file",
                                     port_file.string(),
                                     "--records-dir",
                                     dir.string()};
    if (!admin_token.empty()) {
      argv.push_back("--admin-token");
      argv.push_back(admin_token);
    }
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    SpawnOptions options;
    options.working_dir = dir;
    absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(dir, name, argv, options);
    if (!process.ok()) return process.status();
    std::unique_ptr<Coordinator> coordinator(new Coordinator(std::move(*process), admin_token));
    // The port file is written atomically once serving: its text is "<port>\n".
    int port = 0;
    const bool ready = WaitUntil(
        [&] {
          const std::string text = ReadFile(port_file);
          if (!text.empty() && text.back() == '\n') port = std::atoi(text.c_str());
          return port > 0 || coordinator->process_->process().Poll().has_value();
        },
        kStartTimeout);
    if (!ready || port <= 0) {
      return absl::UnavailableError("coordinator did not write its port file: " +
                                    coordinator->process_->Describe());
    }
    coordinator->address_ = absl::StrCat("127.0.0.1:", port);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    coordinator->channel_ = security.CreateChannel(coordinator->address_, args);
    coordinator->stub_ = v1::Coordinator::NewStub(coordinator->channel_);
    return coordinator;
  }

  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  v1::Coordinator::Stub& stub() { return *stub_; }
  Process& process() { return *process_; }

  // A context with a deadline and, if the coordinator has one, the admin token.
  std::unique_ptr<grpc::ClientContext> Context(milliseconds timeout = kRpcTimeout) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    if (!admin_token_.empty()) context->AddMetadata("x-nashnet-admin-token", admin_token_);
    return context;
  }

  // CreateGame; returns the game id.
  [[nodiscard]] absl::StatusOr<std::string> CreateGame(const v1::RunSpec& spec,
                                                       const std::string& game_id = "",
                                                       const std::string& record_dir = "") {
    v1::CreateGameRequest request;
    *request.mutable_spec() = spec;
    request.set_game_id(game_id);
    request.set_record_dir(record_dir);
    v1::CreateGameResponse response;
    const grpc::Status status = stub_->CreateGame(Context().get(), request, &response);
    if (!status.ok()) return ToAbsl(status);
    return response.game_id();
  }

  [[nodiscard]] absl::StatusOr<v1::GameInfo> GetGame(const std::string& game_id) {
    v1::GetGameRequest request;
    request.set_game_id(game_id);
    v1::GameInfo info;
    const grpc::Status status = stub_->GetGame(Context().get(), request, &info);
    if (!status.ok()) return ToAbsl(status);
    return info;
  }

  [[nodiscard]] absl::StatusOr<v1::GameInfo> StopGame(const std::string& game_id) {
    v1::StopGameRequest request;
    request.set_game_id(game_id);
    v1::GameInfo info;
    const grpc::Status status = stub_->StopGame(Context().get(), request, &info);
    if (!status.ok()) return ToAbsl(status);
    return info;
  }

  // Polls GetGame until `condition` holds; DeadlineExceeded (with the last GameInfo) otherwise.
  [[nodiscard]] absl::StatusOr<v1::GameInfo> WaitForGame(
      const std::string& game_id, const std::function<bool(const v1::GameInfo&)>& condition,
      milliseconds timeout = kGameTimeout) {
    absl::StatusOr<v1::GameInfo> last = absl::UnknownError("no GetGame answer");
    const bool met = WaitUntil(
        [&] {
          last = GetGame(game_id);
          return last.ok() && condition(*last);
        },
        timeout);
    if (met) return last;
    return absl::DeadlineExceededError(absl::StrCat(
        "game ", game_id, ": condition not met after ", timeout.count(),
        " ms; last GetGame: ", last.ok() ? last->ShortDebugString() : last.status().ToString()));
  }

 private:
  Coordinator(std::unique_ptr<Process> process, std::string admin_token)
      : process_(std::move(process)), admin_token_(std::move(admin_token)) {}
  std::unique_ptr<Process> process_;
  std::string admin_token_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Coordinator::Stub> stub_;
};

inline bool IsOver(const v1::GameInfo& info) {
  return info.status() == v1::GAME_STATUS_COMPLETED || info.status() == v1::GAME_STATUS_STOPPED ||
         info.status() == v1::GAME_STATUS_FAILED;
}

// A raw Coordinator.Play stream, to speak the protocol by hand (right or wrong). Reads block, but
// the call has a deadline, so a silent coordinator fails the test instead of hanging it.
class PlayStream {
 public:
  explicit PlayStream(Coordinator& coordinator, milliseconds timeout = kGameTimeout) {
    context_.set_deadline(std::chrono::system_clock::now() + timeout);
    stream_ = coordinator.stub().Play(&context_);
  }
  ~PlayStream() {
    if (!finished_) context_.TryCancel();
  }
  PlayStream(const PlayStream&) = delete;
  PlayStream& operator=(const PlayStream&) = delete;

  bool Send(const v1::AgentMessage& message) { return stream_->Write(message); }
  bool SendJoin(const v1::Join& join) {
    v1::AgentMessage message;
    *message.mutable_join() = join;
    return Send(message);
  }
  bool SendAction(const v1::Action& action) {
    v1::AgentMessage message;
    *message.mutable_action() = action;
    return Send(message);
  }
  // The next message; nullopt once the coordinator has ended the stream (then call Finish).
  std::optional<v1::CoordinatorMessage> Read() {
    v1::CoordinatorMessage message;
    if (!stream_->Read(&message)) return std::nullopt;
    return message;
  }
  // Reads until the stream ends and returns its final status.
  grpc::Status Finish() {
    v1::CoordinatorMessage ignored;
    while (stream_->Read(&ignored)) {
    }
    finished_ = true;
    return stream_->Finish();
  }
  // The client goes away: the stream is cancelled (a vanished agent).
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CoordinatorMessage>> stream_;
  bool finished_ = false;
};

inline v1::Join MakeJoin(const std::string& game_id, std::optional<int> seat = std::nullopt) {
  v1::Join join;
  join.set_game_id(game_id);
  if (seat) join.set_seat(*seat);
  join.set_agent_name("service-test");
  join.set_algorithm("raw");
  return join;
}

// A finite action: pure index `index` of `num_actions`, with its (pure) strategy.
inline v1::Action PureAction(int64_t round, int index, int num_actions) {
  v1::Action action;
  action.set_round(round);
  action.set_index(index);
  for (int a = 0; a < num_actions; ++a) action.mutable_strategy()->add_probabilities(a == index);
  action.set_probability(1.0);
  return action;
}

// A run spec for one seed: `game` (a catalogue name), `rounds`, `seed`, full feedback.
inline v1::RunSpec MakeSpec(const std::string& game, int64_t rounds, uint64_t seed = 1) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name(game);
  spec.mutable_learner()->set_algorithm("hedge");
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
  spec.set_rounds(rounds);
  spec.set_seed(seed);
  spec.set_seeds(1);
  return spec;
}

// The round of rounds.csv's last row (-1 if it has no row).
inline int64_t LastCsvRound(const std::filesystem::path& rounds_csv) {
  const std::vector<std::string> lines = Lines(ReadFile(rounds_csv));
  if (lines.size() < 2) return -1;
  return std::atoll(lines.back().c_str());
}

// rounds.csv of `nashnet simulate` for `spec` (one seed), played in-process into `dir`/simulate.
inline std::string SimulatedRounds(const v1::RunSpec& spec, const std::filesystem::path& dir) {
  auto plan = server::PlanRun(spec, dir);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return "";
  const std::filesystem::path out = dir / absl::StrCat("simulate-", spec.name(), "-", spec.seed());
  auto record = server::RunRecord::Create(out, plan->spec);
  EXPECT_TRUE(record.ok()) << record.status();
  auto rounds = record->OpenRounds(plan->match.seed, plan->game);
  auto summary = server::Simulate(*plan, plan->match.seed, rounds->get(), {});
  EXPECT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(record->CommitSeed(plan->match.seed, rounds->get(), *summary).ok());
  return ReadFile(out / "rounds.csv");
}

inline nlohmann::json ReadJson(const std::filesystem::path& path) {
  return nlohmann::json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
}

// Both executables exist (they are built with the suite; absent only in a partial build).
inline bool HaveBinaries() {
  return std::filesystem::exists(BinDir() / "nashnet-coordinator") &&
         std::filesystem::exists(BinDir() / "nashnet-agent");
}

#define NASHNET_REQUIRE_BINARIES()                                                         \
  do {                                                                                     \
    if (!::nashnet::service_test::HaveBinaries()) {                                        \
      GTEST_SKIP() << "nashnet-coordinator / nashnet-agent not built in " NASHNET_BIN_DIR; \
    }                                                                                      \
  } while (false)

}  // namespace nashnet::service_test

// Subprocess: a child process started with posix_spawn — what `nashnet run` uses to start the
// coordinator and one agent per seat, and what the integration tests use to start, signal, kill
// and restart real processes.
//
//   SpawnOptions options;
//   options.stdout_path = dir / "agent-0.out";          // empty: inherit the parent's
//   NASHNET_ASSIGN_OR_RETURN(Subprocess agent,
//       Subprocess::Spawn({"/path/nashnet-agent", "--coordinator", addr, "--game", id}, options));
//   agent.Signal(SIGKILL);
//   NASHNET_ASSIGN_OR_RETURN(ExitStatus status, agent.Wait(std::chrono::seconds(10)));
//
// A Subprocess owns its child: destroying (or moving over) one whose child still runs sends it
// SIGKILL and reaps it, so no child outlives a failed test or command.
//
// Thread safety: one Subprocess is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet {

struct SpawnOptions {
  // Where the child's stdout / stderr go: empty = inherit the parent's; otherwise a file
  // (created or truncated). "/dev/null" silences.
  std::filesystem::path stdout_path;
  std::filesystem::path stderr_path;
  // Extra environment variables ("KEY=VALUE"), added to the parent's environment.
  std::vector<std::string> extra_env;
  // Working directory of the child (empty = the parent's).
  std::filesystem::path working_dir;
};

// How a child ended.
struct ExitStatus {
  bool exited = false;  // exited normally with `code`
  int code = 0;
  int signal = 0;  // killed by this signal (exited == false)
  [[nodiscard]] bool ok() const { return exited && code == 0; }
  [[nodiscard]] std::string ToString() const;  // "exit 0", "exit 2", "killed by signal 9"
};

class Subprocess {
 public:
  // Starts argv[0] (a path, or a name looked up in PATH) with `argv`. InvalidArgument for an
  // empty argv; NotFound / Internal (with strerror) if the program cannot be started.
  [[nodiscard]] static absl::StatusOr<Subprocess> Spawn(const std::vector<std::string>& argv,
                                                        const SpawnOptions& options = {});

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();  // SIGKILL + reap if still running

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();  // reaps it if it has ended

  // Sends `signal` (no-op OK if it already ended).
  [[nodiscard]] absl::Status Signal(int signal);

  // Waits for the child to end, at most `timeout`; DeadlineExceeded if it still runs then.
  [[nodiscard]] absl::StatusOr<ExitStatus> Wait(std::chrono::milliseconds timeout);

  // The exit status once ended (nullopt while running).
  [[nodiscard]] std::optional<ExitStatus> Poll();

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

}  // namespace nashnet

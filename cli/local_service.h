// LocalService: the child processes of `nashnet run` — one nashnet-coordinator on a free loopback
// port and one nashnet-agent per remote seat — with their logs in a temporary folder
// ($TMPDIR/nashnet-run-XXXXXX, kept and named in errors when something fails, removed otherwise).
//
//   NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<LocalService> service,
//                            LocalService::Start({.records_dir = out}));
//   NASHNET_RETURN_IF_ERROR(service->SpawnAgent("seed-1 seat 0", {"--game", "g", "--seat", "0"}));
//   while (...) NASHNET_RETURN_IF_ERROR(service->CheckChildren());
//   NASHNET_RETURN_IF_ERROR(service->WaitAgents(std::chrono::seconds(30)));
//   NASHNET_RETURN_IF_ERROR(service->Stop(std::chrono::seconds(30)));
//
// Every error names the child ("agent seed-1 seat 0", "coordinator"), how it ended and its log.
// Destroying a LocalService kills (SIGKILL) and reaps every child still running.
//
// Thread safety: one thread uses a LocalService.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/subprocess.h"

namespace nashnet::cli {

struct LocalServiceOptions {
  // The executables; empty: next to this process's executable (/proc/self/exe), else from PATH.
  std::filesystem::path coordinator_bin;
  std::filesystem::path agent_bin;
  // The coordinator's --records-dir.
  std::filesystem::path records_dir;
  // The coordinator's --metrics-listen (empty: no Prometheus exporter).
  std::string metrics_listen;
  // The coordinator's --max-message-bytes (0: its default), e.g. room for a spec carrying a large
  // .nfg text.
  int64_t max_message_bytes = 0;
  // How long the coordinator may take to write its port file.
  std::chrono::milliseconds start_timeout{20000};

  [[nodiscard]] absl::Status Validate() const;
};

// `name` next to this process's executable if it exists there, else `name` (found in PATH).
[[nodiscard]] std::filesystem::path SiblingExecutable(const std::string& name);

class LocalService {
 public:
  // Makes the log folder, starts the coordinator and waits for its port file.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LocalService>> Start(
      const LocalServiceOptions& options);
  ~LocalService();
  LocalService(const LocalService&) = delete;
  LocalService& operator=(const LocalService&) = delete;

  // "127.0.0.1:PORT".
  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] const std::filesystem::path& log_dir() const { return log_dir_; }

  // Starts nashnet-agent --coordinator ADDR --quiet `args...` with `env` ("KEY=VALUE", e.g. the
  // join token, which must not show in `ps`) added to its environment; `label` names it in errors
  // and (with spaces as '-') its log files.
  [[nodiscard]] absl::Status SpawnAgent(const std::string& label,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& env = {});

  // An error naming the first child that ended badly: an agent with a non-zero status, or the
  // coordinator ending at all.
  [[nodiscard]] absl::Status CheckChildren();

  // Waits for every agent to exit; an error naming one that failed or still runs at `timeout`.
  [[nodiscard]] absl::Status WaitAgents(std::chrono::milliseconds timeout);

  // SIGTERM to the coordinator, then waits for it (exit 0 expected), at most `timeout`.
  [[nodiscard]] absl::Status Stop(std::chrono::milliseconds timeout);

  // SIGKILL to every child still running, and reaps them.
  void KillAll();

  // Removes the log folder (after a successful run).
  void RemoveLogs();

 private:
  struct Child {
    std::string label;
    Subprocess process;
    std::filesystem::path log;  // its stderr
  };
  LocalService() = default;

  // "agent seed-1 seat 0 failed (exit 1): <last line of its log>; its log: PATH".
  [[nodiscard]] absl::Status ChildFailed(const Child& child, const std::string& how) const;

  LocalServiceOptions options_;
  std::filesystem::path log_dir_;
  std::string address_;
  std::unique_ptr<Child> coordinator_;
  std::vector<Child> agents_;
};

}  // namespace nashnet::cli

// The processes of one `nashnet conformance` scenario: a real nashnet-coordinator (started,
// SIGKILLed, drained, restarted on the same port and records, or started with a file-size limit
// so that its record writes fail), the TcpFaultProxy the agent dials, and the agent under test,
// started from the --agent command template.
//
//   NASHNET_ASSIGN_OR_RETURN(AgentTemplate agent, AgentTemplate::Parse(
//       "python3 my_agent.py --coordinator {coordinator} --game {game} --seat {seat}"));
//   NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<ScenarioEnv> env, ScenarioEnv::Create(options));
//   NASHNET_RETURN_IF_ERROR(env->StartCoordinator());
//   NASHNET_RETURN_IF_ERROR(env->CreateGame(spec));
//   NASHNET_RETURN_IF_ERROR(env->StartAgent(seat));
//   env->proxy().ResetAll();   // a dropped connection
//
// The agent runs as `setsid /bin/sh -c COMMAND` (its own process group, so that the whole
// pipeline can be stopped or killed), its output in the scenario folder. Destroying the env
// kills every process it started. Thread safety: one thread uses an env.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/coordinator_client.h"
#include "cli/tcp_fault_proxy.h"
#include "common/subprocess.h"
#include "nashnet/v1/coordinator.pb.h"

namespace nashnet::cli {

// The --agent command: a shell command with placeholders {coordinator} (HOST:PORT to dial),
// {game} (the game id), {seat} (0-based) and, optionally, {state_file} (a path the agent may keep
// its state in; the agent-restart scenario needs it). Values are substituted shell-quoted.
class AgentTemplate {
 public:
  // InvalidArgument for an empty command, one without {coordinator} or {game}, or an unknown
  // {placeholder} (listing the known ones).
  [[nodiscard]] static absl::StatusOr<AgentTemplate> Parse(std::string command);

  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] bool has_state_file() const { return has_state_file_; }
  [[nodiscard]] std::string Expand(const std::string& coordinator, const std::string& game,
                                   int seat, const std::filesystem::path& state_file) const;

 private:
  std::string text_;
  bool has_state_file_ = false;
};

// 'text' with single quotes, safe for /bin/sh.
[[nodiscard]] std::string ShellQuote(const std::string& text);

struct ScenarioEnvOptions {
  std::filesystem::path dir;              // the scenario's folder (records, logs); created
  std::filesystem::path coordinator_bin;  // nashnet-coordinator
  AgentTemplate agent;
  std::chrono::milliseconds start_timeout{20000};  // a coordinator up and serving
  // The proxy's pace towards the coordinator (see TcpFaultProxy::set_pace).
  std::chrono::microseconds pace{1000};
};

class ScenarioEnv {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ScenarioEnv>> Create(
      ScenarioEnvOptions options);
  ~ScenarioEnv();
  ScenarioEnv(const ScenarioEnv&) = delete;
  ScenarioEnv& operator=(const ScenarioEnv&) = delete;

  // Starts nashnet-coordinator on `dir`/records (the same port as before on a restart) and, the
  // first time, the proxy in front of it. `max_file_bytes` > 0: RLIMIT_FSIZE (SIGXFSZ ignored),
  // so that a write beyond it fails with EFBIG — a record write error.
  [[nodiscard]] absl::Status StartCoordinator(int64_t max_file_bytes = 0);
  // SIGKILL, and waits.
  [[nodiscard]] absl::Status KillCoordinator();
  // SIGTERM (a drain), and waits for the exit; its status.
  [[nodiscard]] absl::StatusOr<ExitStatus> DrainCoordinator();

  // CreateGame with id "conformance" (the record in `records_dir()`/conformance).
  [[nodiscard]] absl::Status CreateGame(const v1::RunSpec& spec);
  [[nodiscard]] const std::string& game_id() const { return game_id_; }
  [[nodiscard]] std::filesystem::path record_dir() const { return dir_ / "records" / game_id_; }
  [[nodiscard]] absl::StatusOr<v1::GameInfo> Info();
  [[nodiscard]] absl::StatusOr<v1::GameInfo> Stop();

  // Starts the agent for `seat` (its state file is `dir`/agent.state). `label` names its logs.
  [[nodiscard]] absl::Status StartAgent(int seat, const std::string& label = "agent");
  // The agent's exit status once it has ended (nullopt while it runs).
  [[nodiscard]] std::optional<ExitStatus> AgentExited();
  // Waits for the agent to end, at most `timeout`; DeadlineExceeded if it still runs.
  [[nodiscard]] absl::StatusOr<ExitStatus> WaitAgent(std::chrono::milliseconds timeout);
  // SIGKILL to the agent's process group, and waits.
  [[nodiscard]] absl::Status KillAgent();
  // The last lines of the agent's stderr (for failure messages).
  [[nodiscard]] std::string AgentLogTail() const;

  // Polls GetGame (every 10 ms) until `condition` holds or the agent ends; the last GameInfo.
  // DeadlineExceeded after `timeout`, naming `what`; Aborted if the agent ended first (its exit
  // status in AgentExited()).
  [[nodiscard]] absl::StatusOr<v1::GameInfo> WaitFor(
      const std::string& what, const std::function<bool(const v1::GameInfo&)>& condition,
      std::chrono::milliseconds timeout, bool stop_if_agent_ends = true);

  TcpFaultProxy& proxy() { return *proxy_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit ScenarioEnv(ScenarioEnvOptions options);

  ScenarioEnvOptions options_;
  std::filesystem::path dir_;
  std::string game_id_ = "conformance";
  int port_ = 0;  // the coordinator's, kept across restarts
  int coordinators_started_ = 0;
  int agents_started_ = 0;
  std::optional<Subprocess> coordinator_;
  std::unique_ptr<CoordinatorClient> client_;
  std::unique_ptr<TcpFaultProxy> proxy_;
  std::optional<Subprocess> agent_;
  std::filesystem::path agent_log_;
};

}  // namespace nashnet::cli

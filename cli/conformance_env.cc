#include "cli/conformance_env.h"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace nashnet::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kPlaceholders[] = {"coordinator", "game", "seat", "state_file"};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

absl::StatusOr<AgentTemplate> AgentTemplate::Parse(std::string command) {
  if (command.find_first_not_of(" \t") == std::string::npos) {
    return absl::InvalidArgumentError("--agent: the command is empty");
  }
  AgentTemplate agent;
  bool coordinator = false, game = false;
  for (size_t open = command.find('{'); open != std::string::npos;
       open = command.find('{', open + 1)) {
    const size_t close = command.find('}', open);
    if (close == std::string::npos) break;
    const std::string name = command.substr(open + 1, close - open - 1);
    if (name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
      continue;  // not a placeholder (JSON, shell braces)
    }
    bool known = false;
    for (const char* placeholder : kPlaceholders) known = known || name == placeholder;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("--agent: unknown placeholder {", name,
                                                     "} (known: {coordinator}, {game}, {seat}, "
                                                     "{state_file})"));
    }
    coordinator = coordinator || name == "coordinator";
    game = game || name == "game";
    agent.has_state_file_ = agent.has_state_file_ || name == "state_file";
  }
  if (!coordinator || !game) {
    return absl::InvalidArgumentError(
        absl::StrCat("--agent: the command needs {coordinator} and {game} (and usually {seat}): '",
                     command, "'"));
  }
  agent.text_ = std::move(command);
  return agent;
}

std::string AgentTemplate::Expand(const std::string& coordinator, const std::string& game, int seat,
                                  const fs::path& state_file) const {
  std::string out;
  for (size_t i = 0; i < text_.size();) {
    bool replaced = false;
    for (const auto& [name, value] :
         {std::pair<std::string, std::string>{"{coordinator}", coordinator},
          {"{game}", game},
          {"{seat}", std::to_string(seat)},
          {"{state_file}", state_file.string()}}) {
      if (text_.compare(i, name.size(), name) == 0) {
        out += ShellQuote(value);
        i += name.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text_[i++];
  }
  return out;
}

ScenarioEnv::ScenarioEnv(ScenarioEnvOptions options)
    : options_(std::move(options)), dir_(options_.dir) {}

ScenarioEnv::~ScenarioEnv() {
  if (agent_.has_value() && !agent_->Poll().has_value()) {
    ::kill(-agent_->pid(), SIGKILL);  // the whole pipeline; ~Subprocess reaps the shell
  }
  proxy_.reset();
}

absl::StatusOr<std::unique_ptr<ScenarioEnv>> ScenarioEnv::Create(ScenarioEnvOptions options) {
  std::error_code ec;
  fs::create_directories(options.dir / "records", ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", (options.dir / "records").string(), ": ", ec.message()));
  }
  return std::unique_ptr<ScenarioEnv>(new ScenarioEnv(std::move(options)));
}

absl::Status ScenarioEnv::StartCoordinator(int64_t max_file_bytes) {
  const fs::path port_file = dir_ / "coordinator.port";
  fs::remove(port_file);
  const std::string name = absl::StrCat("coordinator-", ++coordinators_started_);
  std::vector<std::string> argv;
  if (max_file_bytes > 0) {
    // A write beyond the limit fails with EFBIG instead of killing the process (SIGXFSZ
    // ignored; ignored signals stay ignored across exec).
    argv = {
        "/bin/sh", "-c",
        absl::StrCat("trap '' XFSZ; exec prlimit --fsize=", max_file_bytes, " -- \"$0\" \"$@\""),
        options_.coordinator_bin.string()};
  } else {
    argv = {options_.coordinator_bin.string()};
  }
  for (const std::string& arg :
       {std::string("--listen"), absl::StrCat("127.0.0.1:", port_), std::string("--port-file"),
        port_file.string(), std::string("--records-dir"), (dir_ / "records").string(),
        std::string("--quiet")}) {
    argv.push_back(arg);
  }
  SpawnOptions spawn;
  spawn.stdout_path = dir_ / (name + ".log");
  spawn.stderr_path = dir_ / (name + ".log");
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, spawn);
  if (!process.ok()) {
    return absl::Status(process.status().code(),
                        absl::StrCat("cannot start ", options_.coordinator_bin.string(), ": ",
                                     process.status().message()));
  }
  coordinator_ = std::move(*process);
  const auto deadline = Clock::now() + options_.start_timeout;
  int port = 0;
  while (port <= 0) {
    const std::string text = ReadText(port_file);
    if (!text.empty() && text.back() == '\n') port = std::atoi(text.c_str());
    if (port > 0) break;
    if (std::optional<ExitStatus> ended = coordinator_->Poll(); ended.has_value()) {
      return absl::UnavailableError(absl::StrCat("nashnet-coordinator exited (", ended->ToString(),
                                                 "): ", ReadText(dir_ / (name + ".log"))));
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("nashnet-coordinator did not start within ",
                                                      options_.start_timeout.count(),
                                                      " ms; its log: ", name, ".log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  port_ = port;
  client_ = std::make_unique<CoordinatorClient>(
      CoordinatorClientOptions{.address = absl::StrCat("127.0.0.1:", port)});
  if (proxy_ == nullptr) {
    NASHNET_ASSIGN_OR_RETURN(proxy_, TcpFaultProxy::Start(port));
    proxy_->set_pace(options_.pace);
  }
  return absl::OkStatus();
}

absl::Status ScenarioEnv::KillCoordinator() {
  if (!coordinator_.has_value()) return absl::OkStatus();
  NASHNET_RETURN_IF_ERROR(coordinator_->Signal(SIGKILL));
  return coordinator_->Wait(std::chrono::seconds(30)).status();
}

absl::StatusOr<ExitStatus> ScenarioEnv::DrainCoordinator() {
  if (!coordinator_.has_value()) return absl::FailedPreconditionError("no coordinator");
  NASHNET_RETURN_IF_ERROR(coordinator_->Signal(SIGTERM));
  return coordinator_->Wait(std::chrono::seconds(60));
}

absl::Status ScenarioEnv::CreateGame(const v1::RunSpec& spec) {
  v1::CreateGameRequest request;
  *request.mutable_spec() = spec;
  request.set_game_id(game_id_);
  return client_->CreateGame(request).status();
}

absl::StatusOr<v1::GameInfo> ScenarioEnv::Info() { return client_->GetGame(game_id_); }

absl::StatusOr<v1::GameInfo> ScenarioEnv::Stop() { return client_->StopGame(game_id_); }

absl::Status ScenarioEnv::StartAgent(int seat, const std::string& label) {
  if (agent_.has_value() && !agent_->Poll().has_value()) {
    return absl::FailedPreconditionError("an agent is still running");
  }
  const std::string command =
      options_.agent.Expand(proxy_->address(), game_id_, seat, dir_ / "agent.state");
  const std::string name = absl::StrCat(label, "-", ++agents_started_);
  {
    std::ofstream note(dir_ / (name + ".command"));
    note << command << "\n";
  }
  SpawnOptions spawn;
  spawn.stdout_path = dir_ / (name + ".out");
  spawn.stderr_path = dir_ / (name + ".err");
  spawn.extra_env = {"PYTHONUNBUFFERED=1"};
  agent_log_ = spawn.stderr_path;
  absl::StatusOr<Subprocess> process =
      Subprocess::Spawn({"setsid", "/bin/sh", "-c", command}, spawn);
  if (!process.ok()) return process.status();
  agent_ = std::move(*process);
  return absl::OkStatus();
}

std::optional<ExitStatus> ScenarioEnv::AgentExited() {
  if (!agent_.has_value()) return std::nullopt;
  return agent_->Poll();
}

absl::StatusOr<ExitStatus> ScenarioEnv::WaitAgent(std::chrono::milliseconds timeout) {
  if (!agent_.has_value()) return absl::FailedPreconditionError("no agent was started");
  return agent_->Wait(timeout);
}

absl::Status ScenarioEnv::KillAgent() {
  if (!agent_.has_value() || agent_->Poll().has_value()) return absl::OkStatus();
  ::kill(-agent_->pid(), SIGKILL);
  NASHNET_RETURN_IF_ERROR(agent_->Signal(SIGKILL));
  return agent_->Wait(std::chrono::seconds(30)).status();
}

std::string ScenarioEnv::AgentLogTail() const {
  std::string text = ReadText(agent_log_);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  // The last 3 lines, at most 400 characters.
  size_t start = text.size();
  for (int lines = 0; lines < 3 && start > 0;) {
    --start;
    if (text[start] == '\n') ++lines;
  }
  std::string tail = text.substr(start == 0 ? 0 : start + 1);
  if (tail.size() > 400) tail = "..." + tail.substr(tail.size() - 400);
  for (char& c : tail) {
    if (c == '\n') c = '|';
  }
  return tail.empty() ? "(no stderr)" : tail;
}

absl::StatusOr<v1::GameInfo> ScenarioEnv::WaitFor(
    const std::string& what, const std::function<bool(const v1::GameInfo&)>& condition,
    std::chrono::milliseconds timeout, bool stop_if_agent_ends) {
  const auto deadline = Clock::now() + timeout;
  absl::StatusOr<v1::GameInfo> info = absl::UnknownError("no GetGame answer");
  while (true) {
    const bool agent_ended = stop_if_agent_ends && AgentExited().has_value();
    info = Info();
    if (info.ok() && condition(*info)) return info;
    if (agent_ended) {
      return absl::AbortedError(absl::StrCat("the agent exited (", AgentExited()->ToString(),
                                             ") before ", what, ": ", AgentLogTail()));
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no ", what, " within ", timeout.count() / 1000.0, " s (game at round ",
          info.ok() ? absl::StrCat(info->round()) : std::string(info.status().message()),
          "); agent: ", AgentLogTail()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace nashnet::cli

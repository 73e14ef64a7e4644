#include "cli/local_service.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"

namespace nashnet::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kPoll = std::chrono::milliseconds(20);

// The last non-empty line of a log (at most its last 4 KiB are read), or "".
std::string LastLine(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > 4096 ? size - 4096 : 0;
  in.seekg(start);
  std::ostringstream text;
  text << in.rdbuf();
  std::string tail = text.str();
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  const std::size_t cut = tail.find_last_of('\n');
  return cut == std::string::npos ? tail : tail.substr(cut + 1);
}

// "nashnet-run-XXXXXX" under $TMPDIR (or /tmp).
absl::StatusOr<fs::path> MakeLogDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/nashnet-run-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a log folder ", pattern, ": ", std::strerror(errno)));
  }
  return fs::path(pattern);
}

}  // namespace

absl::Status LocalServiceOptions::Validate() const {
  if (records_dir.empty()) return absl::InvalidArgumentError("records_dir: must be set");
  if (start_timeout.count() <= 0) {
    return absl::InvalidArgumentError("start_timeout: must be positive");
  }
  if (max_message_bytes < 0) return absl::InvalidArgumentError("max_message_bytes: must be >= 0");
  return absl::OkStatus();
}

fs::path SiblingExecutable(const std::string& name) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path sibling = self.parent_path() / name;
    if (fs::exists(sibling, ec) && ::access(sibling.c_str(), X_OK) == 0) return sibling;
  }
  return name;  // Subprocess::Spawn looks bare names up in PATH
}

absl::StatusOr<std::unique_ptr<LocalService>> LocalService::Start(
    const LocalServiceOptions& options) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<LocalService> service(new LocalService());
  service->options_ = options;
  if (service->options_.coordinator_bin.empty()) {
    service->options_.coordinator_bin = SiblingExecutable("nashnet-coordinator");
  }
  if (service->options_.agent_bin.empty()) {
    service->options_.agent_bin = SiblingExecutable("nashnet-agent");
  }
  NASHNET_ASSIGN_OR_RETURN(service->log_dir_, MakeLogDir());
  const fs::path port_file = service->log_dir_ / "coordinator.port";
  const fs::path log = service->log_dir_ / "coordinator.log";
  SpawnOptions spawn;
  spawn.stdout_path = service->log_dir_ / "coordinator.out";
  spawn.stderr_path = log;
  // An admin token exported for the admin verbs must not lock `run` out of its own coordinator.
  spawn.extra_env = {"NASHNET_ADMIN_TOKEN="};
  std::vector<std::string> argv = {service->options_.coordinator_bin.string(),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--port-file",
                                   port_file.string(),
                                   "--records-dir",
                                   options.records_dir.string(),
                                   "--quiet"};
  if (!options.metrics_listen.empty()) {
    argv.insert(argv.end(), {"--metrics-listen", options.metrics_listen});
  }
  if (options.max_message_bytes > 0) {
    argv.insert(argv.end(), {"--max-message-bytes", absl::StrCat(options.max_message_bytes)});
  }
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, spawn);
  if (!process.ok()) {
    return absl::Status(
        process.status().code(),
        absl::StrCat("coordinator: ", process.status().message(),
                     " (give --coordinator-bin PATH); logs in ", service->log_dir_.string()));
  }
  service->coordinator_ = std::make_unique<Child>(Child{"coordinator", *std::move(process), log});

  // The port file appears (atomically, "PORT\n") once the coordinator serves.
  const Clock::time_point deadline = Clock::now() + options.start_timeout;
  while (true) {
    if (std::ifstream in(port_file, std::ios::binary); in) {
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      // Whole only with its newline; the coordinator writes it atomically anyway.
      if (text.size() > 1 && text.back() == '\n') {
        service->address_ = absl::StrCat("127.0.0.1:", text.substr(0, text.size() - 1));
        break;
      }
    }
    if (std::optional<ExitStatus> ended = service->coordinator_->process.Poll()) {
      return service->ChildFailed(*service->coordinator_,
                                  absl::StrCat("ended before listening (", ended->ToString(), ")"));
    }
    if (Clock::now() > deadline) {
      return service->ChildFailed(
          *service->coordinator_,
          absl::StrCat("did not write its port file ", port_file.string(), " within ",
                       options.start_timeout.count() / 1000.0, " s"));
    }
    std::this_thread::sleep_for(kPoll);
  }
  return service;
}

LocalService::~LocalService() { KillAll(); }

absl::Status LocalService::ChildFailed(const Child& child, const std::string& how) const {
  std::string message = absl::StrCat(child.label, " ", how);
  if (const std::string last = LastLine(child.log); !last.empty()) {
    absl::StrAppend(&message, ": ", last);
  }
  absl::StrAppend(&message, "; its log: ", child.log.string(), " (logs in ", log_dir_.string(),
                  ")");
  return absl::InternalError(message);
}

absl::Status LocalService::SpawnAgent(const std::string& label,
                                      const std::vector<std::string>& args,
                                      const std::vector<std::string>& env) {
  const std::string file = absl::StrReplaceAll(label, {{" ", "-"}, {"/", "_"}});
  const fs::path log = log_dir_ / (file + ".log");
  std::vector<std::string> argv = {options_.agent_bin.string(), "--coordinator", address_,
                                   "--quiet"};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions spawn;
  spawn.stdout_path = log_dir_ / (file + ".out");
  spawn.stderr_path = log;
  spawn.extra_env = env;
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, spawn);
  if (!process.ok()) {
    return absl::Status(process.status().code(),
                        absl::StrCat("agent ", label, ": ", process.status().message(),
                                     " (give --agent-bin PATH)"));
  }
  agents_.push_back(Child{absl::StrCat("agent ", label), *std::move(process), log});
  return absl::OkStatus();
}

absl::Status LocalService::CheckChildren() {
  if (coordinator_ != nullptr) {
    if (std::optional<ExitStatus> ended = coordinator_->process.Poll()) {
      return ChildFailed(*coordinator_, absl::StrCat("ended early (", ended->ToString(), ")"));
    }
  }
  for (Child& agent : agents_) {
    if (std::optional<ExitStatus> ended = agent.process.Poll(); ended && !ended->ok()) {
      return ChildFailed(agent, absl::StrCat("failed (", ended->ToString(), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status LocalService::WaitAgents(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (Child& agent : agents_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    absl::StatusOr<ExitStatus> ended =
        agent.process.Wait(std::max(left, std::chrono::milliseconds(1)));
    if (!ended.ok()) {
      return ChildFailed(
          agent, absl::StrCat("still runs ", timeout.count() / 1000.0, " s after its game ended"));
    }
    if (!ended->ok()) return ChildFailed(agent, absl::StrCat("failed (", ended->ToString(), ")"));
  }
  return absl::OkStatus();
}

absl::Status LocalService::Stop(std::chrono::milliseconds timeout) {
  if (coordinator_ == nullptr) return absl::OkStatus();
  if (absl::Status st = coordinator_->process.Signal(SIGTERM); !st.ok()) {
    return ChildFailed(*coordinator_, absl::StrCat("could not be stopped: ", st.message()));
  }
  absl::StatusOr<ExitStatus> ended = coordinator_->process.Wait(timeout);
  if (!ended.ok()) {
    return ChildFailed(*coordinator_, absl::StrCat("did not exit within ", timeout.count() / 1000.0,
                                                   " s of SIGTERM"));
  }
  if (!ended->ok()) {
    return ChildFailed(*coordinator_, absl::StrCat("failed on SIGTERM (", ended->ToString(), ")"));
  }
  return absl::OkStatus();
}

void LocalService::KillAll() {
  for (Child& agent : agents_) {
    if (agent.process.running()) {
      (void)agent.process.Signal(SIGKILL);
      (void)agent.process.Wait(std::chrono::seconds(5));
    }
  }
  if (coordinator_ != nullptr && coordinator_->process.running()) {
    (void)coordinator_->process.Signal(SIGKILL);
    (void)coordinator_->process.Wait(std::chrono::seconds(5));
  }
}

void LocalService::RemoveLogs() {
  std::error_code ec;
  fs::remove_all(log_dir_, ec);
}

}  // namespace nashnet::cli

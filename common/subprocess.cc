#include "common/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

extern char** environ;

namespace nashnet {
namespace {

// Turns a waitpid status into an ExitStatus.
ExitStatus FromWaitStatus(int wstatus) {
  ExitStatus status;
  if (WIFEXITED(wstatus)) {
    status.exited = true;
    status.code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    status.signal = WTERMSIG(wstatus);
  }
  return status;
}

// The child's environment: the parent's, with `extra` ("KEY=VALUE") added or replacing.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view item(*entry);
    const std::string_view key = item.substr(0, item.find('='));
    bool overridden = false;
    for (const std::string& e : extra) {
      if (std::string_view(e).substr(0, e.find('=')) == key) overridden = true;
    }
    if (!overridden) env.emplace_back(item);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// posix_spawn_file_actions_t / posix_spawnattr_t with RAII destruction.
class SpawnActions {
 public:
  SpawnActions() { initialized_ = posix_spawn_file_actions_init(&actions_) == 0; }
  ~SpawnActions() {
    if (initialized_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  bool initialized() const { return initialized_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
  bool initialized_ = false;
};

class SpawnAttributes {
 public:
  SpawnAttributes() { initialized_ = posix_spawnattr_init(&attributes_) == 0; }
  ~SpawnAttributes() {
    if (initialized_) posix_spawnattr_destroy(&attributes_);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  bool initialized() const { return initialized_; }
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
  bool initialized_ = false;
};

// Sends SIGKILL to a child that has not been reaped yet, and reaps it.
void KillAndReap(pid_t pid, std::optional<ExitStatus>& status) {
  if (pid <= 0 || status.has_value()) return;
  kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  status = FromWaitStatus(wstatus);
}

absl::Status ErrnoStatus(int error, const std::string& what) {
  const std::string message = absl::StrCat(what, ": ", strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (exited) return absl::StrCat("exit ", code);
  return absl::StrCat("killed by signal ", signal);
}

absl::StatusOr<Subprocess> Subprocess::Spawn(const std::vector<std::string>& argv,
                                             const SpawnOptions& options) {
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError("Subprocess::Spawn: empty argv");
  }
  if (!options.working_dir.empty() && !std::filesystem::is_directory(options.working_dir)) {
    return absl::NotFoundError(absl::StrCat("cannot start ", argv[0], ": working directory ",
                                            options.working_dir.string(), " does not exist"));
  }

  for (const std::filesystem::path* path : {&options.stdout_path, &options.stderr_path}) {
    const std::filesystem::path parent = path->parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent)) {
      return absl::NotFoundError(absl::StrCat("cannot start ", argv[0], ": folder ",
                                              parent.string(), " of ", path->string(),
                                              " does not exist"));
    }
  }

  SpawnActions actions;
  SpawnAttributes attributes;
  if (!actions.initialized() || !attributes.initialized()) {
    return absl::InternalError("Subprocess::Spawn: posix_spawn initialisation failed");
  }
  const auto redirect = [&](const std::filesystem::path& path, int fd) -> absl::Status {
    if (path.empty()) return absl::OkStatus();
    // No O_CLOEXEC: the file must stay open as `fd` across the exec.
    const int error = posix_spawn_file_actions_addopen(actions.get(), fd, path.c_str(),
                                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (error != 0) return ErrnoStatus(error, absl::StrCat("redirect to ", path.string()));
    return absl::OkStatus();
  };
  NASHNET_RETURN_IF_ERROR(redirect(options.stdout_path, STDOUT_FILENO));
  NASHNET_RETURN_IF_ERROR(redirect(options.stderr_path, STDERR_FILENO));
  if (!options.working_dir.empty()) {
    const int error =
        posix_spawn_file_actions_addchdir_np(actions.get(), options.working_dir.c_str());
    if (error != 0) return ErrnoStatus(error, "chdir");
  }
  // The child starts with no blocked signals and default dispositions for the signals a parent
  // commonly blocks or ignores (a server waiting on SIGTERM with sigwait, SIGPIPE ignored).
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, signal);
  }
  posix_spawnattr_setsigmask(attributes.get(), &empty);
  posix_spawnattr_setsigdefault(attributes.get(), &defaults);
  posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env = MergedEnvironment(options.extra_env);
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  c_env.reserve(env.size() + 1);
  for (std::string& entry : env) c_env.push_back(entry.data());
  c_env.push_back(nullptr);

  pid_t pid = -1;
  // glibc's posix_spawn reports exec and file-action failures (ENOENT for a missing program or
  // output folder) as its return value.
  const int error = posix_spawnp(&pid, argv[0].c_str(), actions.get(), attributes.get(),
                                 c_argv.data(), c_env.data());
  if (error != 0) return ErrnoStatus(error, absl::StrCat("cannot start ", argv[0]));
  return Subprocess(pid);
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    KillAndReap(pid_, status_);
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

Subprocess::~Subprocess() { KillAndReap(pid_, status_); }

bool Subprocess::running() { return pid_ > 0 && !Poll().has_value(); }

absl::Status Subprocess::Signal(int signal) {
  if (pid_ <= 0) return absl::FailedPreconditionError("Subprocess::Signal: no child");
  if (Poll().has_value()) return absl::OkStatus();
  if (kill(pid_, signal) != 0 && errno != ESRCH) {
    return ErrnoStatus(errno, absl::StrCat("kill(", pid_, ", ", signal, ")"));
  }
  return absl::OkStatus();
}

std::optional<ExitStatus> Subprocess::Poll() {
  if (status_.has_value() || pid_ <= 0) return status_;
  int wstatus = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &wstatus, WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == pid_) status_ = FromWaitStatus(wstatus);
  return status_;
}

absl::StatusOr<ExitStatus> Subprocess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("Subprocess::Wait: no child");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(200);
  while (true) {
    if (std::optional<ExitStatus> status = Poll()) return *status;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still runs after ", timeout.count(), " ms"));
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
  }
}

}  // namespace nashnet

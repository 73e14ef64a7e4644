// Subprocess: posix_spawn children — exit codes, signals, timeouts, redirection, ownership.
#include "common/subprocess.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace nashnet {
namespace {

using std::chrono::milliseconds;

std::filesystem::path TempDir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("nashnet-subprocess-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(Subprocess, ReportsTheExitCode) {
  absl::StatusOr<Subprocess> child = Subprocess::Spawn({"/bin/sh", "-c", "exit 3"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<ExitStatus> status = child->Wait(milliseconds(10000));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(status->exited);
  EXPECT_EQ(status->code, 3);
  EXPECT_FALSE(status->ok());
  EXPECT_EQ(status->ToString(), "exit 3");
  EXPECT_FALSE(child->running());
  ASSERT_TRUE(child->Poll().has_value());
  EXPECT_EQ(child->Poll()->code, 3);
}

TEST(Subprocess, FindsBareNamesInPathAndZeroIsOk) {
  absl::StatusOr<Subprocess> child = Subprocess::Spawn({"true"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<ExitStatus> status = child->Wait(milliseconds(10000));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(status->ok());
  EXPECT_EQ(status->ToString(), "exit 0");
}

TEST(Subprocess, ReportsTheSignalThatKilledIt) {
  absl::StatusOr<Subprocess> child = Subprocess::Spawn({"/bin/sleep", "30"});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE(child->running());
  EXPECT_FALSE(child->Poll().has_value());
  ASSERT_TRUE(child->Signal(SIGTERM).ok());
  absl::StatusOr<ExitStatus> status = child->Wait(milliseconds(10000));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_FALSE(status->exited);
  EXPECT_EQ(status->signal, SIGTERM);
  EXPECT_EQ(status->ToString(), "killed by signal 15");
  // Signalling a child that has ended is a no-op, not an error.
  EXPECT_TRUE(child->Signal(SIGKILL).ok());
}

// A parent that blocks SIGTERM (a server waiting on it with sigwait) must not pass the blocked
// mask on: the child would then ignore the SIGTERM that the tests use to drain it.
TEST(Subprocess, ChildStartsWithNoBlockedSignals) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  absl::StatusOr<Subprocess> child = Subprocess::Spawn({"/bin/sleep", "30"});
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &old, nullptr), 0);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(child->Signal(SIGTERM).ok());
  absl::StatusOr<ExitStatus> status = child->Wait(milliseconds(5000));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->signal, SIGTERM);
}

TEST(Subprocess, WaitTimesOutWhileTheChildRuns) {
  absl::StatusOr<Subprocess> child = Subprocess::Spawn({"/bin/sleep", "30"});
  ASSERT_TRUE(child.ok()) << child.status();
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ExitStatus> status = child->Wait(milliseconds(100));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.status().code(), absl::StatusCode::kDeadlineExceeded) << status.status();
  // It waited the whole timeout, and not much longer (the poll interval is at most 10 ms; 2 s
  // leaves room for a loaded CI machine under ASan).
  EXPECT_GE(waited, milliseconds(100));
  EXPECT_LT(waited, milliseconds(2000));
  EXPECT_TRUE(child->running());
}

TEST(Subprocess, RedirectsStdoutAndStderrToFiles) {
  const std::filesystem::path dir = TempDir("redirect");
  SpawnOptions options;
  options.stdout_path = dir / "out.txt";
  options.stderr_path = dir / "err.txt";
  absl::StatusOr<Subprocess> child =
      Subprocess::Spawn({"/bin/sh", "-c", "echo hello; echo oops >&2"}, options);
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<ExitStatus> status = child->Wait(milliseconds(10000));
  ASSERT_TRUE(status.ok() && status->ok());
  EXPECT_EQ(ReadFile(dir / "out.txt"), "hello\n");
  EXPECT_EQ(ReadFile(dir / "err.txt"), "oops\n");
  std::filesystem::remove_all(dir);
}

TEST(Subprocess, PassesExtraEnvironmentAndWorkingDirectory) {
  const std::filesystem::path dir = TempDir("env");
  SpawnOptions options;
  options.stdout_path = dir / "out.txt";
  options.extra_env = {"NASHNET_SUBPROCESS_TEST=forty-two", "HOME=/nowhere"};
  options.working_dir = dir;
  absl::StatusOr<Subprocess> child =
      Subprocess::Spawn({"/bin/sh", "-c", "echo $NASHNET_SUBPROCESS_TEST $HOME; pwd"}, options);
  ASSERT_TRUE(child.ok()) << child.status();
  absl::StatusOr<ExitStatus> status = child->Wait(milliseconds(10000));
  ASSERT_TRUE(status.ok() && status->ok());
  EXPECT_EQ(ReadFile(dir / "out.txt"),
            "forty-two /nowhere\n" + std::filesystem::canonical(dir).string() + "\n");
  std::filesystem::remove_all(dir);
}

TEST(Subprocess, DestructorKillsAndReapsARunningChild) {
  pid_t pid = -1;
  {
    absl::StatusOr<Subprocess> child = Subprocess::Spawn({"/bin/sleep", "30"});
    ASSERT_TRUE(child.ok()) << child.status();
    pid = child->pid();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, 0), 0);  // alive
  }
  // Reaped: the pid no longer names a process (not even a zombie).
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(Subprocess, MoveAssignmentKillsTheChildItReplaces) {
  absl::StatusOr<Subprocess> first = Subprocess::Spawn({"/bin/sleep", "30"});
  absl::StatusOr<Subprocess> second = Subprocess::Spawn({"/bin/sleep", "30"});
  ASSERT_TRUE(first.ok() && second.ok());
  const pid_t first_pid = first->pid();
  const pid_t second_pid = second->pid();
  *first = std::move(*second);
  EXPECT_EQ(first->pid(), second_pid);
  EXPECT_EQ(kill(first_pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_TRUE(first->running());
}

TEST(Subprocess, MissingProgramIsNotFound) {
  absl::StatusOr<Subprocess> by_path = Subprocess::Spawn({"/nonexistent/nashnet-nothing"});
  EXPECT_EQ(by_path.status().code(), absl::StatusCode::kNotFound) << by_path.status();
  EXPECT_NE(by_path.status().message().find("/nonexistent/nashnet-nothing"), std::string::npos);
  absl::StatusOr<Subprocess> by_name = Subprocess::Spawn({"nashnet-no-such-program"});
  EXPECT_EQ(by_name.status().code(), absl::StatusCode::kNotFound) << by_name.status();
  EXPECT_NE(by_name.status().message().find("nashnet-no-such-program"), std::string::npos);
}

TEST(Subprocess, BadArgumentsAreErrorsNotCrashes) {
  EXPECT_EQ(Subprocess::Spawn({}).status().code(), absl::StatusCode::kInvalidArgument);
  SpawnOptions options;
  options.stdout_path = "/nonexistent/folder/out.txt";
  absl::StatusOr<Subprocess> child = Subprocess::Spawn({"/bin/true"}, options);
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound) << child.status();
  EXPECT_NE(child.status().message().find("/nonexistent/folder"), std::string::npos);
}

}  // namespace
}  // namespace nashnet

// Test helpers for the CLI suites: run the real `nashnet` binary (NASHNET_CLI) in a shell and
// capture its exit code, stdout and stderr; a fresh temporary folder per test.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tests/test_files.h"
#include "tests/wait_until.h"

namespace nashnet::cli_test {

using test::ReadFile;
using test::TempDir;
using test::WriteFile;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `nashnet <args>` (args are shell text) in folder `cwd`.
inline CliResult RunCli(const TempDir& tmp, const std::string& args,
                        const std::filesystem::path& cwd = {}) {
  const std::string out = tmp / ".stdout";
  const std::string err = tmp / ".stderr";
  std::string command = "'" NASHNET_CLI "' " + args + " >'" + out + "' 2>'" + err + "'";
  if (!cwd.empty()) command = "cd '" + cwd.string() + "' && " + command;
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

// summary.json (one seed's or the aggregate) without its run-dependent fields, the wall-clock
// elapsed_seconds and rounds_per_second.
inline nlohmann::json SummaryWithoutElapsed(const std::filesystem::path& path) {
  nlohmann::json json = nlohmann::json::parse(ReadFile(path));
  json.erase("elapsed_seconds");
  json.erase("rounds_per_second");
  return json;
}

// Every file under `dir`, relative ("seed-7/rounds.csv").
inline std::set<std::string> Files(const std::filesystem::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out.insert(std::filesystem::relative(entry.path(), dir).string());
  }
  return out;
}

// The two records hold the same files with the same bytes, summary.json files compared without
// elapsed_seconds and rounds_per_second. A hosted game's folder also holds its journal and its
// secrets (resume tokens), which simulate has no use for (hosted = false: two simulate records).
inline void ExpectSameRecord(const std::filesystem::path& run,
                             const std::filesystem::path& simulate, bool hosted = true) {
  const std::set<std::string> files = Files(simulate);
  std::set<std::string> expected = files;
  for (const std::string& file : files) {
    if (!hosted || std::filesystem::path(file).filename() != "rounds.csv") continue;
    const std::filesystem::path folder = std::filesystem::path(file).parent_path();
    expected.insert((folder / "journal").string());
    expected.insert((folder / ".secrets.json").string());
  }
  EXPECT_EQ(Files(run), expected);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    if (std::filesystem::path(file).filename() == "summary.json") {
      EXPECT_EQ(SummaryWithoutElapsed(run / file), SummaryWithoutElapsed(simulate / file));
      // The wall-clock fields are there and measured (the coordinator times its games).
      const nlohmann::json json = nlohmann::json::parse(ReadFile(run / file));
      EXPECT_TRUE(json.contains("rounds_per_second"));
    } else {
      EXPECT_EQ(ReadFile(run / file), ReadFile(simulate / file));
    }
  }
}

// "127.0.0.1:PORT" once a coordinator has written its --port-file (a line), polling a real
// process for up to 20 s on a loaded machine; "" if it never does.
inline std::string WaitForPortFile(const std::filesystem::path& port_file) {
  std::string text;
  const bool written = test::WaitUntil(
      [&] {
        text = ReadFile(port_file);
        return text.size() > 1 && text.back() == '\n';
      },
      std::chrono::seconds(20));
  return written ? "127.0.0.1:" + text.substr(0, text.size() - 1) : "";
}

}  // namespace nashnet::cli_test

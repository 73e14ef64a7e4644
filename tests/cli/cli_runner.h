// Test helpers for the CLI suites: run the real `nashnet` binary (NASHNET_CLI) in a shell and
// capture its exit code, stdout and stderr; a fresh temporary folder per test.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/test_files.h"

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

}  // namespace nashnet::cli_test

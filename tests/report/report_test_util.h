// Helpers for the report tests: temporary folders, file I/O and in-process run records.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "server/simulation.h"

namespace nashnet::server::report_test {

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A folder unique per test and process, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (std::string("nashnet_report_") + info->test_suite_name() + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Simulates every seed of the run file text `yaml` into the record folder `dir`, as `simulate`.
inline void SimulateRecord(const std::string& yaml, const std::filesystem::path& dir) {
  absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(yaml);
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<RunPlan> plan = PlanRun(*spec, ".");
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::StatusOr<RunRecord> record = RunRecord::Create(dir, plan->spec);
  ASSERT_TRUE(record.ok()) << record.status();
  std::vector<RunSummary> summaries;
  for (int i = 0; i < plan->spec.seeds(); ++i) {
    const uint64_t seed = plan->spec.seed() + i;
    auto rounds = record->OpenRounds(seed, plan->game);
    ASSERT_TRUE(rounds.ok()) << rounds.status();
    absl::StatusOr<RunSummary> summary = Simulate(*plan, seed, rounds->get(), {});
    ASSERT_TRUE(summary.ok()) << summary.status();
    ASSERT_TRUE(record->CommitSeed(seed, rounds->get(), *summary).ok());
    summaries.push_back(*summary);
  }
  if (record->multi_seed()) {
    ASSERT_TRUE(record->CommitAggregate(summaries).ok());
  }
}

// How many times `needle` occurs in `text`.
inline int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace nashnet::server::report_test

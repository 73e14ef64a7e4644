// Coordinator: recovering the unfinished games of --records-dir at start (see coordinator.h).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/admission.h"
#include "server/journal/journal_file.h"
#include "server/journal/record_env.h"
#include "server/service/coordinator.h"
#include "server/service/game_record.h"

namespace nashnet::server {
namespace {

// How deep below --records-dir a game's folder may be (record_dir "a/b/c" is 3).
constexpr int kMaxRecordDepth = 8;

// Whether summary.json in `dir` says the game is over for good (completed, stopped, failed); a
// drained game's summary says "drained" (resumable), and one without "status" predates journals.
bool FinishedForGood(const std::filesystem::path& dir) {
  absl::StatusOr<std::string> text = RecordEnv::Default()->Read(dir / "summary.json");
  if (!text.ok()) return false;
  const nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return false;
  const auto status = json.find("status");
  return status == json.end() || !status->is_string() || *status != "drained";
}

// Folders under `root` (depth-limited, in a stable order) that hold a journal.
std::vector<std::filesystem::path> JournalFolders(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  auto it = std::filesystem::recursive_directory_iterator(
      root, std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() >= kMaxRecordDepth) it.disable_recursion_pending();
    if (it->is_regular_file(ec) && it->path().filename() == kJournalFileName) {
      found.push_back(it->path().parent_path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

void Coordinator::RecoverGames() {
  for (const std::filesystem::path& dir : JournalFolders(options_.records_dir)) {
    if (FinishedForGood(dir)) {
      // Over for good: listed from its folder (ListGames, GetGame), its id kept, nothing built.
      absl::StatusOr<v1::JournalHeader> header = ReadJournalHeader(dir);
      if (header.ok() && directory_.AddRetired(header->game_id(), dir)) ++retired_found_;
      continue;
    }
    auto fail = [&](const absl::Status& status) {
      recovery_errors_.push_back(
          absl::StrCat("cannot recover the game in ", dir.string(), ": ", status.message()));
      std::fprintf(stderr, "nashnet-coordinator: %s\n", recovery_errors_.back().c_str());
    };
    absl::StatusOr<v1::JournalHeader> header = ReadJournalHeader(dir);
    if (!header.ok()) {
      fail(header.status());
      continue;
    }
    absl::StatusOr<RunPlan> plan = PlanRun(header->spec(), dir);
    if (!plan.ok()) {
      fail(plan.status());
      continue;
    }
    absl::StatusOr<std::string> id = directory_.Reserve(header->game_id());
    if (!id.ok()) {
      fail(id.status());
      continue;
    }
    HostedGameConfig config = BaseConfig(*id);
    config.plan = *std::move(plan);
    config.record_dir = dir;
    config.relative_record_dir = header->record_dir();
    absl::StatusOr<std::shared_ptr<HostedGame>> game = HostedGame::Recover(std::move(config));
    if (!game.ok()) {
      directory_.Abandon(*id);
      fail(game.status());
      continue;
    }
    ++recovered_;
    // It existed before this process: charged whether or not it fits (never refused here).
    absl::StatusOr<GameCost> cost =
        EstimateGameCost(header->spec(), {.hosted = true, .base_dir = dir});
    const int64_t charged = cost.ok() ? cost->total_bytes() : 0;
    memory_.ForceCharge(charged);
    Adopt(*id, *std::move(game), charged);
  }
}

}  // namespace nashnet::server

#include "server/service/game_directory.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/service/grpc_status.h"

namespace nashnet::server {

absl::Status ValidateGameId(absl::string_view id, absl::string_view field) {
  constexpr size_t kMaxLength = 64;
  if (id.empty() || id.size() > kMaxLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", QuoteInput(id), " must be 1 to 64 characters of [A-Za-z0-9._-]"));
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", QuoteInput(id), " has a character outside [A-Za-z0-9._-]"));
    }
  }
  if (id == "." || id == "..") {
    return absl::InvalidArgumentError(absl::StrCat(field, ": '", id, "' is not a usable id"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRecordDir(absl::string_view dir, absl::string_view field) {
  const std::filesystem::path path{std::string(dir.data(), dir.size())};
  if (path.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", QuoteInput(dir), " is absolute (it must be relative to --records-dir)"));
  }
  for (const auto& part : path) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", QuoteInput(dir), " must not contain '..'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GameDirectory::Reserve(absl::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (draining_) return absl::UnavailableError("the coordinator is shutting down");
  if (active_ >= max_games_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the coordinator runs --max-games ", max_games_, " games not over"));
  }
  std::string chosen(id.data(), id.size());
  if (chosen.empty()) {
    do {
      chosen = absl::StrCat("g", next_generated_++);
    } while (games_.count(chosen) > 0);
  } else {
    if (absl::Status st = ValidateGameId(chosen, "game_id"); !st.ok()) return st;
    if (games_.count(chosen) > 0) {
      return absl::AlreadyExistsError(absl::StrCat("game_id: game ", chosen, " already exists"));
    }
  }
  games_.emplace(chosen, nullptr);
  ++active_;
  return chosen;
}

void GameDirectory::Commit(const std::string& id, std::shared_ptr<HostedGame> game) {
  std::lock_guard<std::mutex> lock(mutex_);
  games_[id] = std::move(game);
}

void GameDirectory::Abandon(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (games_.erase(id) > 0) --active_;
}

void GameDirectory::Finished(const std::string& id) {
  std::vector<std::shared_ptr<HostedGame>> retired;  // destroyed outside the lock
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (games_.count(id) == 0) return;
    --active_;
    finished_.push_back(id);
    while (finished_.size() > kMaxFinishedListed) {
      auto it = games_.find(finished_.front());
      if (it != games_.end()) {
        retired.push_back(std::move(it->second));
        games_.erase(it);
      }
      finished_.pop_front();
    }
  }
}

size_t GameDirectory::listed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return games_.size();
}

std::shared_ptr<HostedGame> GameDirectory::Find(absl::string_view id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = games_.find(id);
  return it == games_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<HostedGame>> GameDirectory::All() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<HostedGame>> all;
  all.reserve(games_.size());
  for (const auto& [id, game] : games_) {
    if (game != nullptr) all.push_back(game);
  }
  return all;
}

std::vector<std::shared_ptr<HostedGame>> GameDirectory::StartDraining() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
  }
  return All();
}

bool GameDirectory::draining() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return draining_;
}

}  // namespace nashnet::server

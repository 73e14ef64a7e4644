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

void ShortenGameInfo(v1::GameInfo* info, size_t max_bytes) {
  if (info->SpaceUsedLong() <= max_bytes) return;
  info->clear_seats();
  info->mutable_summary()->clear_players();
  info->mutable_latest()->clear_players();
  // Cleared repeated fields keep their elements allocated for reuse: copy what is left.
  v1::GameInfo compact(*info);
  info->Swap(&compact);
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
  games_.emplace(chosen, Entry{});
  ++active_;
  return chosen;
}

void GameDirectory::Commit(const std::string& id, std::shared_ptr<HostedGame> game,
                           int64_t charged) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = games_[id];
  entry.game = std::move(game);
  entry.charged = charged;
}

void GameDirectory::Abandon(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = games_.find(id);
  if (it == games_.end() || it->second.info != nullptr || !it->second.record_dir.empty()) return;
  games_.erase(it);
  --active_;
}

GameDirectory::Ended GameDirectory::Finished(const std::string& id, v1::GameInfo info) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = games_.find(id);
  if (it == games_.end() || it->second.info != nullptr || !it->second.record_dir.empty()) {
    return {};
  }
  --active_;
  Ended ended{std::move(it->second.game), it->second.charged};
  it->second.charged = 0;
  ShortenGameInfo(&info, kMaxKeptInfoBytes);
  finished_bytes_ += info.SpaceUsedLong();
  it->second.info = std::make_shared<const v1::GameInfo>(std::move(info));
  finished_.push_back(id);
  while (!finished_.empty() && (static_cast<int64_t>(finished_.size()) > max_finished_ ||
                                finished_bytes_ > kMaxFinishedBytes)) {
    auto old = games_.find(finished_.front());
    finished_.pop_front();
    if (old == games_.end() || old->second.info == nullptr) continue;
    finished_bytes_ -= old->second.info->SpaceUsedLong();
    std::filesystem::path dir = old->second.info->record_dir();
    if (dir.empty()) dir = ".";  // a game without a folder stays listed by its id
    old->second.record_dir = std::move(dir);
    old->second.info.reset();
  }
  return ended;
}

bool GameDirectory::AddRetired(const std::string& id, std::filesystem::path record_dir) {
  if (!ValidateGameId(id, "game_id").ok() || record_dir.empty()) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  if (games_.count(id) > 0) return false;
  games_[id].record_dir = std::move(record_dir);
  return true;
}

size_t GameDirectory::listed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (const auto& [id, entry] : games_) count += entry.reserved() ? 0 : 1;
  return count;
}

size_t GameDirectory::finished_in_memory() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return finished_.size();
}

std::shared_ptr<HostedGame> GameDirectory::Find(absl::string_view id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = games_.find(id);
  return it == games_.end() ? nullptr : it->second.game;
}

GameDirectory::Listed GameDirectory::ListedOf(const std::string& id, const Entry& entry) {
  Listed listed;
  listed.id = id;
  listed.live = entry.game;
  listed.info = entry.info;
  listed.record_dir = entry.record_dir;
  return listed;
}

GameDirectory::Listed GameDirectory::Lookup(absl::string_view id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = games_.find(id);
  if (it == games_.end() || it->second.reserved()) return {};
  return ListedOf(it->first, it->second);
}

std::vector<GameDirectory::Listed> GameDirectory::Page(absl::string_view after, size_t limit,
                                                       bool* more) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Listed> page;
  *more = false;
  auto it = after.empty() ? games_.begin() : games_.upper_bound(after);
  for (; it != games_.end(); ++it) {
    if (it->second.reserved()) continue;
    if (page.size() == limit) {
      *more = true;
      break;
    }
    page.push_back(ListedOf(it->first, it->second));
  }
  return page;
}

std::vector<std::shared_ptr<HostedGame>> GameDirectory::All() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<HostedGame>> all;
  all.reserve(games_.size());
  for (const auto& [id, entry] : games_) {
    if (entry.game != nullptr) all.push_back(entry.game);
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

// GameDirectory: the coordinator's games by id — admission (id rules, --max-games, duplicates,
// draining) and lookup. A mutex guards the map only; it is never held across I/O or while a game
// runs (the games themselves live on their strands).
//
//   GameDirectory directory(/*max_games=*/10000);
//   NASHNET_ASSIGN_OR_RETURN(std::string id, directory.Reserve(""));    // "g1"
//   ... build the game (writes its record folder) ...
//   directory.Commit(id, game);                       // or directory.Abandon(id) on failure
//   std::shared_ptr<HostedGame> g = directory.Find("g1");
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/service/hosted_game.h"

namespace nashnet::server {

// InvalidArgument naming `field` unless `id` matches [A-Za-z0-9._-]{1,64} and is not "." or "..".
[[nodiscard]] absl::Status ValidateGameId(absl::string_view id, absl::string_view field);

// A record folder relative to --records-dir: not absolute, no ".." component. Empty = fine (the
// caller substitutes the game id). InvalidArgument naming `field`.
[[nodiscard]] absl::Status ValidateRecordDir(absl::string_view dir, absl::string_view field);

class GameDirectory {
 public:
  explicit GameDirectory(int64_t max_games) : max_games_(max_games) {}

  // Reserves `id` (empty: the next free generated id g1, g2, ...). InvalidArgument for a bad id,
  // AlreadyExists for a taken one, ResourceExhausted at --max-games, Unavailable while draining.
  [[nodiscard]] absl::StatusOr<std::string> Reserve(absl::string_view id);
  void Commit(const std::string& id, std::shared_ptr<HostedGame> game);
  void Abandon(const std::string& id);
  // The game `id` is over: it stays listed but no longer counts against --max-games. Only the
  // newest kMaxFinishedListed finished games stay listed; older ones are retired.
  void Finished(const std::string& id);
  // Games listed (reserved, running or finished and not yet retired).
  [[nodiscard]] size_t listed() const;

  static constexpr size_t kMaxFinishedListed = 1000;

  // The game, or null (unknown or still being created).
  [[nodiscard]] std::shared_ptr<HostedGame> Find(absl::string_view id) const;
  // Every game, in id order.
  [[nodiscard]] std::vector<std::shared_ptr<HostedGame>> All() const;

  // From now on Reserve answers Unavailable. Returns every game (to stop them).
  std::vector<std::shared_ptr<HostedGame>> StartDraining();
  [[nodiscard]] bool draining() const;

 private:
  const int64_t max_games_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<HostedGame>, std::less<>> games_;  // null = reserved
  int64_t next_generated_ = 1;
  int64_t active_ = 0;                // reserved or committed and not finished
  std::deque<std::string> finished_;  // oldest first
  bool draining_ = false;
};

}  // namespace nashnet::server

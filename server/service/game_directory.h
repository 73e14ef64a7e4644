// GameDirectory: the coordinator's games by id — admission (id rules, --max-games, duplicates,
// draining), lookup and listing. A game is live until it ends; then only its final GameInfo is
// kept (its HostedGame and the memory it holds are let go of), and beyond --max-finished-games
// only its record folder (ListGames reads such games' spec.yaml and summary.json). A mutex guards
// the map only; it is never held across I/O or while a game runs (the games themselves live on
// their strands).
//
//   GameDirectory directory(/*max_games=*/10000);
//   NASHNET_ASSIGN_OR_RETURN(std::string id, directory.Reserve(""));    // "g1"
//   ... build the game (writes its record folder) ...
//   directory.Commit(id, game);                       // or directory.Abandon(id) on failure
//   std::shared_ptr<HostedGame> g = directory.Find("g1");
//   GameDirectory::Ended ended = directory.Finished("g1", final_info);   // let go of ended.game
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nashnet/v1/coordinator.pb.h"
#include "server/service/hosted_game.h"

namespace nashnet::server {

// InvalidArgument naming `field` unless `id` matches [A-Za-z0-9._-]{1,64} and is not "." or "..".
[[nodiscard]] absl::Status ValidateGameId(absl::string_view id, absl::string_view field);

// A record folder relative to --records-dir: not absolute, no ".." component. Empty = fine (the
// caller substitutes the game id). InvalidArgument naming `field`.
[[nodiscard]] absl::Status ValidateRecordDir(absl::string_view dir, absl::string_view field);

// Drops `info`'s per-seat and per-player rows (seats, summary.players, latest.players) if it
// holds more than `max_bytes` in memory (protobuf's SpaceUsedLong).
void ShortenGameInfo(v1::GameInfo* info, size_t max_bytes);

class GameDirectory {
 public:
  // An ended game's GameInfo keeps its per-seat and per-player rows up to this size (else GetGame
  // gives its status, spec and summary; the rows are in its record's summary.json), and all
  // ended games' GameInfo together are at most kMaxFinishedBytes (the oldest retire beyond).
  static constexpr size_t kMaxKeptInfoBytes = size_t{256} << 10;
  static constexpr size_t kMaxFinishedBytes = size_t{64} << 20;

  // `max_finished`: ended games whose final GameInfo stays in memory (--max-finished-games);
  // older ones are retired to their record folders (a path each) and listed from disk.
  explicit GameDirectory(int64_t max_games, int64_t max_finished = 1000)
      : max_games_(max_games), max_finished_(max_finished) {}

  // Reserves `id` (empty: the next free generated id g1, g2, ...). InvalidArgument for a bad id,
  // AlreadyExists for a taken one (ended and retired games keep their ids), ResourceExhausted at
  // --max-games, Unavailable while draining.
  [[nodiscard]] absl::StatusOr<std::string> Reserve(absl::string_view id);
  // `charged`: the bytes the game holds of the memory budget, handed back by Finished.
  void Commit(const std::string& id, std::shared_ptr<HostedGame> game, int64_t charged = 0);
  void Abandon(const std::string& id);

  struct Ended {
    std::shared_ptr<HostedGame> game;  // null if `id` was not a live game
    int64_t charged = 0;
  };
  // The game `id` is over: `info` (its final GameInfo) replaces it — it no longer counts against
  // --max-games and its HostedGame leaves the directory, returned for the caller to let go of off
  // the game's strand (and release `charged`). Beyond max_finished the oldest ended games retire:
  // only their record folder is kept.
  [[nodiscard]] Ended Finished(const std::string& id, v1::GameInfo info);
  // A game an earlier coordinator finished for good (found in --records-dir at start): listed
  // from its record folder, its id taken. False (nothing changes) if `id` is taken or invalid.
  bool AddRetired(const std::string& id, std::filesystem::path record_dir);
  // Games listed (running, ended or retired).
  [[nodiscard]] size_t listed() const;
  // Ended games whose GameInfo is held in memory.
  [[nodiscard]] size_t finished_in_memory() const;

  // The live game, or null (unknown, still being created, or ended).
  [[nodiscard]] std::shared_ptr<HostedGame> Find(absl::string_view id) const;

  // One listed game: exactly one of `live`, `info` (ended) or `record_dir` (retired) is set.
  struct Listed {
    std::string id;
    std::shared_ptr<HostedGame> live;
    std::shared_ptr<const v1::GameInfo> info;
    std::filesystem::path record_dir;
  };
  // The listed game `id` (Listed::id empty if none).
  [[nodiscard]] Listed Lookup(absl::string_view id) const;
  // Up to `limit` listed games with ids after `after` (empty: from the first), in id order;
  // `*more` says whether more follow.
  [[nodiscard]] std::vector<Listed> Page(absl::string_view after, size_t limit, bool* more) const;
  // Every live game, in id order.
  [[nodiscard]] std::vector<std::shared_ptr<HostedGame>> All() const;

  // From now on Reserve answers Unavailable. Returns every live game (to stop them).
  std::vector<std::shared_ptr<HostedGame>> StartDraining();
  [[nodiscard]] bool draining() const;

 private:
  struct Entry {
    std::shared_ptr<HostedGame> game;          // live (null while reserved)
    std::shared_ptr<const v1::GameInfo> info;  // ended
    std::filesystem::path record_dir;          // retired
    int64_t charged = 0;
    [[nodiscard]] bool reserved() const {
      return game == nullptr && info == nullptr && record_dir.empty();
    }
  };
  [[nodiscard]] static Listed ListedOf(const std::string& id, const Entry& entry);

  const int64_t max_games_;
  const int64_t max_finished_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> games_;
  int64_t next_generated_ = 1;
  int64_t active_ = 0;                // reserved or committed and not finished
  std::deque<std::string> finished_;  // ended with their GameInfo in memory, oldest first
  size_t finished_bytes_ = 0;         // their GameInfo's SpaceUsedLong, added up
  bool draining_ = false;
};

}  // namespace nashnet::server

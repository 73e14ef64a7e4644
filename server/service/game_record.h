// GameRecord: a hosted game's record folder as the disk thread writes it.
//
//   <dir>/spec.yaml          the spec (a run file; no secrets)
//   <dir>/journal            every resolved round (server/journal/journal_file.h): the truth
//   <dir>/rounds.csv         recorded rounds, appended row by row: always valid up to its last
//                            complete row (simulate's bytes once the game completes)
//   <dir>/summary.json       written at the end (status completed / stopped / failed), or at a
//                            drain (status drained: resumable)
//   <dir>/.secrets.json      the join token and the seats' resume tokens (mode 0600)
//
// No file stays open between writes. The first write error is latched: every later call returns
// it, and nothing more is written (a game fails at once rather than at its horizon).
//
//   NASHNET_ASSIGN_OR_RETURN(auto record, GameRecord::Create(env, dir, spec, header, game,
//   secrets)); NASHNET_RETURN_IF_ERROR(record->Append(journal_bytes, rows, /*sync=*/false));
//   NASHNET_RETURN_IF_ERROR(record->Commit(summary));
//
// Thread safety: one thread (the coordinator's disk thread) uses a GameRecord.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "games/game.h"
#include "nashnet/v1/journal.pb.h"
#include "nashnet/v1/spec.pb.h"
#include "server/journal/record_env.h"
#include "server/round_metrics.h"

namespace nashnet::server {

inline constexpr char kSecretsFileName[] = ".secrets.json";

struct GameSecrets {
  std::string join_token;                // empty: none needed
  std::vector<std::string> seat_tokens;  // per seat (empty for local seats)
};

// .secrets.json's text, and back (InvalidArgument naming the file's fault).
[[nodiscard]] std::string SecretsJson(const GameSecrets& secrets);
[[nodiscard]] absl::StatusOr<GameSecrets> ParseSecretsJson(std::string_view text);

class GameRecord {
 public:
  // A new game: creates `dir` (it must not exist or be empty), writes spec.yaml, the secrets, the
  // journal's header (synced; no journal if `header` is null) and rounds.csv's header. On error
  // removes what it created, so the same id can be created again.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GameRecord>> Create(
      RecordEnv* env, const std::filesystem::path& dir, const v1::RunSpec& spec,
      const v1::JournalRecord* header, std::shared_ptr<const games::Game> game,
      const GameSecrets& secrets);

  // An existing game's folder after a crash or drain: cuts rounds.csv to its last complete row
  // (a torn line goes; csv_last_round() says which round that row is; the header is rewritten if
  // it is not intact). Rows after it are regenerated from the journal.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GameRecord>> Reopen(
      RecordEnv* env, const std::filesystem::path& dir, std::shared_ptr<const games::Game> game);
  // Cuts rounds.csv to the rows of rounds <= `round` (rows the journal does not back, which only
  // a lost write-back cache can leave) and the journal to its first `journal_bytes` (a torn tail).
  [[nodiscard]] absl::Status Trim(int64_t round, int64_t journal_bytes);

  // Appends framed journal records, then rows (formatted here), then syncs the journal if asked.
  [[nodiscard]] absl::Status Append(std::string_view journal, const std::vector<RoundMetrics>& rows,
                                    bool sync);
  [[nodiscard]] absl::Status WriteSecrets(const GameSecrets& secrets);
  // Writes summary.json (atomically; the journal and rounds.csv were synced by the last Append).
  [[nodiscard]] absl::Status Commit(const std::string& summary_json);

  [[nodiscard]] int64_t csv_last_round() const { return csv_last_round_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] const absl::Status& status() const { return status_; }

 private:
  GameRecord(RecordEnv* env, std::filesystem::path dir, std::shared_ptr<const games::Game> game)
      : env_(env), dir_(std::move(dir)), game_(std::move(game)) {}
  absl::Status Latch(absl::Status status);
  absl::Status RepairRows(int64_t last_round);

  RecordEnv* env_;
  std::filesystem::path dir_;
  std::shared_ptr<const games::Game> game_;
  int64_t csv_last_round_ = 0;
  std::string text_;  // reused for rows
  absl::Status status_;
};

// The header of the journal in record folder `dir` (its first record). NotFound without a
// journal; DataLoss if the first record is not an intact header.
[[nodiscard]] absl::StatusOr<v1::JournalHeader> ReadJournalHeader(const std::filesystem::path& dir);

// The seat's rounds [from, to] from the journal at `path`, as History messages of at most about
// `max_bytes` each (the last one has `last` set; at least one message, even for an empty range).
[[nodiscard]] absl::StatusOr<std::vector<v1::CoordinatorMessage>> ReadSeatHistory(
    const std::filesystem::path& path, int seat, int64_t from, int64_t to, size_t max_bytes);

}  // namespace nashnet::server

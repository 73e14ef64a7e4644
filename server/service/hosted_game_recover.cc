// HostedGame: recovering a game from its record folder — the journal replayed through the round
// loop, rounds.csv repaired, tokens and seat counters restored.
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "common/status_macros.h"
#include "server/journal/journal_file.h"
#include "server/journal/journal_prefetcher.h"
#include "server/journal/record_env.h"
#include "server/service/game_record.h"
#include "server/service/hosted_game.h"
#include "server/service/hosted_game_internal.h"

namespace nashnet::server {

absl::StatusOr<std::shared_ptr<HostedGame>> HostedGame::Recover(HostedGameConfig config) {
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<HostedGame> game, Make(std::move(config)));
  const std::filesystem::path secrets_path = game->record_dir_ / kSecretsFileName;
  NASHNET_ASSIGN_OR_RETURN(std::string secrets_text, game->env_->Read(secrets_path));
  absl::StatusOr<GameSecrets> secrets = ParseSecretsJson(secrets_text);
  if (!secrets.ok()) {
    return absl::DataLossError(
        absl::StrCat(secrets_path.string(), ": ", secrets.status().message()));
  }
  if (secrets->seat_tokens.size() != game->seats_.size()) {
    return absl::DataLossError(absl::StrCat(secrets_path.string(), ": ",
                                            secrets->seat_tokens.size(), " seat tokens for ",
                                            game->seats_.size(), " seats"));
  }
  game->join_token_ = secrets->join_token;
  for (size_t i = 0; i < game->seats_.size(); ++i) {
    game->seats_[i].token = secrets->seat_tokens[i];
  }
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<GameRecord> record,
                           GameRecord::Reopen(game->env_, game->record_dir_, game->plan_.game));
  game->csv_last_round_ = record->csv_last_round();
  game->last_row_round_ = game->csv_last_round_;
  game->record_ = std::move(record);
  NASHNET_RETURN_IF_ERROR(game->Replay());
  return game;
}

absl::Status HostedGame::Replay() {
  const std::filesystem::path path = record_dir_ / kJournalFileName;
  NASHNET_ASSIGN_OR_RETURN(JournalReader opened, JournalReader::Open(path));
  // Read, checksummed and parsed on another thread while this one replays.
  JournalPrefetcher prefetch(std::move(opened));
  const int n = static_cast<int>(seats_.size());
  std::vector<SeatPlay> plays(n);
  std::vector<bool> substituted(n);
  std::vector<int64_t> missed(n, 0);
  std::vector<int64_t> evictions(n, 0);
  v1::GameStatus ended = v1::GAME_STATUS_UNSPECIFIED;
  replaying_ = true;
  auto fail = [&](std::string why) {
    replaying_ = false;
    return absl::DataLossError(absl::StrCat(path.string(), ": ", why));
  };
  const v1::JournalRecord* next = prefetch.Next();
  if (next == nullptr || !next->has_header()) {
    return fail("does not start with an intact header");
  }
  while ((next = prefetch.Next()) != nullptr) {
    const v1::JournalRecord& record = *next;
    switch (record.kind_case()) {
      case v1::JournalRecord::kRound: {
        const v1::JournalRound& round = record.round();
        if (round.round() != loop_->round() || round.seats_size() != n || over()) {
          return fail(absl::StrCat("round ", round.round(), " with ", round.seats_size(),
                                   " seats where round ", loop_->round(), " with ", n,
                                   " seats was expected"));
        }
        for (int i = 0; i < n; ++i) {
          const v1::JournalSeatPlay& play = round.seats(i);
          absl::StatusOr<agents::WireAction> wire =
              agents::ActionFromProto(play.action(), seats_[i].dimension);
          if (!wire.ok()) {
            return fail(
                absl::StrCat("round ", round.round(), ", seat ", i, ": ", wire.status().message()));
          }
          plays[i].action = std::move(wire->action);
          if (wire->has_strategy) {
            plays[i].owned = std::move(wire->strategy);
            plays[i].strategy = &plays[i].owned;
          } else {
            plays[i].strategy = nullptr;
          }
          substituted[i] = play.substituted();
        }
        if (absl::Status st = loop_->ReplayRound(plays, substituted); !st.ok()) {
          return fail(std::string(st.message()));
        }
        break;
      }
      case v1::JournalRecord::kSeatEvent: {
        const v1::JournalSeatEvent& event = record.seat_event();
        if (event.seat() < 0 || event.seat() >= n || seats_[event.seat()].local) {
          return fail(absl::StrCat("a seat event of seat ", event.seat()));
        }
        Seat& seat = seats_[event.seat()];
        switch (event.kind()) {
          case v1::JournalSeatEvent::KIND_RESUMED:
            ++seat.resumes;
            [[fallthrough]];
          case v1::JournalSeatEvent::KIND_JOINED:
            seat.issued = true;
            seat.handed_out = true;
            seat.agent_name = event.agent_name();
            seat.learner = event.learner();
            break;
          case v1::JournalSeatEvent::KIND_MISSED_DEADLINE:
            ++missed[event.seat()];
            break;
          case v1::JournalSeatEvent::KIND_EVICTED:
            ++evictions[event.seat()];
            break;
          default:
            break;
        }
        break;
      }
      case v1::JournalRecord::kEnd:
        ended = record.end().status();
        message_ = record.end().message();
        break;
      default:
        return fail(absl::StrCat("unexpected record ", record.kind_case(), " after the header"));
    }
  }
  for (int i = 0; i < n; ++i) {
    SeatStats stats = loop_->stats(i);
    stats.missed = missed[i];
    stats.evictions = evictions[i];
    loop_->RestoreStats(i, stats);
  }
  // The journal is the truth: rows it does not back go, a torn tail goes.
  NASHNET_RETURN_IF_ERROR(record_->Trim(loop_->rounds_played(), prefetch.reader().valid_bytes()));
  last_row_round_ = std::min(last_row_round_, loop_->rounds_played());
  if (!batch_->rows.empty()) last_row_round_ = batch_->rows.back().round;
  // How the journal says the game ended, if it did (a drain leaves it resumable).
  if (ended == v1::GAME_STATUS_STOPPED) loop_->Stop();
  if (ended == v1::GAME_STATUS_FAILED) {
    record_failed_ = true;
    loop_->Fail();
  }
  replaying_ = false;
  finished_ = false;
  if (over()) {
    // Finished before the crash, without its summary: Begin() (re)writes it, with the rows
    // regenerated above and a stopped game's last row.
    finish_on_begin_ = true;
  } else if (!batch_->empty()) {
    Flush(/*sync=*/true, nullptr);
  }
  return absl::OkStatus();
}

}  // namespace nashnet::server

#include "server/service/game_record.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/journal/journal_file.h"
#include "server/record/run_file.h"
#include "server/record/run_record.h"

namespace nashnet::server {
namespace {

constexpr char kRoundsFile[] = "rounds.csv";

// The round of a complete rounds.csv row (its first field), or -1 if the line is not a row.
int64_t RowRound(std::string_view line) {
  const size_t comma = line.find(',');
  int64_t round = -1;
  if (comma == std::string_view::npos ||
      !absl::SimpleAtoi(absl::string_view(line.data(), comma), &round)) {
    return -1;
  }
  return round;
}

}  // namespace

std::string SecretsJson(const GameSecrets& secrets) {
  nlohmann::ordered_json json{{"join_token", secrets.join_token},
                              {"seat_tokens", secrets.seat_tokens}};
  return json.dump(2) + "\n";
}

absl::StatusOr<GameSecrets> ParseSecretsJson(std::string_view text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(kSecretsFileName, ": not a JSON object"));
  }
  GameSecrets secrets;
  const auto join = json.find("join_token");
  const auto seats = json.find("seat_tokens");
  if (join == json.end() || !join->is_string() || seats == json.end() || !seats->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kSecretsFileName, ": needs join_token (a string) and seat_tokens (a list)"));
  }
  secrets.join_token = join->get<std::string>();
  for (const auto& token : *seats) {
    if (!token.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kSecretsFileName, ": seat_tokens holds a non-string"));
    }
    secrets.seat_tokens.push_back(token.get<std::string>());
  }
  return secrets;
}

absl::Status GameRecord::Latch(absl::Status status) {
  if (status_.ok() && !status.ok()) status_ = status;
  return status_;
}

absl::StatusOr<std::unique_ptr<GameRecord>> GameRecord::Create(
    RecordEnv* env, const std::filesystem::path& dir, const v1::RunSpec& spec,
    const v1::JournalRecord* header, std::shared_ptr<const games::Game> game,
    const GameSecrets& secrets) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  if (existed && !std::filesystem::is_empty(dir, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat("record folder ", dir.string(), " already holds files"));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create record folder ", dir.string(), ": ", ec.message()));
  }
  std::unique_ptr<GameRecord> record(new GameRecord(env, dir, std::move(game)));
  absl::Status status = env->WriteAtomically(dir / "spec.yaml", WriteRunSpecYaml(spec));
  if (status.ok())
    status = env->WriteAtomically(dir / kSecretsFileName, SecretsJson(secrets), 0600);
  if (status.ok() && header != nullptr) {
    std::string bytes;
    AppendJournalRecord(*header, &bytes);
    status = env->Append(dir / kJournalFileName, bytes, /*sync=*/true);
  }
  if (status.ok()) {
    status = env->Append(dir / kRoundsFile, RoundsCsvHeader(*record->game_) + "\n", false);
  }
  if (!status.ok()) {
    // Leave nothing that would block the same id (or folder) later.
    if (existed) {
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::filesystem::remove_all(entry.path(), ec);
      }
    } else {
      std::filesystem::remove_all(dir, ec);
    }
    return status;
  }
  return record;
}

absl::StatusOr<std::unique_ptr<GameRecord>> GameRecord::Reopen(
    RecordEnv* env, const std::filesystem::path& dir, std::shared_ptr<const games::Game> game) {
  std::unique_ptr<GameRecord> record(new GameRecord(env, dir, std::move(game)));
  NASHNET_RETURN_IF_ERROR(record->RepairRows(std::numeric_limits<int64_t>::max()));
  return record;
}

absl::Status GameRecord::Trim(int64_t round, int64_t journal_bytes) {
  if (round < csv_last_round_) NASHNET_RETURN_IF_ERROR(RepairRows(round));
  const std::filesystem::path journal = dir_ / kJournalFileName;
  std::error_code ec;
  const auto size = std::filesystem::file_size(journal, ec);
  if (!ec && static_cast<int64_t>(size) > journal_bytes) {
    NASHNET_RETURN_IF_ERROR(env_->Truncate(journal, journal_bytes));
  }
  return absl::OkStatus();
}

absl::Status GameRecord::RepairRows(int64_t last_round) {
  // Keep the header and the complete rows (rounds increasing, at most last_round).
  const std::string header = RoundsCsvHeader(*game_) + "\n";
  absl::StatusOr<std::string> text = env_->Read(dir_ / kRoundsFile);
  if (!text.ok() && !absl::IsNotFound(text.status())) return text.status();
  int64_t keep = 0;  // bytes of rounds.csv to keep
  csv_last_round_ = 0;
  if (text.ok() && text->compare(0, header.size(), header) == 0) {
    keep = static_cast<int64_t>(header.size());
    size_t pos = header.size();
    while (pos < text->size()) {
      const size_t end = text->find('\n', pos);
      if (end == std::string::npos) break;  // a torn last line
      const int64_t round = RowRound(std::string_view(*text).substr(pos, end - pos));
      if (round <= csv_last_round_ || round > last_round) break;
      csv_last_round_ = round;
      pos = end + 1;
      keep = static_cast<int64_t>(pos);
    }
  }
  if (keep == 0) return env_->WriteAtomically(dir_ / kRoundsFile, header);  // start it again
  if (keep < static_cast<int64_t>(text->size())) return env_->Truncate(dir_ / kRoundsFile, keep);
  return absl::OkStatus();
}

absl::Status GameRecord::Append(std::string_view journal, const std::vector<RoundMetrics>& rows,
                                bool sync) {
  if (!status_.ok()) return status_;
  if (!journal.empty()) {
    NASHNET_RETURN_IF_ERROR(Latch(env_->Append(dir_ / kJournalFileName, journal, sync)));
  }
  if (!rows.empty()) {
    text_.clear();
    for (const RoundMetrics& row : rows) AppendRoundsCsvRow(*game_, row, &text_);
    NASHNET_RETURN_IF_ERROR(Latch(env_->Append(dir_ / kRoundsFile, text_, sync)));
    csv_last_round_ = rows.back().round;
  }
  return absl::OkStatus();
}

absl::Status GameRecord::WriteSecrets(const GameSecrets& secrets) {
  if (!status_.ok()) return status_;
  return Latch(env_->WriteAtomically(dir_ / kSecretsFileName, SecretsJson(secrets), 0600));
}

absl::Status GameRecord::Commit(const std::string& summary_json) {
  // Even after a write error, try to say so in summary.json (a full disk may have room for it).
  return env_->WriteAtomically(dir_ / "summary.json", summary_json);
}

absl::StatusOr<v1::JournalHeader> ReadJournalHeader(const std::filesystem::path& dir) {
  NASHNET_ASSIGN_OR_RETURN(JournalReader reader, JournalReader::Open(dir / kJournalFileName));
  v1::JournalRecord record;
  if (!reader.Next(&record) || !record.has_header()) {
    return absl::DataLossError(
        absl::StrCat((dir / kJournalFileName).string(), ": does not start with an intact header",
                     reader.torn() ? " (" + reader.torn_reason() + ")" : ""));
  }
  return record.header();
}

absl::StatusOr<std::vector<v1::CoordinatorMessage>> ReadSeatHistory(
    const std::filesystem::path& path, int seat, int64_t from, int64_t to, size_t max_bytes) {
  std::vector<v1::CoordinatorMessage> out;
  out.emplace_back().mutable_history();
  if (from >= 1 && from <= to) {
    NASHNET_ASSIGN_OR_RETURN(JournalReader reader, JournalReader::Open(path));
    v1::JournalRecord record;
    int64_t expected = from;
    size_t bytes = 0;
    while (expected <= to && reader.Next(&record)) {
      if (!record.has_round() || record.round().round() < from) continue;
      const v1::JournalRound& round = record.round();
      if (round.round() != expected || seat >= round.seats_size()) {
        return absl::DataLossError(absl::StrCat("journal ", path.string(), ": round ",
                                                round.round(), " where ", expected,
                                                " was expected for seat ", seat));
      }
      const v1::JournalSeatPlay& play = round.seats(seat);
      const size_t size = play.ByteSizeLong() + 16;
      if (bytes > 0 && bytes + size > max_bytes) {
        out.emplace_back().mutable_history();
        bytes = 0;
      }
      v1::HistoryRound* h = out.back().mutable_history()->add_rounds();
      h->set_round(round.round());
      *h->mutable_action() = play.action();
      *h->mutable_feedback() = play.feedback();
      bytes += size;
      ++expected;
    }
    if (expected <= to) {
      return absl::DataLossError(absl::StrCat("journal ", path.string(), " ends before round ",
                                              expected, " (seat ", seat, " needs up to ", to, ")"));
    }
  }
  out.back().mutable_history()->set_last(true);
  return out;
}

}  // namespace nashnet::server

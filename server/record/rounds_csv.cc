// rounds.csv: header, rows, and the streaming RoundsCsvWriter (see run_record.h).
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "games/continuous_game.h"
#include "games/finite_game.h"
#include "server/record/number_text.h"
#include "server/record/run_record.h"

namespace nashnet::server {
namespace {

constexpr std::size_t kFlushBytes = 1 << 16;

// The number of strategy (finite) or point (continuous) columns of player `p`.
int StrategyColumns(const games::Game& game, int p) {
  if (game.action_kind() == games::ActionKind::kFinite) {
    return static_cast<const games::FiniteGame&>(game).num_actions(p);
  }
  return static_cast<const games::ContinuousGame&>(game).action_box(p).dimension();
}

void AppendMetric(double value, std::string* out) {
  out->push_back(',');
  AppendDouble(value, out);
}

absl::Status ErrnoError(absl::string_view what, const std::filesystem::path& path) {
  return absl::InternalError(absl::StrCat(what, " ", path.string(), ": ", std::strerror(errno)));
}

}  // namespace

absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view text) {
  const std::filesystem::path partial =
      path.parent_path() / absl::StrCat(".partial-", path.filename().string());
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) return ErrnoError("cannot create", partial);
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) return ErrnoError("cannot write", partial);
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot rename ", partial.string(), " to ",
                                            path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

std::string RoundsCsvHeader(const games::Game& game) {
  std::string header = "round,nash_gap,empirical_nash_gap,equilibrium_distance,variation";
  const char strategy_letter = game.action_kind() == games::ActionKind::kFinite ? 'x' : 'z';
  for (int p = 0; p < game.num_players(); ++p) {
    for (const char* metric : {"regret", "realized_regret", "dynamic_regret", "payoff",
                               "average_payoff", "equilibrium_distance"}) {
      absl::StrAppend(&header, ",p", p, "_", metric);
    }
    const int columns = StrategyColumns(game, p);
    for (int k = 0; k < columns; ++k) {
      absl::StrAppend(&header, ",p", p, "_", std::string(1, strategy_letter), k);
    }
  }
  return header;
}

void AppendRoundsCsvRow(const games::Game& game, const RoundMetrics& metrics, std::string* out) {
  absl::StrAppend(out, metrics.round);
  AppendMetric(metrics.nash_gap, out);
  AppendMetric(metrics.empirical_nash_gap, out);
  AppendMetric(metrics.equilibrium_distance, out);
  AppendMetric(metrics.variation, out);
  const bool finite = game.action_kind() == games::ActionKind::kFinite;
  const PlayerRoundMetrics missing;
  for (int p = 0; p < game.num_players(); ++p) {
    const PlayerRoundMetrics& m =
        p < static_cast<int>(metrics.players.size()) ? metrics.players[p] : missing;
    AppendMetric(m.regret, out);
    AppendMetric(m.realized_regret, out);
    AppendMetric(m.dynamic_regret, out);
    AppendMetric(m.payoff, out);
    AppendMetric(m.average_payoff, out);
    AppendMetric(m.equilibrium_distance, out);
    const Eigen::VectorXd& values = finite ? m.strategy : m.point;
    const int columns = StrategyColumns(game, p);
    const bool fits = values.size() == columns;
    for (int k = 0; k < columns; ++k) AppendMetric(fits ? values[k] : kNaN, out);
  }
  out->push_back('\n');
}

absl::StatusOr<std::unique_ptr<RoundsCsvWriter>> RoundsCsvWriter::Open(
    const std::filesystem::path& dir, std::shared_ptr<const games::Game> game) {
  const std::filesystem::path partial = dir / ".partial-rounds.csv";
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) return ErrnoError("cannot create", partial);
  std::unique_ptr<RoundsCsvWriter> writer(new RoundsCsvWriter(dir, std::move(game), file));
  writer->buffer_ = RoundsCsvHeader(*writer->game_);
  writer->buffer_.push_back('\n');
  return writer;
}

RoundsCsvWriter::RoundsCsvWriter(std::filesystem::path dir, std::shared_ptr<const games::Game> game,
                                 std::FILE* file)
    : dir_(std::move(dir)),
      partial_path_(dir_ / ".partial-rounds.csv"),
      game_(std::move(game)),
      file_(file) {
  buffer_.reserve(2 * kFlushBytes);
}

RoundsCsvWriter::~RoundsCsvWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void RoundsCsvWriter::OnRound(const RoundMetrics& metrics) {
  if (!status_.ok() || file_ == nullptr) return;
  AppendRoundsCsvRow(*game_, metrics, &buffer_);
  ++rows_;
  if (buffer_.size() >= kFlushBytes) Flush();
}

void RoundsCsvWriter::Flush() {
  if (!buffer_.empty() && status_.ok() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    status_ = ErrnoError("cannot write", partial_path_);
  }
  buffer_.clear();
}

absl::Status RoundsCsvWriter::Commit() {
  if (file_ == nullptr) return absl::FailedPreconditionError("rounds.csv already committed");
  Flush();
  if (std::fclose(file_) != 0 && status_.ok()) status_ = ErrnoError("cannot write", partial_path_);
  file_ = nullptr;
  if (!status_.ok()) return status_;
  std::error_code ec;
  std::filesystem::rename(partial_path_, dir_ / "rounds.csv", ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", partial_path_.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace nashnet::server

// The run record: what `nashnet simulate` leaves in its output folder DIR.
//
//   DIR/spec.yaml      the normalised run spec (run_file.h's canonical YAML; a run file itself),
//                      without its secrets (redact_secrets.h: no join token)
//   DIR/rounds.csv     one row per recorded round (round 1, every record_every-th, the last)
//   DIR/summary.json   the end of the run
// With several seeds, DIR/spec.yaml, then DIR/seed-<s>/{rounds.csv, summary.json} for each seed s
// and DIR/summary.json the aggregate over seeds (median, p25, p75, min, max of every metric).
//
// rounds.csv columns: round, nash_gap, empirical_nash_gap, equilibrium_distance, variation, then
// for each player p (0-based) p{p}_regret, p{p}_realized_regret, p{p}_dynamic_regret, p{p}_payoff,
// p{p}_average_payoff, p{p}_equilibrium_distance, and p{p}_x{a} for each action a (finite games)
// or p{p}_z{k} for each coordinate k of the point played (continuous games). Numbers are the
// shortest text that reads back exactly (number_text.h; %.17g precision), NaN is `nan`.
// summary.json: {rounds, seed, nash_gap, empirical_nash_gap, equilibrium_distance,
// elapsed_seconds, rounds_per_second, players: [{algorithm, strategy, regret, realized_regret,
// dynamic_regret, average_payoff}]}, NaN as null, full precision.
//
// Nothing half-written passes for a result: files are written as DIR/.partial-<name> and renamed
// into place only when complete, summary.json last, so a folder without summary.json is not a
// result. Reproducibility: the same spec and seed give byte-identical spec.yaml and rounds.csv,
// and summary.json files identical except for `elapsed_seconds` and `rounds_per_second`
// (wall-clock time).
//
//   NASHNET_ASSIGN_OR_RETURN(RunRecord record, RunRecord::Create("runs/pd", plan.spec));
//   NASHNET_ASSIGN_OR_RETURN(auto rounds, record.OpenRounds(seed, *plan.game));
//   NASHNET_ASSIGN_OR_RETURN(RunSummary s, Simulate(plan, seed, rounds.get(), {}));
//   NASHNET_RETURN_IF_ERROR(record.CommitSeed(seed, rounds.get(), s));
//
// Thread safety: a RunRecord is immutable after Create and may be shared by threads committing
// different seeds; a RoundsCsvWriter belongs to the thread simulating its seed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "games/game.h"
#include "nashnet/v1/spec.pb.h"
#include "server/round_metrics.h"
#include "server/simulation.h"

namespace nashnet::server {

// Writes `text` to `path` through `<folder>/.partial-<name>` and a rename.
[[nodiscard]] absl::Status WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view text);

// The rounds.csv header for `game` (no trailing newline).
[[nodiscard]] std::string RoundsCsvHeader(const games::Game& game);

// Appends one rounds.csv row (with its newline) for `metrics`; a player's strategy / point of the
// wrong size is written as NaNs so the columns always line up with the header.
void AppendRoundsCsvRow(const games::Game& game, const RoundMetrics& metrics, std::string* out);

// A RoundObserver that streams rounds.csv into `<dir>/.partial-rounds.csv`.
class RoundsCsvWriter final : public RoundObserver {
 public:
  // Creates the partial file and writes the header.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RoundsCsvWriter>> Open(
      const std::filesystem::path& dir, std::shared_ptr<const games::Game> game);
  ~RoundsCsvWriter() override;
  RoundsCsvWriter(const RoundsCsvWriter&) = delete;
  RoundsCsvWriter& operator=(const RoundsCsvWriter&) = delete;

  void OnRound(const RoundMetrics& metrics) override;

  // Flushes, closes and renames the file to `<dir>/rounds.csv`; the first write error if any
  // (then the partial file stays where it is).
  [[nodiscard]] absl::Status Commit();

  [[nodiscard]] int64_t rows() const { return rows_; }
  [[nodiscard]] const std::filesystem::path& partial_path() const { return partial_path_; }

 private:
  RoundsCsvWriter(std::filesystem::path dir, std::shared_ptr<const games::Game> game,
                  std::FILE* file);
  void Flush();

  std::filesystem::path dir_;
  std::filesystem::path partial_path_;
  std::shared_ptr<const games::Game> game_;
  std::FILE* file_;
  std::string buffer_;
  int64_t rows_ = 0;
  absl::Status status_;
};

// summary.json of one seed (pretty-printed, a trailing newline).
[[nodiscard]] std::string SummaryJson(const RunSummary& summary);

// Order statistics of one metric over seeds; NaN values are left out (`count` is how many were
// kept) and every statistic is NaN when none is left. Quantiles interpolate linearly between
// order statistics (numpy's default): q-quantile at position q·(count−1).
struct MetricStats {
  int count = 0;
  double median = kNaN;
  double p25 = kNaN;
  double p75 = kNaN;
  double min = kNaN;
  double max = kNaN;
};
[[nodiscard]] MetricStats ComputeStats(std::vector<double> values);

struct PlayerAggregate {
  std::string algorithm;
  MetricStats regret, realized_regret, dynamic_regret, average_payoff;
  std::vector<MetricStats> strategy;  // per entry of the final strategy / point
};

struct AggregateSummary {
  std::vector<uint64_t> seeds;
  int64_t rounds = 0;
  MetricStats nash_gap, empirical_nash_gap, equilibrium_distance, elapsed_seconds;
  MetricStats rounds_per_second;
  std::vector<PlayerAggregate> players;
};

// Aggregates seed summaries (in seed order). InvalidArgument if there are none or they disagree
// on the number of players.
[[nodiscard]] absl::StatusOr<AggregateSummary> AggregateSummaries(
    const std::vector<RunSummary>& summaries);

// The aggregate summary.json: {seeds, rounds, nash_gap: {median, p25, p75, min, max, count}, ...,
// players: [{algorithm, regret: {...}, ..., strategy: [{...} per entry]}]}.
[[nodiscard]] std::string AggregateJson(const AggregateSummary& aggregate);

// A run record folder.
class RunRecord {
 public:
  // Creates `dir` (and parents) if missing — it must not already hold files — and writes
  // spec.yaml (RedactSecrets'd). With spec.seeds() > 1 every seed gets its own `seed-<s>` folder.
  [[nodiscard]] static absl::StatusOr<RunRecord> Create(const std::filesystem::path& dir,
                                                        const v1::RunSpec& spec);

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] bool multi_seed() const { return multi_seed_; }
  // Where seed `seed`'s rounds.csv and summary.json go.
  [[nodiscard]] std::filesystem::path SeedDir(uint64_t seed) const;

  // Creates the seed folder and opens its rounds.csv writer.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<RoundsCsvWriter>> OpenRounds(
      uint64_t seed, std::shared_ptr<const games::Game> game) const;

  // Commits the seed's rounds.csv, then writes its summary.json.
  [[nodiscard]] absl::Status CommitSeed(uint64_t seed, RoundsCsvWriter* rounds,
                                        const RunSummary& summary) const;

  // Several seeds: writes DIR/summary.json, the aggregate of every seed's summary.
  [[nodiscard]] absl::Status CommitAggregate(const std::vector<RunSummary>& summaries) const;

 private:
  RunRecord(std::filesystem::path dir, bool multi_seed)
      : dir_(std::move(dir)), multi_seed_(multi_seed) {}

  std::filesystem::path dir_;
  bool multi_seed_ = false;
};

}  // namespace nashnet::server

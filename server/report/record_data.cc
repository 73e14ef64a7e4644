#include "server/report/record_data.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/record/run_record.h"

namespace nashnet::server {

ColumnStats RecordData::Column(std::string_view name) const {
  ColumnStats s;
  std::vector<const std::vector<double>*> columns;
  for (const RoundsTable& t : tables) {
    const std::vector<double>* c = t.Find(name);
    if (c == nullptr) return s;
    columns.push_back(c);
  }
  if (columns.empty()) return s;
  if (columns.size() == 1 && same_rounds) {
    s.median = s.p25 = s.p75 = s.min = s.max = *columns[0];
    return s;
  }
  const size_t n = rounds.size();
  for (auto* v : {&s.median, &s.p25, &s.p75, &s.min, &s.max}) v->resize(n);
  std::vector<double> values;
  for (size_t k = 0; k < n; ++k) {
    values.clear();
    for (size_t i = 0; i < columns.size(); ++i) {
      const int row = row_of[i][k];
      if (row >= 0) values.push_back((*columns[i])[row]);
    }
    const MetricStats m = ComputeStats(values);
    s.median[k] = m.median;
    s.p25[k] = m.p25;
    s.p75[k] = m.p75;
    s.min[k] = m.min;
    s.max[k] = m.max;
  }
  return s;
}

std::string RecordData::SeedsPerRound() const {
  const int all = static_cast<int>(tables.size());
  if (std::all_of(seeds_at.begin(), seeds_at.end(), [&](int n) { return n == all; })) return "";
  std::vector<std::string> parts;
  for (size_t k = 0; k < seeds_at.size();) {
    size_t end = k;
    while (end + 1 < seeds_at.size() && seeds_at[end + 1] == seeds_at[k]) ++end;
    const auto first = static_cast<int64_t>(rounds[k]), last = static_cast<int64_t>(rounds[end]);
    parts.push_back(absl::StrCat(
        first == last ? absl::StrCat("round ", first) : absl::StrCat("rounds ", first, "–", last),
        ": ", seeds_at[k], seeds_at[k] == 1 ? " seed" : " seeds"));
    k = end + 1;
  }
  return absl::StrJoin(parts, "; ");
}

namespace {

// The rounds to plot when the seeds' rounds.csv files differ (see record_data.h), thinned to
// about max_points by SelectRows over their indices.
absl::StatusOr<std::vector<double>> CommonRounds(const std::vector<std::filesystem::path>& files,
                                                 int max_points) {
  std::vector<std::vector<double>> seeds;
  for (const auto& file : files) {
    NASHNET_ASSIGN_OR_RETURN(std::vector<double> r, ReadRecordedRounds(file));
    seeds.push_back(std::move(r));
  }
  std::vector<double> all;
  for (const auto& r : seeds) all.insert(all.end(), r.begin(), r.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::vector<double> common;
  for (double round : all) {
    bool keep = true;
    for (const auto& r : seeds) {
      if (r.empty() || round < r.front() || round > r.back()) continue;
      keep = keep && std::binary_search(r.begin(), r.end(), round);
    }
    if (keep) common.push_back(round);
  }
  std::vector<double> out;
  for (int64_t i : SelectRows(static_cast<int64_t>(common.size()), max_points)) {
    out.push_back(common[i]);
  }
  return out;
}

}  // namespace

absl::StatusOr<RecordData> LoadRecord(const std::filesystem::path& dir, int max_points) {
  RecordData data;
  const std::filesystem::path spec_path = dir / "spec.yaml";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec_path, ec)) {
    return absl::NotFoundError(absl::StrCat(spec_path.string(), ": no such file (is ", dir.string(),
                                            " a run record folder?)"));
  }
  NASHNET_ASSIGN_OR_RETURN(data.file, ReadRunFile(spec_path));
  absl::StatusOr<RunPlan> plan = PlanRun(data.file.spec, data.file.base_dir);
  if (!plan.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec_path.string(), ": ", data.file.Annotate(plan.status()).message()));
  }
  data.plan = *std::move(plan);
  const v1::RunSpec& spec = data.plan.spec;
  data.multi_seed = spec.seeds() > 1;
  const std::string header = RoundsCsvHeader(*data.plan.game);
  std::vector<std::filesystem::path> files;
  for (int i = 0; i < std::max(1, spec.seeds()); ++i) {
    const uint64_t seed = spec.seed() + i;
    const std::filesystem::path file =
        (data.multi_seed ? dir / absl::StrCat("seed-", seed) : dir) / "rounds.csv";
    absl::StatusOr<RoundsTable> read = ReadRoundsCsv(file, header, max_points);
    if (absl::IsNotFound(read.status()) && data.multi_seed) {
      data.missing_seeds.push_back(seed);  // a run stopped before this seed's record was closed
      continue;
    }
    NASHNET_ASSIGN_OR_RETURN(RoundsTable table, std::move(read));
    data.seeds.push_back(seed);
    files.push_back(file);
    data.total_rows = std::max(data.total_rows, table.total_rows);
    data.same_rounds = data.same_rounds && (data.tables.empty() ||
                                            *table.Find("round") == *data.tables[0].Find("round"));
    data.tables.push_back(std::move(table));
  }
  if (data.tables.empty()) {
    return absl::NotFoundError(absl::StrCat(
        (dir / absl::StrCat("seed-", spec.seed()) / "rounds.csv").string(),
        ": cannot read the file, nor any other seed's rounds.csv (did the run record a round?)"));
  }
  if (data.same_rounds) {
    data.rounds = *data.tables[0].Find("round");
    std::vector<int> rows(data.rounds.size());
    for (size_t k = 0; k < rows.size(); ++k) rows[k] = static_cast<int>(k);
    data.row_of.assign(data.tables.size(), rows);
    data.seeds_at.assign(data.rounds.size(), static_cast<int>(data.tables.size()));
  } else {
    // Kept rows equal by row number need not be the same rounds: re-read at common rounds.
    NASHNET_ASSIGN_OR_RETURN(data.rounds, CommonRounds(files, max_points));
    data.seeds_at.assign(data.rounds.size(), 0);
    for (size_t s = 0; s < files.size(); ++s) {
      NASHNET_ASSIGN_OR_RETURN(data.tables[s],
                               ReadRoundsCsvAtRounds(files[s], header, data.rounds));
      const std::vector<double>& kept = *data.tables[s].Find("round");
      std::vector<int> rows(data.rounds.size(), -1);
      size_t j = 0;
      for (size_t k = 0; k < data.rounds.size(); ++k) {
        while (j < kept.size() && kept[j] < data.rounds[k]) ++j;
        if (j < kept.size() && kept[j] == data.rounds[k]) {
          rows[k] = static_cast<int>(j);
          ++data.seeds_at[k];
        }
      }
      data.row_of.push_back(std::move(rows));
    }
  }

  const std::filesystem::path summary_path = dir / "summary.json";
  std::ifstream in(summary_path, std::ios::binary);
  if (!in) {
    data.summary_note = "no summary.json: the run did not finish";
  } else {
    std::ostringstream text;
    text << in.rdbuf();
    data.summary = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (data.summary.is_discarded()) {
      data.summary = nullptr;
      data.summary_note = "summary.json is not valid JSON";
    }
  }
  return data;
}

}  // namespace nashnet::server

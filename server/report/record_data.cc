#include "server/report/record_data.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
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
  if (columns.size() == 1) {
    s.median = s.p25 = s.p75 = s.min = s.max = *columns[0];
    return s;
  }
  const size_t n = columns[0]->size();
  for (auto* v : {&s.median, &s.p25, &s.p75, &s.min, &s.max}) v->resize(n);
  std::vector<double> values(columns.size());
  for (size_t k = 0; k < n; ++k) {
    for (size_t i = 0; i < columns.size(); ++i) values[i] = (*columns[i])[k];
    const MetricStats m = ComputeStats(values);
    s.median[k] = m.median;
    s.p25[k] = m.p25;
    s.p75[k] = m.p75;
    s.min[k] = m.min;
    s.max[k] = m.max;
  }
  return s;
}

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
  for (int i = 0; i < std::max(1, spec.seeds()); ++i) data.seeds.push_back(spec.seed() + i);
  const std::string header = RoundsCsvHeader(*data.plan.game);
  for (uint64_t seed : data.seeds) {
    const std::filesystem::path seed_dir =
        data.multi_seed ? dir / absl::StrCat("seed-", seed) : dir;
    NASHNET_ASSIGN_OR_RETURN(RoundsTable table,
                             ReadRoundsCsv(seed_dir / "rounds.csv", header, max_points));
    if (!data.tables.empty() && table.total_rows != data.tables[0].total_rows) {
      return absl::InvalidArgumentError(
          absl::StrCat((seed_dir / "rounds.csv").string(), ": ", table.total_rows,
                       " rounds recorded, but seed ", data.seeds[0], " has ",
                       data.tables[0].total_rows, " (seeds must cover the same rounds)"));
    }
    data.tables.push_back(std::move(table));
  }
  data.total_rows = data.tables[0].total_rows;
  data.rounds = *data.tables[0].Find("round");

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

#include "server/sweep/sweep_index.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/record/number_text.h"

namespace nashnet::server {
namespace {

constexpr const char* kColumns[] = {"cell",   "game",       "learner",  "params",
                                    "seed",   "folder",     "status",   "rounds",
                                    "regret", "max_regret", "nash_gap", "empirical_nash_gap",
                                    "seconds"};
constexpr size_t kNumColumns = sizeof(kColumns) / sizeof(kColumns[0]);

std::string Quoted(std::string_view field) {
  if (field.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

double Number(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : kNaN; }

// Splits one CSV record (RFC 4180 quotes); false on an unterminated quote.
bool SplitCsv(std::string_view line, std::vector<std::string>* fields) {
  fields->assign(1, "");
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields->back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields->back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->emplace_back();
    } else {
      fields->back() += c;
    }
  }
  return !quoted;
}

absl::StatusOr<double> NumberField(const std::string& text) {
  if (text == "nan") return kNaN;
  return ParseFiniteDouble(text);
}

}  // namespace

void FillFromSummary(const nlohmann::json& summary, SweepIndexRow* row) {
  row->status = summary.value("status", std::string("completed"));
  row->rounds = summary.value("rounds", int64_t{0});
  row->nash_gap = Number(summary.value("nash_gap", nlohmann::json()));
  row->empirical_nash_gap = Number(summary.value("empirical_nash_gap", nlohmann::json()));
  row->seconds = Number(summary.value("elapsed_seconds", nlohmann::json()));
  const nlohmann::json players = summary.value("players", nlohmann::json::array());
  double sum = 0.0;
  double max = kNaN;
  int count = 0;
  for (const nlohmann::json& p : players) {
    const double r = Number(p.value("regret", nlohmann::json()));
    if (std::isnan(r)) continue;
    sum += r;
    ++count;
    max = std::isnan(max) ? r : std::max(max, r);
  }
  row->regret = count > 0 ? sum / count : kNaN;
  row->max_regret = max;
}

std::string SweepIndexCsv(const std::vector<SweepIndexRow>& rows) {
  std::string out = absl::StrJoin(kColumns, ",") + "\n";
  for (const SweepIndexRow& r : rows) {
    absl::StrAppend(&out, Quoted(r.cell), ",", Quoted(r.game), ",", Quoted(r.learner), ",",
                    Quoted(r.params), ",", r.seed, ",", Quoted(r.folder), ",", Quoted(r.status),
                    ",", r.rounds, ",", FormatDouble(r.regret), ",", FormatDouble(r.max_regret),
                    ",", FormatDouble(r.nash_gap), ",", FormatDouble(r.empirical_nash_gap), ",",
                    FormatDouble(r.seconds), "\n");
  }
  return out;
}

absl::StatusOr<std::vector<SweepIndexRow>> ReadSweepIndex(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), ": cannot read the index"));
  std::vector<SweepIndexRow> rows;
  std::string line;
  std::vector<std::string> f;
  int number = 0;
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ":", number, ": ", what));
  };
  while (std::getline(in, line)) {
    ++number;
    if (!SplitCsv(line, &f)) return error("unterminated quote");
    if (number == 1) {
      if (line != absl::StrJoin(kColumns, ",")) {
        return error(absl::StrCat("expected the header ", absl::StrJoin(kColumns, ",")));
      }
      continue;
    }
    if (f.size() != kNumColumns) {
      return error(absl::StrCat("expected ", kNumColumns, " fields, got ", f.size()));
    }
    SweepIndexRow r{.cell = f[0], .game = f[1], .learner = f[2], .params = f[3]};
    absl::StatusOr<uint64_t> seed = ParseUint64(f[4]);
    if (!seed.ok()) return error(absl::StrCat("seed: ", seed.status().message()));
    r.seed = *seed;
    r.folder = f[5];
    r.status = f[6];
    absl::StatusOr<int64_t> rounds = ParseInt64(f[7]);
    if (!rounds.ok()) return error(absl::StrCat("rounds: ", rounds.status().message()));
    r.rounds = *rounds;
    double* numbers[] = {&r.regret, &r.max_regret, &r.nash_gap, &r.empirical_nash_gap, &r.seconds};
    for (size_t k = 0; k < 5; ++k) {
      absl::StatusOr<double> x = NumberField(f[8 + k]);
      if (!x.ok()) return error(absl::StrCat(kColumns[8 + k], ": ", x.status().message()));
      *numbers[k] = *x;
    }
    if (r.folder.empty() || r.folder.find("..") != std::string::npos || r.folder.front() == '/') {
      return error("folder: must be a relative path inside the sweep folder");
    }
    rows.push_back(std::move(r));
  }
  if (number == 0) return error("empty index (expected a header line)");
  return rows;
}

}  // namespace nashnet::server

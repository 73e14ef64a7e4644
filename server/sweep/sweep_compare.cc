#include "server/sweep/sweep_compare.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "games/continuous_game.h"
#include "games/finite_game.h"
#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "server/report/report.h"
#include "server/report/rounds_reader.h"
#include "server/report/theory.h"
#include "server/sweep/sweep_index.h"

namespace nashnet::server {
namespace {

namespace fs = std::filesystem;

// P(Binomial(n, 1/2) <= k).
double BinomialHalfCdf(int n, int k) {
  double sum = 0.0;
  for (int j = 0; j <= k; ++j) {
    sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) -
                    n * std::log(2.0));
  }
  return std::min(1.0, sum);
}

// One finished cell read back.
struct CellData {
  SweepIndexRow row;
  std::string algorithm;
  LearnerTheory theory;
  std::vector<double> rounds;    // every recorded round
  std::vector<double> regret;    // mean over players of p<i>_regret at each
  double dynamic_regret = kNaN;  // mean over players of summary.json's dynamic_regret
  double variation = kNaN;       // rounds.csv's last `variation`
  double p1_rate = kNaN;         // FitConvergenceRate where P1 applies
  double delta = kNaN;
  std::string game_name;
  int players = 0;
  std::string feedback;
  std::optional<double> game_nu;  // ContinuousGame::variation_exponent
};

// Least-squares slope of y against x; NaN with fewer than 3 points or no spread in x.
double LeastSquaresSlope(const std::vector<std::pair<double, double>>& xy) {
  if (xy.size() < 3) return kNaN;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double m = static_cast<double>(xy.size());
  for (const auto& [x, y] : xy) sx += x, sy += y, sxx += x * x, sxy += x * y;
  const double denominator = m * sxx - sx * sx;
  if (!(denominator > 1e-12 * m * sxx)) return kNaN;
  return (m * sxy - sx * sy) / denominator;
}

// The mean over players of summary.json's players[].<key>; NaN when none is a number.
double MeanOverPlayers(const nlohmann::json& summary, const char* key) {
  double sum = 0.0;
  int count = 0;
  for (const nlohmann::json& p : summary.value("players", nlohmann::json::array())) {
    const nlohmann::json v = p.value(key, nlohmann::json());
    if (!v.is_number()) continue;
    sum += v.get<double>();
    ++count;
  }
  return count > 0 ? sum / count : kNaN;
}

// P1's rate of a cell (sweep_compare.h), when it applies.
void P1Rate(const RunPlan& plan, const RoundsTable& table, CellData* cell) {
  if (!cell->theory.step.has_value() || table.rows() < 3) return;
  if (plan.game->action_kind() != games::ActionKind::kFinite) return;
  const auto& game = static_cast<const games::FiniteGame&>(*plan.game);
  games::PureProfile profile;
  for (int p = 0; p < game.num_players(); ++p) {
    int best = -1;
    double best_x = -1;
    for (int a = 0; a < game.num_actions(p); ++a) {
      const std::vector<double>* x = table.Find(absl::StrCat("p", p, "_x", a));
      if (x == nullptr || !(x->back() > best_x)) continue;
      best = a;
      best_x = x->back();
    }
    if (best < 0) return;
    profile.push_back(best);
  }
  const std::vector<double>& distance = *table.Find("equilibrium_distance");
  if (!(distance.back() < kNearEquilibrium)) return;
  const std::optional<double> delta = StrictEquilibriumGap(game, profile);
  if (!delta.has_value()) return;
  // Every seat plays the sweep's learner: player 0's γ_t is everyone's.
  std::vector<double> gamma;
  double sum = 0.0;
  int64_t s = 0;
  for (double r : *table.Find("round")) {
    while (s < static_cast<int64_t>(r)) sum += (*cell->theory.step)(++s);
    gamma.push_back(sum);
  }
  cell->delta = *delta;
  cell->p1_rate = FitConvergenceRate(gamma, distance);
}

absl::StatusOr<CellData> ReadCell(const fs::path& dir, const SweepIndexRow& row) {
  CellData cell{.row = row};
  NASHNET_ASSIGN_OR_RETURN(RunFile file, ReadRunFile(dir / "spec.yaml"));
  absl::StatusOr<RunPlan> plan = PlanRun(file.spec, file.base_dir);
  if (!plan.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat((dir / "spec.yaml").string(), ": ", file.Annotate(plan.status()).message()));
  }
  NASHNET_ASSIGN_OR_RETURN(std::vector<LearnerTheory> theory, LearnerTheories(*plan));
  cell.theory = theory.front();
  cell.algorithm = plan->learners.front().algorithm;
  cell.game_name = plan->game->name();
  cell.players = plan->game->num_players();
  cell.feedback = std::string(FeedbackModelName(plan->spec.feedback().model()));
  NASHNET_ASSIGN_OR_RETURN(RoundsTable table,
                           ReadRoundsCsv(dir / "rounds.csv", RoundsCsvHeader(*plan->game), 0));
  cell.rounds = *table.Find("round");
  cell.regret.assign(cell.rounds.size(), 0.0);
  for (int p = 0; p < cell.players; ++p) {
    const std::vector<double>* r = table.Find(absl::StrCat("p", p, "_regret"));
    for (size_t k = 0; k < r->size(); ++k) cell.regret[k] += (*r)[k] / cell.players;
  }
  P1Rate(*plan, table, &cell);
  if (const std::vector<double>* v = table.Find("variation"); v != nullptr && !v->empty()) {
    cell.variation = v->back();
  }
  if (plan->game->action_kind() == games::ActionKind::kContinuous) {
    cell.game_nu = static_cast<const games::ContinuousGame&>(*plan->game).variation_exponent();
  }
  std::ifstream in(dir / "summary.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json summary = nlohmann::json::parse(text.str(), nullptr, false);
  if (summary.is_discarded() || !summary.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat((dir / "summary.json").string(), ": not a summary.json"));
  }
  FillFromSummary(summary, &cell.row);  // the numbers come from the record, not the index
  cell.dynamic_regret = MeanOverPlayers(summary, "dynamic_regret");
  return cell;
}

// The learner's line: order statistics over seeds at the plotted rows (seeds of one learner share
// a spec, hence the recorded rounds; rows beyond the shortest seed are dropped).
void Curve(const std::vector<const CellData*>& cells, int max_points, LearnerComparison* out) {
  size_t rows = cells.front()->rounds.size();
  for (const CellData* c : cells) rows = std::min(rows, c->rounds.size());
  for (int64_t k : SelectRows(static_cast<int64_t>(rows), max_points)) {
    std::vector<double> values;
    for (const CellData* c : cells) values.push_back(c->regret[k]);
    const MetricStats s = ComputeStats(std::move(values));
    out->rounds.push_back(cells.front()->rounds[k]);
    out->regret_curve.median.push_back(s.median);
    out->regret_curve.p25.push_back(s.p25);
    out->regret_curve.p75.push_back(s.p75);
    out->regret_curve.min.push_back(s.min);
    out->regret_curve.max.push_back(s.max);
  }
}

// The learner `label` of one game at one horizon, over its seeds.
LearnerComparison Compare(const std::string& label, int64_t horizon,
                          const std::vector<const CellData*>& members, int max_points) {
  const CellData& first = *members.front();
  LearnerComparison l{.learner = label,
                      .params = first.row.params,
                      .algorithm = first.algorithm,
                      .horizon = horizon,
                      .theory_exponent = first.theory.regret_exponent,
                      .theory_rate = first.theory.rate};
  std::vector<double> regret, dynamic, variation, gap, seconds, exponent, p1;
  for (const CellData* c : members) {
    l.seeds.push_back(c->row.seed);
    regret.push_back(c->row.regret);
    dynamic.push_back(c->dynamic_regret);
    variation.push_back(c->variation);
    gap.push_back(c->row.nash_gap);
    seconds.push_back(c->row.seconds);
    exponent.push_back(FitLogLogSlope(c->rounds, c->regret));
    p1.push_back(c->p1_rate);
    if (std::isnan(l.delta) && std::isfinite(c->delta)) l.delta = c->delta;
  }
  l.regret = ComputeMedianInterval(regret);
  l.dynamic_regret = ComputeMedianInterval(dynamic);
  l.variation = ComputeMedianInterval(variation);
  l.nash_gap = ComputeMedianInterval(gap);
  l.seconds = ComputeMedianInterval(seconds);
  l.exponent = ComputeMedianInterval(exponent);
  l.p1_rate = ComputeMedianInterval(p1);
  Curve(members, max_points, &l);
  return l;
}

// The learner `label` of one game across its horizons (sweep_compare.h): the medians of
// `at_horizons` (its comparison at each T, increasing), and per seed the slopes of its cells'
// final R, R_dyn and V_T against T.
HorizonFit FitAcrossHorizons(std::span<const LearnerComparison> at_horizons,
                             const std::vector<const CellData*>& members) {
  // The cell at the largest horizon carries the theory (the exponents do not depend on T).
  const CellData* last = members.front();
  for (const CellData* c : members) {
    if (c->row.rounds > last->row.rounds) last = c;
  }
  HorizonFit fit{.learner = at_horizons.front().learner,
                 .algorithm = last->algorithm,
                 .theory_exponent = last->theory.regret_exponent,
                 .theory_dynamic_exponent = last->theory.dynamic_regret_exponent,
                 .game_nu = last->game_nu};
  for (const LearnerComparison& l : at_horizons) {
    fit.horizons.push_back(l.horizon);
    fit.regret.push_back(l.regret.median);
    fit.dynamic_regret.push_back(l.dynamic_regret.median);
    fit.variation.push_back(l.variation.median);
  }
  std::map<uint64_t, std::vector<const CellData*>> by_seed;
  for (const CellData* c : members) by_seed[c->row.seed].push_back(c);
  std::vector<double> regret_slopes, dynamic_slopes, variation_slopes;
  for (const auto& [seed, cells] : by_seed) {
    std::vector<double> t, regret, dynamic, variation;
    for (const CellData* c : cells) {
      t.push_back(static_cast<double>(c->row.rounds));
      regret.push_back(c->row.regret);
      dynamic.push_back(c->dynamic_regret);
      variation.push_back(c->variation);
    }
    regret_slopes.push_back(FitPowerLaw(t, regret));
    dynamic_slopes.push_back(FitPowerLaw(t, dynamic));
    variation_slopes.push_back(FitPowerLaw(t, variation));
  }
  fit.regret_exponent = ComputeMedianInterval(regret_slopes);
  fit.dynamic_exponent = ComputeMedianInterval(dynamic_slopes);
  fit.variation_exponent = ComputeMedianInterval(variation_slopes);
  return fit;
}

}  // namespace

MedianInterval ComputeMedianInterval(std::vector<double> values, double confidence) {
  values.erase(
      std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
      values.end());
  MedianInterval out;
  out.n = static_cast<int>(values.size());
  if (out.n == 0) return out;
  out.median = ComputeStats(values).median;
  std::sort(values.begin(), values.end());
  const int n = out.n;
  int k = 1;
  for (int j = 1; j <= n / 2; ++j) {
    if (2.0 * BinomialHalfCdf(n, j - 1) <= 1.0 - confidence) k = j;
  }
  out.lo = values[k - 1];
  out.hi = values[n - k];
  out.coverage = n == 1 ? 0.0 : std::max(0.0, 1.0 - 2.0 * BinomialHalfCdf(n, k - 1));
  return out;
}

double FitConvergenceRate(const std::vector<double>& gamma, const std::vector<double>& distance) {
  std::vector<std::pair<double, double>> xy;
  for (size_t i = 0; i < gamma.size() && i < distance.size(); ++i) {
    const double d = distance[i];
    if (!(d > 0.0) || !(d < kNearEquilibrium) || !std::isfinite(gamma[i])) continue;
    xy.emplace_back(gamma[i], std::log(d));
  }
  return -LeastSquaresSlope(xy);
}

double FitLogLogSlope(const std::vector<double>& t, const std::vector<double>& y, int points) {
  if (t.empty() || t.size() != y.size() || points < 3) return kNaN;
  const double t_max = t.back();
  const double t_min = t_max / 100.0;
  if (!(t_max > t_min) || !(t_min > 0)) return kNaN;
  // Targets evenly spaced in ln t; each takes the first recorded round at or after it.
  std::vector<double> chosen_t, chosen_y;
  const double l0 = std::log(t_min), l1 = std::log(t_max);
  size_t k = 0;
  for (int i = 0; i < points; ++i) {
    const double target = std::exp(l0 + (l1 - l0) * i / (points - 1));
    while (k < t.size() && t[k] < target * (1 - 1e-12)) ++k;
    if (k >= t.size()) break;
    if (chosen_t.empty() || chosen_t.back() != t[k]) {
      chosen_t.push_back(t[k]);
      chosen_y.push_back(y[k]);
    }
  }
  return FitPowerLaw(chosen_t, chosen_y);
}

double FitPowerLaw(const std::vector<double>& t, const std::vector<double>& y) {
  std::vector<std::pair<double, double>> xy;
  for (size_t i = 0; i < t.size() && i < y.size(); ++i) {
    if (!(t[i] > 0.0) || !std::isfinite(t[i]) || !(y[i] > 0.0) || !std::isfinite(y[i])) continue;
    xy.emplace_back(std::log(t[i]), std::log(y[i]));
  }
  return LeastSquaresSlope(xy);
}

absl::StatusOr<SweepComparison> CompareSweep(const fs::path& dir, int max_points) {
  NASHNET_ASSIGN_OR_RETURN(std::vector<SweepIndexRow> index, ReadSweepIndex(dir / "index.csv"));
  SweepComparison out;
  out.name = fs::absolute(dir).lexically_normal().filename().string();
  if (out.name.empty()) out.name = fs::absolute(dir).lexically_normal().parent_path().filename();
  out.cells = static_cast<int>(index.size());
  std::vector<CellData> cells;
  std::error_code ec;
  for (const SweepIndexRow& row : index) {
    const fs::path cell_dir = dir / row.folder;
    if (!fs::exists(cell_dir / "summary.json", ec)) {
      out.unfinished.push_back(row.cell);
      continue;
    }
    NASHNET_ASSIGN_OR_RETURN(CellData cell, ReadCell(cell_dir, row));
    if (cell.row.status != "completed") {
      out.unfinished.push_back(row.cell);
      continue;
    }
    cells.push_back(std::move(cell));
  }
  // Group by game, then learner, in the index's order.
  std::map<std::string, size_t> game_at;
  std::vector<std::vector<std::pair<std::string, std::vector<const CellData*>>>> groups;
  for (const CellData& c : cells) {
    auto [git, new_game] = game_at.emplace(c.row.game, out.games.size());
    if (new_game) {
      out.games.push_back({.game = c.row.game,
                           .game_name = c.game_name,
                           .players = c.players,
                           .feedback = c.feedback,
                           .rounds = c.row.rounds});
      groups.emplace_back();
    }
    auto& learners = groups[git->second];
    auto lit = std::find_if(learners.begin(), learners.end(),
                            [&](const auto& l) { return l.first == c.row.learner; });
    if (lit == learners.end()) {
      learners.push_back({c.row.learner, {}});
      lit = std::prev(learners.end());
    }
    lit->second.push_back(&c);
  }
  for (size_t g = 0; g < out.games.size(); ++g) {
    for (const auto& [label, members] : groups[g]) {
      std::vector<int64_t> horizons;
      for (const CellData* c : members) horizons.push_back(c->row.rounds);
      std::sort(horizons.begin(), horizons.end());
      horizons.erase(std::unique(horizons.begin(), horizons.end()), horizons.end());
      std::vector<LearnerComparison>& learners = out.games[g].learners;
      for (int64_t horizon : horizons) {
        std::vector<const CellData*> at;
        for (const CellData* c : members) {
          if (c->row.rounds == horizon) at.push_back(c);
        }
        learners.push_back(Compare(label, horizon, at, max_points));
      }
      if (horizons.size() >= 3) {
        const std::span<const LearnerComparison> mine(learners.end() - horizons.size(),
                                                      learners.end());
        out.games[g].horizon_fits.push_back(FitAcrossHorizons(mine, members));
      }
    }
  }
  return out;
}

}  // namespace nashnet::server

#include "server/admission.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agents/learner_cost.h"
#include "games/catalogue/registry.h"
#include "games/footprint.h"
#include "games/nfg.h"
#include "nashnet/v1/journal.pb.h"
#include "server/local_seat.h"
#include "server/seat.h"
#include "server/simulation.h"

namespace nashnet::server {
namespace {

using games::DoublesBytes;
using games::HeapBytes;

constexpr int64_t kEigenVectorBytes = 16;  // sizeof(Eigen::VectorXd): data pointer and size
constexpr int64_t kEigenMatrixBytes = 24;  // sizeof(Eigen::MatrixXd)
constexpr int64_t kMapNodeBytes = 96;      // HeapBytes of a std::map<std::string, double> node
// RoundLoop::Slot (server/round_loop.h): three SeatPlays (this round's, the last, the default),
// two optional time points, flags and counters.
constexpr int64_t kSlotBytes = 3 * static_cast<int64_t>(sizeof(SeatPlay)) + 96;
// A hosted game's HostedGame::Seat (server/service/hosted_game_internal.h): two LearnerSpec
// messages, the agent's name and token, counters, and a std::deque of History messages, for which
// libstdc++ allocates an empty map and a first 512-byte node up front; measured with
// tests/service/admission_estimate_test.cc.
constexpr int64_t kHostedSeatBytes = 1024;
// The rest of a game, whatever its size: the match, loop, record and host objects, the spec and
// its YAML, journal and record buffers (the journal batch is handed over at 64 KiB), timers.
constexpr int64_t kHostedGameBaseBytes = 160 << 10;
constexpr int64_t kSimulatedGameBaseBytes = 16 << 10;
// One number in rounds.csv ("%.17g" and a comma) and in the journal (a tag and a double).
constexpr int64_t kCsvNumberBytes = 24;
constexpr int64_t kJournalNumberBytes = 9;
// The journal's per-seat messages (JournalSeatPlay, its Action and Feedback) as protobuf holds
// them in the reused JournalRound.
constexpr int64_t kJournalSeatBytes = HeapBytes(sizeof(v1::JournalSeatPlay)) +
                                      HeapBytes(sizeof(v1::Action)) +
                                      HeapBytes(sizeof(v1::Feedback)) + 64;

// The metric grid's points per player in dimension d (server/match_metrics.cc).
int64_t GridPoints(int d) {
  int64_t m = 1;
  const int per_axis =
      d == 1
          ? 512
          : (d == 2 ? 32
                    : std::max(1, static_cast<int>(std::floor(std::pow(4096.0, 1.0 / d) + 1e-9))));
  for (int k = 0; k < d; ++k) m *= per_axis;
  return m;
}

// Sub-cells per reported cell when the trackers price a cell strategy (q^d, q = 8, 2, 2, 1).
int64_t SubCells(int d) {
  const int q = d == 1 ? 8 : (d <= 3 ? 2 : 1);
  int64_t sub = 1;
  for (int k = 0; k < d; ++k) sub *= q;
  return sub;
}

agents::FeedbackModel FeedbackOf(const v1::RunSpec& spec) {
  switch (spec.feedback().model()) {
    case v1::FEEDBACK_MODEL_NOISY:
      return agents::FeedbackModel::kNoisy;
    case v1::FEEDBACK_MODEL_COUNTERFACTUAL:
      return agents::FeedbackModel::kCounterfactual;
    case v1::FEEDBACK_MODEL_BANDIT:
      return agents::FeedbackModel::kBandit;
    default:
      return agents::FeedbackModel::kFull;  // unspecified (the default) or invalid (PlanRun says)
  }
}

// The game's footprint, with PlanRun's field names on errors.
absl::StatusOr<games::GameFootprint> FootprintOf(const v1::RunSpec& spec,
                                                 const CostOptions& options, std::string* base) {
  const v1::GameSpec& game = spec.game();
  if (!game.nfg().empty()) {
    *base = "game.nfg";
    absl::StatusOr<games::GameFootprint> f =
        games::NfgFootprint(game.nfg(), game.name().empty() ? "game.nfg" : game.name(),
                            static_cast<int64_t>(game.nfg().size()));
    if (!f.ok())
      return absl::InvalidArgumentError(absl::StrCat("game.nfg: ", f.status().message()));
    return f;
  }
  if (game.name().empty()) return absl::InvalidArgumentError("game.name: missing");
  if (options.hosted && absl::EndsWithIgnoreCase(game.name(), ".nfg")) {
    // A coordinator opens no game path: the text travels in game.nfg (PlanRun says so too).
    return absl::InvalidArgumentError(
        absl::StrCat("game.name: ", game.name(), " is a game file; its text goes in game.nfg"));
  }
  const games::GameParams params(game.params().begin(), game.params().end());
  absl::StatusOr<games::GameFootprint> f = games::LoadFootprint(
      games::BuiltinGameRegistry(), game.name(), params, options.base_dir.string());
  if (!f.ok()) {
    const bool name_fault = absl::IsNotFound(f.status()) || params.empty();
    return absl::InvalidArgumentError(
        absl::StrCat(name_fault ? "game.name" : "game.params", ": ", f.status().message()));
  }
  *base = absl::EndsWithIgnoreCase(game.name(), ".nfg") ? "game.name" : "game.params";
  return f;
}

// The view a learner of a player with `actions` actions (finite) or a d-dimensional box sees.
agents::PlayerView ViewFor(const games::GameFootprint& f, int64_t actions,
                           agents::FeedbackModel feedback, int64_t horizon) {
  agents::PlayerView view;
  view.num_players = static_cast<int>(std::min<int64_t>(f.players, 1 << 30));
  view.feedback = feedback;
  view.horizon = horizon;
  view.payoff_range = {0.0, 1.0};
  if (f.kind == games::ActionKind::kFinite) {
    view.num_actions = static_cast<int>(std::min<int64_t>(actions, 1 << 30));
  } else {
    view.box.lower = Eigen::VectorXd::Zero(f.dimension);
    view.box.upper = Eigen::VectorXd::Ones(f.dimension);
  }
  return view;
}

struct PricedLearner {
  agents::LearnerCost cost;
  std::string algorithm;
  std::string path;  // "learner" or "players[i]"
  int64_t param_nodes = 0;
};

// Prices a learner (leniently: a learner that cannot be priced costs nothing; PlanRun will
// refuse it before building it).
PricedLearner Price(const std::string& algorithm, const agents::LearnerParams& params,
                    const agents::PlayerView& view, std::string path) {
  PricedLearner priced;
  priced.algorithm = algorithm;
  priced.path = std::move(path);
  priced.param_nodes = static_cast<int64_t>(params.size());
  absl::StatusOr<agents::LearnerCost> cost = agents::EstimateLearnerCost(algorithm, params, view);
  if (cost.ok()) priced.cost = *cost;
  return priced;
}

}  // namespace

absl::StatusOr<GameCost> EstimateGameCost(const v1::RunSpec& spec, const CostOptions& options) {
  std::string base;
  absl::StatusOr<games::GameFootprint> footprint = FootprintOf(spec, options, &base);
  if (!footprint.ok()) return footprint.status();
  const games::GameFootprint& f = *footprint;
  const bool finite = f.kind == games::ActionKind::kFinite;
  const int64_t n = f.players;
  const int d = f.dimension;
  const agents::FeedbackModel feedback = FeedbackOf(spec);
  const bool bandit = feedback == agents::FeedbackModel::kBandit;
  const int64_t horizon = std::max<int64_t>(spec.rounds(), 0);

  // Which seats run a learner here.
  std::set<int64_t> listed;
  if (options.hosted) {
    for (int s : spec.service().local_seats()) {
      if (s >= 0 && s < n) listed.insert(s);
    }
  }
  const int64_t num_local = options.hosted ? static_cast<int64_t>(listed.size()) : n;
  const int64_t num_remote = n - num_local;
  const auto is_local = [&](int64_t i) { return !options.hosted || listed.contains(i); };

  // The learners: the spec's (every player without an override) priced once per action count,
  // each local override on its own (with the largest action count: a conservative price).
  std::string default_algorithm = spec.learner().algorithm();
  if (default_algorithm.empty())
    default_algorithm = !finite ? "hda" : bandit ? "bandit-hedge" : "hedge";
  const agents::LearnerParams default_params(spec.learner().params().begin(),
                                             spec.learner().params().end());
  std::vector<PricedLearner> overrides;
  int64_t override_players = 0;  // players with an override (local or not)
  const int64_t listed_players = std::min<int64_t>(spec.players_size(), n);
  for (int i = 0; i < listed_players; ++i) {
    const v1::LearnerSpec& own = spec.players(i);
    if (own.algorithm().empty() && own.params().empty()) continue;
    ++override_players;
    if (!is_local(i)) continue;  // an agent plays it, with whatever learner it brings
    agents::LearnerParams params;
    if (own.algorithm().empty()) params = default_params;
    for (const auto& [name, value] : own.params()) params[name] = value;
    overrides.push_back(Price(own.algorithm().empty() ? default_algorithm : own.algorithm(), params,
                              ViewFor(f, f.max_actions(), feedback, horizon),
                              absl::StrCat("players[", i, "]")));
  }
  const double local_default_share =
      n > 0 ? static_cast<double>(
                  std::max<int64_t>(num_local - static_cast<int64_t>(overrides.size()), 0)) /
                  static_cast<double>(n)
            : 0.0;
  // Action groups of a continuous game: one group of every player.
  std::vector<std::pair<int64_t, int64_t>> groups = f.action_groups;
  if (!finite) groups = {{0, n}};

  GameCost cost;
  cost.game_bytes = f.game_bytes;
  double learner_work = 0.0;
  const PricedLearner* costliest = nullptr;  // the learner with the most bytes in all
  double costliest_bytes = 0.0;
  int64_t reported_cells = 0;  // continuous: the largest strategy the trackers price
  double learner_bytes = 0.0;
  std::vector<PricedLearner> defaults;
  defaults.reserve(groups.size());
  for (const auto& [actions, count] : groups) {
    defaults.push_back(Price(default_algorithm, default_params,
                             ViewFor(f, actions, feedback, horizon), "learner"));
    const PricedLearner& p = defaults.back();
    const double players = static_cast<double>(count) * local_default_share;
    const double bytes = static_cast<double>(p.cost.bytes) * players;
    learner_bytes += bytes;
    learner_work +=
        players * (p.cost.round_work + static_cast<double>(p.cost.payoff_calls) *
                                           (f.against_call_work + f.against_point_work));
    if (bytes > costliest_bytes) costliest_bytes = bytes, costliest = &p;
    reported_cells = std::max(reported_cells, p.cost.strategy_size);
  }
  for (const PricedLearner& p : overrides) {
    learner_bytes += static_cast<double>(p.cost.bytes);
    learner_work += p.cost.round_work + static_cast<double>(p.cost.payoff_calls) *
                                            (f.against_call_work + f.against_point_work);
    if (static_cast<double>(p.cost.bytes) > costliest_bytes) {
      costliest_bytes = static_cast<double>(p.cost.bytes);
      costliest = &p;
    }
    reported_cells = std::max(reported_cells, p.cost.strategy_size);
  }
  learner_bytes += static_cast<double>(num_local * HeapBytes(sizeof(LocalSeat)));
  cost.learner_bytes = static_cast<int64_t>(std::min(learner_bytes, 9e18));

  // Trackers, seats and the record, per player (by action group).
  const int64_t point = kEigenVectorBytes + DoublesBytes(d);  // one point in R^d
  double trackers = 0.0;
  double seats = 0.0;
  double work = f.payoff_work + learner_work;
  const int64_t param_nodes =
      static_cast<int64_t>(default_params.size()) * kMapNodeBytes;  // a learner spec's params
  for (const auto& [actions, count] : groups) {
    const double players = static_cast<double>(count);
    const int64_t entries = finite ? actions : d;  // a strategy (finite) or a point's size
    const int64_t entry_vector = kEigenVectorBytes + DoublesBytes(entries);
    int64_t tracker = 0;
    if (finite) {
      // x, v(x), v(a) in the match; Σv(x), Σv(a), Σx, last x in the trackers; a snapshot's mean
      // and its payoff vectors; four running sums, the action and its flag.
      tracker = 9 * entry_vector + 4 * 8 + 8;
      work += players * 12.0 * static_cast<double>(actions);
    } else {
      const int64_t m = GridPoints(d);
      // The grid (d×m), Σ, now and previous payoffs (m each), the last point, four running sums;
      // the match's point, box, reported strategy, noise stream; the equilibrium point.
      tracker = kEigenMatrixBytes + DoublesBytes(int64_t{d} * m) +
                3 * (kEigenVectorBytes + DoublesBytes(m)) + point + 4 * 8 + point + 2 * point +
                static_cast<int64_t>(sizeof(agents::MixedStrategy)) + 8 + 48 + 8 +
                (f.has_equilibrium_point ? point : 0);
      if (reported_cells > 0) {
        tracker += DoublesBytes(reported_cells) + 2 * DoublesBytes(int64_t{d} * reported_cells);
      }
      work += players *
              (f.against_call_work + static_cast<double>(m) * (f.against_point_work + 3.0) +
               (reported_cells > 0 ? f.against_call_work + static_cast<double>(reported_cells) *
                                                               static_cast<double>(SubCells(d)) *
                                                               (f.against_point_work + 2.0)
                                   : 0.0));
    }
    // The loop's slot and feedback (a payoff vector for finite games but under bandit
    // feedback), the plan's learner spec, the latest metrics, the summary, a queued row.
    int64_t seat = kSlotBytes + static_cast<int64_t>(sizeof(agents::Feedback)) + 8 +
                   (finite && !bandit ? DoublesBytes(actions) : 0) +
                   static_cast<int64_t>(sizeof(PlayerLearnerSpec)) + param_nodes +
                   2 * (static_cast<int64_t>(sizeof(PlayerRoundMetrics)) + DoublesBytes(entries)) +
                   static_cast<int64_t>(sizeof(PlayerSummary)) + DoublesBytes(entries) +
                   param_nodes +
                   // rounds.csv text: six metrics and the strategy or point, a buffer that grows
                   // by doubling (1.5× on average)
                   3 * (6 + entries) * kCsvNumberBytes / 2;
    if (options.hosted) {
      // The journal's record of the round: the seat's messages and their serialised bytes.
      seat += kJournalSeatBytes + 2 * DoublesBytes(entries) +
              3 * (8 + 2 * entries) * kJournalNumberBytes / 2 + kHostedSeatBytes;
    }
    trackers += players * static_cast<double>(tracker);
    seats += players * static_cast<double>(seat);
    work += players * (40.0 + 6.0 * static_cast<double>(entries));  // the loop, record, journal
    (void)entry_vector;
  }
  if (!finite && reported_cells > 0) {
    // The trackers' scratch for pricing a cell strategy: sub-cell midpoints and their payoffs.
    const int64_t points = reported_cells * SubCells(d);
    trackers += static_cast<double>(DoublesBytes(int64_t{d} * points) + DoublesBytes(points));
  }
  if (options.hosted && num_remote > 0) {
    // A remote seat's default play, its last play (repeat_last), token and RemoteSeat object.
    const int64_t entries = finite ? f.max_actions() : d;
    seats += static_cast<double>(num_remote) *
             static_cast<double>(2 * DoublesBytes(entries) + HeapBytes(33) + HeapBytes(32));
  }
  (void)override_players;
  cost.tracker_bytes = static_cast<int64_t>(std::min(trackers, 9e18));
  cost.seat_bytes = static_cast<int64_t>(std::min(seats, 9e18)) +
                    (options.hosted ? kHostedGameBaseBytes : kSimulatedGameBaseBytes);
  cost.round_work = work;

  // What makes it big: a learner's size parameter when the learners hold most of it, else the
  // game's size parameters.
  const bool learners_dominate =
      2 * cost.learner_bytes > cost.total_bytes() || 2.0 * learner_work > cost.round_work;
  if (learners_dominate && costliest != nullptr && !costliest->cost.size_param.empty()) {
    cost.field = absl::StrCat(costliest->path, ".params.", costliest->cost.size_param);
    cost.label = absl::StrCat(f.label, ", ", costliest->algorithm, " with ",
                              costliest->cost.strategy_size, " cells per player");
    return cost;
  }
  cost.label = f.label;
  if (base == "game.params" && !f.size_params.empty()) {
    std::vector<std::string> fields;
    for (const std::string& p : f.size_params) fields.push_back(absl::StrCat(base, ".", p));
    cost.field = absl::StrJoin(fields, " and ");
  } else {
    cost.field = base == "game.params" ? "game.name" : base;
  }
  return cost;
}

absl::Status GameLimits::Validate() const {
  if (max_game_bytes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-game-bytes: must be >= 1, got ", max_game_bytes));
  }
  if (!(max_round_work >= 1.0) || !std::isfinite(max_round_work)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-round-work: must be a finite number >= 1, got ", max_round_work));
  }
  return absl::OkStatus();
}

absl::Status CheckGameLimits(const GameCost& cost, const GameLimits& limits) {
  if (cost.total_bytes() > limits.max_game_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(cost.field, ": ", cost.label, " needs ", ApproximateBytes(cost.total_bytes()),
                     " (estimate), more than --max-game-bytes ", limits.max_game_bytes));
  }
  if (cost.round_work > limits.max_round_work) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s: %s needs ~%.2g operations per round (estimate), more than --max-round-work %.17g",
        cost.field, cost.label, cost.round_work, limits.max_round_work));
  }
  return absl::OkStatus();
}

std::string ApproximateBytes(int64_t bytes) {
  constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000.0 && unit < 6) {
    value /= 1000.0;
    ++unit;
  }
  if (unit == 0) return absl::StrCat(bytes, " B");
  return absl::StrFormat("~%.*f %s", value < 10.0 ? 1 : 0, value, kUnits[unit]);
}

}  // namespace nashnet::server

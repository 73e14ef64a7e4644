#include "server/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "games/catalogue/registry.h"
#include "games/nfg.h"
#include "games/normal_form_game.h"
#include "server/game_file.h"
#include "server/local_seat.h"
#include "server/round_loop.h"

namespace nashnet::server {
namespace {

constexpr int64_t kMaxRounds = 10'000'000'000;  // 10^10
constexpr int32_t kMaxSeeds = 1'000'000;        // the same cap for run files, flags and the service
constexpr char kDefaultFiniteLearner[] = "hedge";
constexpr char kDefaultBanditLearner[] = "bandit-hedge";
// Continuous games have no use for Hedge; their default is hierarchical dual averaging.
constexpr char kDefaultContinuousLearner[] = "hda";

absl::Status WithField(const absl::Status& status, absl::string_view field) {
  return absl::Status(status.code(), absl::StrCat(field, ": ", status.message()));
}

absl::StatusOr<agents::FeedbackModel> ToFeedbackModel(v1::FeedbackModel model) {
  switch (model) {
    case v1::FEEDBACK_MODEL_UNSPECIFIED:
    case v1::FEEDBACK_MODEL_FULL:
      return agents::FeedbackModel::kFull;
    case v1::FEEDBACK_MODEL_NOISY:
      return agents::FeedbackModel::kNoisy;
    case v1::FEEDBACK_MODEL_COUNTERFACTUAL:
      return agents::FeedbackModel::kCounterfactual;
    case v1::FEEDBACK_MODEL_BANDIT:
      return agents::FeedbackModel::kBandit;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("feedback.model: unknown value ", static_cast<int>(model)));
  }
}

v1::FeedbackModel ToProto(agents::FeedbackModel model) {
  switch (model) {
    case agents::FeedbackModel::kFull:
      return v1::FEEDBACK_MODEL_FULL;
    case agents::FeedbackModel::kNoisy:
      return v1::FEEDBACK_MODEL_NOISY;
    case agents::FeedbackModel::kCounterfactual:
      return v1::FEEDBACK_MODEL_COUNTERFACTUAL;
    case agents::FeedbackModel::kBandit:
      return v1::FEEDBACK_MODEL_BANDIT;
  }
  return v1::FEEDBACK_MODEL_FULL;
}

// Finds the catalogue entry of `algorithm`, or explains why not (naming `field`).
absl::StatusOr<const agents::LearnerInfo*> FindLearner(const std::string& algorithm, bool finite,
                                                       absl::string_view field) {
  std::vector<std::string> fitting;
  const agents::LearnerInfo* found = nullptr;
  for (const agents::LearnerInfo& info : agents::LearnerCatalogue()) {
    if (info.finite == finite) fitting.push_back(info.name);
    if (info.name == algorithm) found = &info;
  }
  const std::string kind = finite ? "finite" : "continuous";
  if (found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": unknown algorithm '", algorithm,
                                                   "' (known for ", kind,
                                                   " games: ", absl::StrJoin(fitting, ", "), ")"));
  }
  if (found->finite != finite) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", algorithm, " is not for ", kind,
                     " action sets (use one of: ", absl::StrJoin(fitting, ", "), ")"));
  }
  return found;
}

// Resolves player i's learner from `learner` and `players[i]`, checks it and builds it once for
// `view`. Errors name the field path.
absl::StatusOr<PlayerLearnerSpec> ResolveLearner(const v1::RunSpec& spec, int i, bool finite,
                                                 const agents::PlayerView& view) {
  const bool has_override = i < spec.players_size();
  const v1::LearnerSpec* own = has_override ? &spec.players(i) : nullptr;
  const bool own_algorithm = own != nullptr && !own->algorithm().empty();
  const std::string player_path = absl::StrCat("players[", i, "]");

  PlayerLearnerSpec result;
  // Where each parameter came from, for error paths.
  std::map<std::string, std::string> param_path;
  if (own_algorithm) {
    result.algorithm = own->algorithm();
  } else {
    result.algorithm = spec.learner().algorithm();
    for (const auto& [name, value] : spec.learner().params()) {
      result.params[name] = value;
      param_path[name] = absl::StrCat("learner.params.", name);
    }
  }
  if (own != nullptr) {
    for (const auto& [name, value] : own->params()) {
      result.params[name] = value;
      param_path[name] = absl::StrCat(player_path, ".params.", name);
    }
  }
  const std::string algorithm_path =
      own_algorithm ? absl::StrCat(player_path, ".algorithm") : std::string("learner.algorithm");
  NASHNET_ASSIGN_OR_RETURN(const agents::LearnerInfo* info,
                           FindLearner(result.algorithm, finite, algorithm_path));
  for (const auto& [name, value] : result.params) {
    if (std::find(info->params.begin(), info->params.end(), name) == info->params.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(param_path[name], ": unknown parameter of ", result.algorithm,
                       " (its parameters: ", absl::StrJoin(info->params, ", "), ")"));
    }
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(param_path[name], ": must be finite"));
    }
  }
  auto learner = agents::MakeLearner(result.algorithm, result.params, view);
  if (!learner.ok()) {
    // Name the parameter the learner complains about (the longest name its message mentions).
    std::string path = own != nullptr ? player_path : std::string("learner");
    size_t best = 0;
    for (const auto& [name, value] : result.params) {
      if (name.size() > best && learner.status().message().find(name) != absl::string_view::npos) {
        best = name.size();
        path = param_path[name];
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", learner.status().message()));
  }
  return result;
}

// The game of `game`: parsed from its .nfg text, or made from the catalogue. Never reads a file.
absl::StatusOr<std::shared_ptr<const games::Game>> BuildGame(const v1::GameSpec& game) {
  if (game.name().empty()) return absl::InvalidArgumentError("game.name: missing");
  if (game.nfg().empty()) {
    if (IsGameFilePath(game.name())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "game.nfg: missing: a game file travels with the spec; `nashnet create`/`run` read it "
          "for you (game.name '",
          game.name(), "' is a path)"));
    }
    games::GameParams params(game.params().begin(), game.params().end());
    auto made = games::BuiltinGameRegistry().Make(game.name(), params);
    if (!made.ok()) {
      const bool name_fault = absl::IsNotFound(made.status()) || params.empty();
      return absl::InvalidArgumentError(
          absl::StrCat(name_fault ? "game.name" : "game.params", ": ", made.status().message()));
    }
    return *std::move(made);
  }
  NASHNET_RETURN_IF_ERROR(CheckNfgSize(static_cast<int64_t>(game.nfg().size()), "game.nfg"));
  if (absl::StrContains(game.name(), '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("game.name: '", game.name(),
                     "' is a path; with game.nfg set the name is only a label (the file's name)"));
  }
  if (!game.params().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "game.params: a .nfg game takes no parameters (got ", game.params_size(), ")"));
  }
  // The reader's own positions, prefixed with the field: "game.nfg:3:14: expected a number".
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const games::NormalFormGame> parsed,
                           games::ParseNfg(game.nfg(), "game.nfg"));
  return std::shared_ptr<const games::Game>(std::move(parsed));
}

}  // namespace

absl::StatusOr<RunPlan> PlanRun(const v1::RunSpec& spec, const std::filesystem::path& base_dir) {
  if (spec.game().nfg().empty() && IsGameFilePath(spec.game().name())) {
    v1::RunSpec with_text = spec;
    NASHNET_RETURN_IF_ERROR(EmbedGameFile(base_dir, with_text.mutable_game()));
    return PlanRun(with_text);
  }
  return PlanRun(spec);
}

absl::StatusOr<RunPlan> PlanRun(const v1::RunSpec& spec) {
  RunPlan plan;
  plan.spec = spec;
  v1::RunSpec& s = plan.spec;

  if (s.rounds() < 1 || s.rounds() > kMaxRounds) {
    return absl::InvalidArgumentError(
        absl::StrCat("rounds: must be in [1, 10^10], got ", s.rounds()));
  }
  if (s.seeds() < 0 || s.seeds() > kMaxSeeds) {
    return absl::InvalidArgumentError(
        absl::StrCat("seeds: must be in [0, ", kMaxSeeds, "], got ", s.seeds()));
  }
  if (s.seeds() == 0) s.set_seeds(1);
  if (s.seed() > std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(s.seeds() - 1)) {
    return absl::InvalidArgumentError(absl::StrCat("seed: ", s.seed(), " + seeds - 1 overflows ",
                                                   "a 64-bit seed; choose a smaller first seed"));
  }
  if (s.record_every() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("record_every: must be >= 0, got ", s.record_every()));
  }
  if (s.record_every() == 0) s.set_record_every(1);
  // Every number a spec carries is finite, used or not: `learner` may be overridden for every
  // player and never resolved, and spec.yaml (which must read back) cannot say nan or inf.
  auto check_finite = [](const v1::LearnerSpec& learner, const std::string& path) -> absl::Status {
    for (const auto& [name, value] : learner.params()) {
      if (!std::isfinite(value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".params.", name, ": must be finite, got ", value));
      }
    }
    return absl::OkStatus();
  };
  NASHNET_RETURN_IF_ERROR(check_finite(s.learner(), "learner"));
  for (int i = 0; i < s.players_size(); ++i) {
    NASHNET_RETURN_IF_ERROR(check_finite(s.players(i), absl::StrCat("players[", i, "]")));
  }

  NASHNET_ASSIGN_OR_RETURN(plan.match.feedback, ToFeedbackModel(s.feedback().model()));
  s.mutable_feedback()->set_model(ToProto(plan.match.feedback));
  switch (s.feedback().noise()) {
    case v1::NOISE_DISTRIBUTION_UNSPECIFIED:
    case v1::NOISE_DISTRIBUTION_GAUSSIAN:
      plan.match.noise = NoiseDistribution::kGaussian;
      s.mutable_feedback()->set_noise(v1::NOISE_DISTRIBUTION_GAUSSIAN);
      break;
    case v1::NOISE_DISTRIBUTION_UNIFORM:
      plan.match.noise = NoiseDistribution::kUniform;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("feedback.noise: unknown value ", static_cast<int>(s.feedback().noise())));
  }
  plan.match.sigma = s.feedback().sigma();
  plan.match.rounds = s.rounds();
  plan.match.seed = s.seed();
  if (absl::Status st = plan.match.Validate(); !st.ok()) {
    // Rounds were checked above; Validate's other messages start with the feedback field's name
    // ("sigma: ...", "noise: ...", "model: ...").
    return absl::InvalidArgumentError(absl::StrCat("feedback.", st.message()));
  }

  NASHNET_ASSIGN_OR_RETURN(plan.game, BuildGame(s.game()));
  const int num_players = plan.game->num_players();
  const bool finite = plan.game->action_kind() == games::ActionKind::kFinite;
  if (s.players_size() > num_players) {
    return absl::InvalidArgumentError(absl::StrCat("players: ", s.players_size(),
                                                   " entries, but game ", plan.game->name(),
                                                   " has ", num_players, " players"));
  }
  if (s.learner().algorithm().empty()) {
    // Hedge needs payoff vectors: under bandit feedback a finite game defaults to bandit-hedge.
    const bool bandit = plan.match.feedback == agents::FeedbackModel::kBandit;
    s.mutable_learner()->set_algorithm(!finite  ? kDefaultContinuousLearner
                                       : bandit ? kDefaultBanditLearner
                                                : kDefaultFiniteLearner);
  }

  auto match = Match::Create(plan.game, plan.match);
  if (!match.ok()) return WithField(match.status(), "feedback");
  for (int i = 0; i < num_players; ++i) {
    NASHNET_ASSIGN_OR_RETURN(PlayerLearnerSpec learner,
                             ResolveLearner(s, i, finite, (*match)->ViewFor(i)));
    plan.learners.push_back(std::move(learner));
  }
  return plan;
}

std::string GameDisplayName(const RunPlan& plan) {
  if (plan.game == nullptr) return plan.spec.game().name();
  const auto* nfg = dynamic_cast<const games::NormalFormGame*>(plan.game.get());
  if (nfg == nullptr || plan.spec.game().nfg().empty()) return plan.game->name();
  const std::string& title = nfg->data().title;
  const std::string& label = plan.spec.game().name();
  return title.empty() || title == label ? label : absl::StrCat(label, ": ", title);
}

RunSummary SummarizeRun(const RoundMetrics& last, int64_t rounds, uint64_t seed,
                        const std::vector<PlayerLearnerSpec>& learners) {
  RunSummary summary;
  summary.rounds = rounds;
  summary.seed = seed;
  summary.nash_gap = last.nash_gap;
  summary.empirical_nash_gap = last.empirical_nash_gap;
  summary.equilibrium_distance = last.equilibrium_distance;
  for (size_t i = 0; i < learners.size(); ++i) {
    PlayerSummary& ps = summary.players.emplace_back();
    ps.algorithm = learners[i].algorithm;
    ps.params.insert(learners[i].params.begin(), learners[i].params.end());
    if (i >= last.players.size()) continue;
    const PlayerRoundMetrics& p = last.players[i];
    ps.strategy = p.strategy.size() > 0 ? p.strategy : p.point;
    ps.regret = p.regret;
    ps.realized_regret = p.realized_regret;
    ps.dynamic_regret = p.dynamic_regret;
    ps.average_payoff = p.average_payoff;
  }
  return summary;
}

namespace {

// Simulate's side of the round loop: record rounds and progress.
class SimulationListener final : public RoundListener {
 public:
  SimulationListener(RoundObserver* observer, int64_t record_every, int64_t rounds,
                     const SimulateOptions& options)
      : observer_(observer), record_every_(record_every), rounds_(rounds), options_(options) {}

  void set_loop(const RoundLoop* loop) { loop_ = loop; }

  void OnRunning(bool /*first*/) override {}
  void OnRoundResolved(int64_t t) override {
    if (observer_ != nullptr && IsRecordedRound(t, record_every_, rounds_)) {
      observer_->OnRound(loop_->match().Snapshot());
    }
    if (options_.progress && t % options_.progress_every == 0) options_.progress(t);
  }
  void OnSeatMissed(int /*seat*/, int64_t /*round*/) override {}
  void OnSeatLost(int /*seat*/, SeatLoss /*why*/) override {}
  void OnEnded(GameState /*state*/) override {}

 private:
  const RoundLoop* loop_ = nullptr;
  RoundObserver* observer_;
  const int64_t record_every_;
  const int64_t rounds_;
  const SimulateOptions& options_;
};

}  // namespace

absl::StatusOr<RunSummary> Simulate(const RunPlan& plan, uint64_t seed, RoundObserver* observer,
                                    const SimulateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (plan.game == nullptr) return absl::InvalidArgumentError("plan: no game (use PlanRun)");
  const int n = plan.game->num_players();
  if (static_cast<int>(plan.learners.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("plan: ", plan.learners.size(), " learners for ", n, " players"));
  }
  if (options.progress && options.progress_every < 1) {
    return absl::InvalidArgumentError("progress_every: must be >= 1");
  }
  MatchOptions match_options = plan.match;
  match_options.seed = seed;
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<Match> match, Match::Create(plan.game, match_options));
  RoundLoopConfig config;
  for (int i = 0; i < n; ++i) {
    const PlayerLearnerSpec& l = plan.learners[i];
    NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<agents::Learner> learner,
                             agents::MakeLearner(l.algorithm, l.params, match->ViewFor(i)));
    config.seats.push_back(std::make_unique<LocalSeat>(std::move(learner)));
    config.remote.push_back(false);
  }
  const int64_t rounds = match_options.rounds;
  SimulationListener listener(observer, std::max<int64_t>(plan.spec.record_every(), 1), rounds,
                              options);
  config.match = std::move(match);
  config.listener = &listener;
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<RoundLoop> loop, RoundLoop::Create(std::move(config)));
  listener.set_loop(loop.get());
  loop->TryStart();
  while (loop->Advance()) {
  }
  if (loop->state() != GameState::kCompleted) {
    return absl::InternalError(absl::StrCat("the round loop ended ", GameStateName(loop->state()),
                                            " at round ", loop->round()));
  }

  RunSummary summary = SummarizeRun(loop->match().Snapshot(), rounds, seed, plan.learners);
  summary.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.rounds_per_second = static_cast<double>(summary.rounds) / summary.elapsed_seconds;
  return summary;
}

}  // namespace nashnet::server

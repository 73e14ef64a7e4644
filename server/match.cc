#include "server/match.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/rng.h"
#include "common/status_macros.h"
#include "games/continuous_game.h"
#include "games/finite_game.h"
#include "server/match_metrics.h"

namespace nashnet::server {
namespace {

using agents::FeedbackModel;

// The noise stream of a match: Rng::Stream(seed, kNoiseStream). Far from the small player indices
// that seed the learners (MixSeed(seed, player)), so the streams never coincide.
constexpr uint64_t kNoiseStream = 0x4e4f495345ULL;  // "NOISE"
// Continuous games, noisy payoff functions: player i's per-call noise comes from its own stream
// Rng::Stream(MixSeed(seed, kNoiseStream), kFunctionNoiseStream + i), so that the draws do not
// depend on how the players' Update calls interleave.
constexpr uint64_t kFunctionNoiseStream = 0x46554e43ULL;  // "FUNC"

// Tolerance on Σ probabilities = 1 for a reported strategy.
constexpr double kSumTolerance = 1e-6;

const char* ModelName(FeedbackModel model) {
  switch (model) {
    case FeedbackModel::kFull:
      return "full";
    case FeedbackModel::kNoisy:
      return "noisy";
    case FeedbackModel::kCounterfactual:
      return "counterfactual";
    case FeedbackModel::kBandit:
      return "bandit";
  }
  return "unknown";
}

// One zero-mean draw of standard deviation sigma.
double DrawNoise(NoiseDistribution dist, double sigma, Rng& rng) {
  if (dist == NoiseDistribution::kUniform) {
    const double half_width = sigma * std::sqrt(3.0);
    return rng.Uniform(-half_width, half_width);
  }
  return sigma * rng.Gaussian();
}

// Checks a probability vector: finite, non-negative entries summing to 1 ± kSumTolerance.
absl::Status CheckProbabilities(int player, const Eigen::VectorXd& p) {
  double sum = 0.0;
  for (Eigen::Index k = 0; k < p.size(); ++k) {
    if (!std::isfinite(p[k])) {
      return absl::InvalidArgumentError(
          absl::StrFormat("player %d: strategy[%d] is not finite (%g)", player, k, p[k]));
    }
    if (p[k] < 0.0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("player %d: strategy[%d] = %g is negative", player, k, p[k]));
    }
    sum += p[k];
  }
  if (std::abs(sum - 1.0) > kSumTolerance) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "player %d: strategy sums to %.10g (must be 1 ± %g)", player, sum, kSumTolerance));
  }
  return absl::OkStatus();
}

std::string FormatPoint(const Eigen::VectorXd& z) {
  std::string out = "(";
  for (Eigen::Index k = 0; k < z.size(); ++k) {
    absl::StrAppend(&out, k > 0 ? ", " : "", absl::StrFormat("%g", z[k]));
  }
  return out + ")";
}

}  // namespace

absl::Status MatchOptions::Validate() const {
  if (rounds < 1) {
    return absl::InvalidArgumentError(absl::StrCat("rounds: must be >= 1, got ", rounds));
  }
  if (!std::isfinite(sigma) || sigma < 0.0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("sigma: must be finite and >= 0, got %g", sigma));
  }
  if (noise != NoiseDistribution::kGaussian && noise != NoiseDistribution::kUniform) {
    return absl::InvalidArgumentError("noise: unknown distribution");
  }
  switch (feedback) {
    case FeedbackModel::kFull:
      if (sigma != 0.0) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "sigma: full feedback is exact, so sigma must be 0 (got %g); use noisy feedback",
            sigma));
      }
      break;
    case FeedbackModel::kNoisy:
      if (sigma <= 0.0) {
        return absl::InvalidArgumentError("sigma: noisy feedback needs sigma > 0");
      }
      break;
    case FeedbackModel::kCounterfactual:
    case FeedbackModel::kBandit:
      break;
    default:
      return absl::InvalidArgumentError("model: unknown feedback model");
  }
  return absl::OkStatus();
}

struct Match::State {
  const games::FiniteGame* finite = nullptr;
  const games::ContinuousGame* continuous = nullptr;
  int num_players = 0;
  std::vector<char> submitted;
  int num_submitted = 0;
  Rng noise{0};

  // Finite games: the round's actions and mixed profile (a one-hot where no strategy came).
  std::vector<int> actions;
  games::MixedProfile x;
  std::vector<Eigen::VectorXd> v_mixed;  // v_i(x(t))
  std::vector<Eigen::VectorXd> v_pure;   // v_i(a_-i(t))

  // Continuous games: the points, the reported distributions (null where none came), payoffs.
  games::PointProfile z;
  std::vector<agents::MixedStrategy> strategies;
  std::vector<const agents::MixedStrategy*> strategy_ptrs;
  Eigen::VectorXd u_played;
  std::vector<Rng> function_noise;
  std::vector<games::Box> boxes;  // K_i, cached (action_box returns a copy)
  // What the payoff functions of the last resolved round evaluate (valid during the Updates).
  int64_t feedback_round = 0;
  Eigen::MatrixXd point_scratch;
  Eigen::VectorXd value_scratch;
  double sigma = 0.0;
  NoiseDistribution noise_dist = NoiseDistribution::kGaussian;

  double PayoffFunction(int player, const Eigen::VectorXd& point) {
    point_scratch = point;
    continuous->PayoffsAgainst(player, feedback_round, z, point_scratch, &value_scratch);
    double value = value_scratch[0];
    if (sigma > 0.0) value += DrawNoise(noise_dist, sigma, function_noise[player]);
    return value;
  }
};

Match::Match(std::shared_ptr<const games::Game> game, const MatchOptions& options)
    : game_(std::move(game)), options_(options), state_(std::make_unique<State>()) {}

Match::~Match() = default;

absl::StatusOr<std::unique_ptr<Match>> Match::Create(std::shared_ptr<const games::Game> game,
                                                     const MatchOptions& options) {
  if (game == nullptr) return absl::InvalidArgumentError("game: missing");
  NASHNET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Match> match(new Match(std::move(game), options));
  NASHNET_ASSIGN_OR_RETURN(match->metrics_, MatchMetrics::Create(match->game_));
  State& s = *match->state_;
  s.num_players = match->game_->num_players();
  s.submitted.assign(s.num_players, 0);
  s.noise = Rng::Stream(options.seed, kNoiseStream);
  s.sigma = options.sigma;
  s.noise_dist = options.noise;
  if (match->game_->action_kind() == games::ActionKind::kFinite) {
    s.finite = dynamic_cast<const games::FiniteGame*>(match->game_.get());
    s.actions.assign(s.num_players, 0);
    for (int i = 0; i < s.num_players; ++i) {
      s.x.push_back(Eigen::VectorXd::Zero(s.finite->num_actions(i)));
    }
  } else {
    s.continuous = dynamic_cast<const games::ContinuousGame*>(match->game_.get());
    s.strategies.resize(s.num_players);
    s.strategy_ptrs.assign(s.num_players, nullptr);
    s.u_played = Eigen::VectorXd::Zero(s.num_players);
    const uint64_t function_seed = MixSeed(options.seed, kNoiseStream);
    for (int i = 0; i < s.num_players; ++i) {
      s.boxes.push_back(s.continuous->action_box(i));
      s.z.push_back(s.boxes.back().lower);
      s.function_noise.push_back(Rng::Stream(function_seed, kFunctionNoiseStream + i));
    }
  }
  return match;
}

agents::PlayerView Match::ViewFor(int player) const {
  agents::PlayerView view;
  view.player = player;
  view.num_players = game_->num_players();
  if (state_->finite != nullptr) {
    view.num_actions = state_->finite->num_actions(player);
  } else {
    view.box = state_->continuous->action_box(player);
  }
  view.payoff_range = game_->payoff_range();
  view.feedback = options_.feedback;
  view.horizon = options_.rounds;
  view.seed = MixSeed(options_.seed, static_cast<uint64_t>(player));
  return view;
}

bool Match::all_submitted() const { return state_->num_submitted == state_->num_players; }

absl::Status Match::SubmitAction(int player, const agents::Action& action,
                                 const agents::MixedStrategy* strategy) {
  State& s = *state_;
  if (finished()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "player %d: the match is over (all %d rounds played)", player, options_.rounds));
  }
  if (player < 0 || player >= s.num_players) {
    return absl::InvalidArgumentError(
        absl::StrFormat("player %d out of range [0, %d)", player, s.num_players));
  }
  if (s.submitted[player]) {
    return absl::FailedPreconditionError(
        absl::StrFormat("player %d: already submitted an action for round %d", player, round_));
  }
  const bool has_strategy = strategy != nullptr && strategy->probabilities.size() > 0;
  if (s.finite != nullptr) {
    const int n = s.finite->num_actions(player);
    if (action.index < 0 || action.index >= n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("action.index: %d out of range [0, %d) (player %d has %d actions)",
                          action.index, n, player, n));
    }
    if (has_strategy) {
      if (strategy->probabilities.size() != n) {
        return absl::InvalidArgumentError(
            absl::StrFormat("player %d: strategy has %d entries, expected %d", player,
                            strategy->probabilities.size(), n));
      }
      NASHNET_RETURN_IF_ERROR(CheckProbabilities(player, strategy->probabilities));
    } else if (options_.feedback == FeedbackModel::kFull ||
               options_.feedback == FeedbackModel::kNoisy) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "player %d: strategy missing: %s feedback needs the mixed strategy the action was "
          "drawn from",
          player, ModelName(options_.feedback)));
    }
  } else {
    const games::Box& box = s.boxes[player];
    const int d = box.dimension();
    if (action.point.size() != d) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "player %d: point has dimension %d, expected %d", player, action.point.size(), d));
    }
    if (!action.point.allFinite()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("player %d: point %s is not finite", player, FormatPoint(action.point)));
    }
    if (!box.Contains(action.point)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "player %d: point %s outside the box [%s, %s]", player, FormatPoint(action.point),
          FormatPoint(box.lower), FormatPoint(box.upper)));
    }
    if (has_strategy) {
      const Eigen::Index cells = strategy->probabilities.size();
      if (strategy->cell_lower.rows() != d || strategy->cell_lower.cols() != cells ||
          strategy->cell_upper.rows() != d || strategy->cell_upper.cols() != cells) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "player %d: strategy cells must be %d x %d matrices (lower %d x %d, upper %d x %d)",
            player, d, cells, strategy->cell_lower.rows(), strategy->cell_lower.cols(),
            strategy->cell_upper.rows(), strategy->cell_upper.cols()));
      }
      NASHNET_RETURN_IF_ERROR(CheckProbabilities(player, strategy->probabilities));
      constexpr double kSlack = 1e-9;  // rounding of cell bounds computed by halving
      for (Eigen::Index c = 0; c < cells; ++c) {
        for (int k = 0; k < d; ++k) {
          const double lo = strategy->cell_lower(k, c), hi = strategy->cell_upper(k, c);
          if (!(lo <= hi) || !(lo >= box.lower[k] - kSlack) || !(hi <= box.upper[k] + kSlack)) {
            return absl::InvalidArgumentError(absl::StrFormat(
                "player %d: strategy cell %d is not a box inside the action set", player, c));
          }
        }
      }
    }
  }
  Store(player, action, strategy);  // accepted
  return absl::OkStatus();
}

void Match::SubmitActionUnchecked(int player, const agents::Action& action,
                                  const agents::MixedStrategy* strategy) {
  Store(player, action, strategy);
}

void Match::Store(int player, const agents::Action& action, const agents::MixedStrategy* strategy) {
  State& s = *state_;
  const bool has_strategy = strategy != nullptr && strategy->probabilities.size() > 0;
  if (s.finite != nullptr) {
    s.actions[player] = action.index;
    if (has_strategy) {
      s.x[player] = strategy->probabilities;
    } else {
      s.x[player].setZero();
      s.x[player][action.index] = 1.0;
    }
  } else {
    s.z[player] = action.point;
    if (has_strategy) {
      s.strategies[player].probabilities = strategy->probabilities;
      s.strategies[player].cell_lower = strategy->cell_lower;
      s.strategies[player].cell_upper = strategy->cell_upper;
      s.strategy_ptrs[player] = &s.strategies[player];
    } else {
      s.strategy_ptrs[player] = nullptr;
    }
  }
  s.submitted[player] = 1;
  ++s.num_submitted;
}

void Match::Resolve(std::vector<agents::Feedback>* feedback) {
  State& s = *state_;
  if (!all_submitted() || finished()) return;  // a caller bug; nothing to play
  const int n = s.num_players;
  const double sigma = options_.sigma;
  const FeedbackModel model = options_.feedback;
  if (static_cast<int>(feedback->size()) != n) feedback->resize(n);
  if (s.finite != nullptr) {
    s.finite->MixedPayoffVectors(s.x, &s.v_mixed);
    s.finite->PurePayoffVectors(s.actions, &s.v_pure);
    metrics_->RecordFinite(s.x, s.actions, s.v_mixed, s.v_pure);
    // Noise draws, in order: players 0..N-1; for each, the payoff-vector components (noisy, and
    // counterfactual with sigma > 0) in order, then the realized payoff (sigma > 0).
    for (int i = 0; i < n; ++i) {
      agents::Feedback& f = (*feedback)[i];
      f.round = round_;
      f.payoff_function = nullptr;
      switch (model) {
        case FeedbackModel::kFull:
        case FeedbackModel::kNoisy:
          f.payoff_vector = s.v_mixed[i];
          break;
        case FeedbackModel::kCounterfactual:
          f.payoff_vector = s.v_pure[i];
          break;
        case FeedbackModel::kBandit:
          f.payoff_vector.resize(0);
          break;
      }
      if (sigma > 0.0 && model != FeedbackModel::kBandit) {
        for (Eigen::Index k = 0; k < f.payoff_vector.size(); ++k) {
          f.payoff_vector[k] += DrawNoise(options_.noise, sigma, s.noise);
        }
      }
      f.payoff = s.v_pure[i][s.actions[i]];
      if (sigma > 0.0) f.payoff += DrawNoise(options_.noise, sigma, s.noise);
    }
  } else {
    s.continuous->Payoffs(round_, s.z, &s.u_played);
    metrics_->RecordContinuous(round_, s.z, s.u_played, s.strategy_ptrs);
    s.feedback_round = round_;
    State* state = &s;
    for (int i = 0; i < n; ++i) {
      agents::Feedback& f = (*feedback)[i];
      f.round = round_;
      f.payoff_vector.resize(0);
      if (model == FeedbackModel::kBandit) {
        f.payoff_function = nullptr;
      } else {
        // Full, noisy and counterfactual all see u_i(·; z_-i(t)) against the played points.
        f.payoff_function = [state, i](const Eigen::VectorXd& point) {
          return state->PayoffFunction(i, point);
        };
      }
      f.payoff = s.u_played[i];
      if (sigma > 0.0) f.payoff += DrawNoise(options_.noise, sigma, s.noise);
    }
  }
  std::fill(s.submitted.begin(), s.submitted.end(), 0);
  s.num_submitted = 0;
  ++round_;
}

RoundMetrics Match::Snapshot() const { return metrics_->Snapshot(); }

}  // namespace nashnet::server

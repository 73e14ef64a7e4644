#include "games/catalogue/online_losses.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/rng.h"
#include "common/status_macros.h"
#include "games/catalogue/builtin_games.h"
#include "games/catalogue/params.h"
#include "games/footprint.h"

namespace nashnet::games {
namespace {

constexpr int kMaxDimension = 8;

Box UnitBox(int d) {
  return {.lower = Eigen::VectorXd::Zero(d), .upper = Eigen::VectorXd::Ones(d)};
}

// Reflects y into [0, 1] (a triangle wave of period 2).
double Fold(double y) {
  double r = std::fmod(std::abs(y), 2.0);
  return r > 1.0 ? 2.0 - r : r;
}

std::vector<double>& ThreadWeights(size_t k) {
  thread_local std::vector<double> weights;
  if (weights.size() < k) weights.resize(k);
  return weights;
}

}  // namespace

// ---- OnlineBumps ---------------------------------------------------------------------------

absl::Status OnlineBumpsOptions::Validate() const {
  if (dimension < 1 || dimension > kMaxDimension) {
    return absl::InvalidArgumentError(absl::StrCat("dimension: ", dimension, " (need 1..8)"));
  }
  if (bumps < 1 || bumps > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("bumps: ", bumps, " (need 1..1000)"));
  }
  if (!(perturbation >= 0.0 && perturbation <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("perturbation: ", perturbation, " (need [0,1])"));
  }
  if (!(radius > 0.0 && std::isfinite(radius))) {
    return absl::InvalidArgumentError(absl::StrCat("radius: ", radius, " (need > 0)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const OnlineBumps>> OnlineBumps::Create(OnlineBumpsOptions options,
                                                                       std::string name) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  return std::shared_ptr<const OnlineBumps>(new OnlineBumps(options, std::move(name)));
}

OnlineBumps::OnlineBumps(OnlineBumpsOptions options, std::string name)
    : ContinuousGame(std::move(name)), options_(options) {
  Rng layout = Rng::Stream(options_.seed, 0);
  for (int k = 0; k < options_.bumps; ++k) {
    Eigen::VectorXd c(options_.dimension);
    for (int j = 0; j < options_.dimension; ++j) c[j] = layout.Uniform();
    centers_.push_back(std::move(c));
    heights_.push_back(layout.Uniform(0.5, 1.0));
  }
}

void OnlineBumps::Weights(int64_t round, double* w) const {
  Rng rng = Rng::Stream(options_.seed, static_cast<uint64_t>(round));
  for (int k = 0; k < options_.bumps; ++k) {
    w[k] = heights_[k] * (1.0 - options_.perturbation * rng.Uniform());
  }
}

double OnlineBumps::LossWithWeights(const double* w, const double* z) const {
  double best = 0.0;
  for (int k = 0; k < options_.bumps; ++k) {
    double dist2 = 0.0;
    for (int j = 0; j < options_.dimension; ++j) {
      const double diff = z[j] - centers_[k][j];
      dist2 += diff * diff;
    }
    best = std::max(best, w[k] * (1.0 - std::sqrt(dist2) / options_.radius));
  }
  return 1.0 - best;
}

double OnlineBumps::Loss(int64_t round, const Eigen::VectorXd& z) const {
  std::vector<double>& w = ThreadWeights(options_.bumps);
  Weights(round, w.data());
  return LossWithWeights(w.data(), z.data());
}

Box OnlineBumps::action_box(int /*player*/) const { return UnitBox(options_.dimension); }

void OnlineBumps::Payoffs(int64_t round, const PointProfile& z, Eigen::VectorXd* u) const {
  u->resize(1);
  (*u)[0] = 1.0 - Loss(round, z[0]);
}

void OnlineBumps::PayoffsAgainst(int /*player*/, int64_t round, const PointProfile& /*z*/,
                                 const Eigen::MatrixXd& points, Eigen::VectorXd* u) const {
  std::vector<double>& w = ThreadWeights(options_.bumps);
  Weights(round, w.data());
  u->resize(points.cols());
  for (Eigen::Index k = 0; k < points.cols(); ++k) {
    (*u)[k] = 1.0 - LossWithWeights(w.data(), points.col(k).data());
  }
}

// ---- OnlineDrift ---------------------------------------------------------------------------

absl::Status OnlineDriftOptions::Validate() const {
  if (dimension < 1 || dimension > kMaxDimension) {
    return absl::InvalidArgumentError(absl::StrCat("dimension: ", dimension, " (need 1..8)"));
  }
  if (!(nu >= 0.0 && nu <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("nu: ", nu, " (need [0,1])"));
  }
  if (!(radius > 0.0 && std::isfinite(radius))) {
    return absl::InvalidArgumentError(absl::StrCat("radius: ", radius, " (need > 0)"));
  }
  if (!(speed > 0.0 && speed <= radius)) {
    return absl::InvalidArgumentError(
        absl::StrCat("speed: ", speed, " (need 0 < speed <= radius = ", radius, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const OnlineDrift>> OnlineDrift::Create(OnlineDriftOptions options,
                                                                       std::string name) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  return std::shared_ptr<const OnlineDrift>(new OnlineDrift(options, std::move(name)));
}

OnlineDrift::OnlineDrift(OnlineDriftOptions options, std::string name)
    : ContinuousGame(std::move(name)), options_(options) {
  Rng rng = Rng::Stream(options_.seed, 0);
  const int d = options_.dimension;
  start_.resize(d);
  direction_.resize(d);
  for (int j = 0; j < d; ++j) start_[j] = rng.Uniform();
  do {
    for (int j = 0; j < d; ++j) direction_[j] = rng.Gaussian();
  } while (direction_.norm() < 1e-6);
  direction_.normalize();
}

Eigen::VectorXd OnlineDrift::Center(int64_t round) const {
  const double s = options_.speed * (std::pow(static_cast<double>(round), options_.nu) - 1.0);
  Eigen::VectorXd c(options_.dimension);
  for (int j = 0; j < options_.dimension; ++j) c[j] = Fold(start_[j] + direction_[j] * s);
  return c;
}

double OnlineDrift::Loss(int64_t round, const Eigen::VectorXd& z) const {
  return std::min(1.0, (z - Center(round)).norm() / options_.radius);
}

double OnlineDrift::VariationBound(int64_t horizon) const {
  return options_.speed / options_.radius *
         (std::pow(static_cast<double>(horizon), options_.nu) - 1.0);
}

Box OnlineDrift::action_box(int /*player*/) const { return UnitBox(options_.dimension); }

void OnlineDrift::Payoffs(int64_t round, const PointProfile& z, Eigen::VectorXd* u) const {
  u->resize(1);
  (*u)[0] = 1.0 - Loss(round, z[0]);
}

void OnlineDrift::PayoffsAgainst(int /*player*/, int64_t round, const PointProfile& /*z*/,
                                 const Eigen::MatrixXd& points, Eigen::VectorXd* u) const {
  const Eigen::VectorXd c = Center(round);
  u->resize(points.cols());
  for (Eigen::Index k = 0; k < points.cols(); ++k) {
    (*u)[k] = 1.0 - std::min(1.0, (points.col(k) - c).norm() / options_.radius);
  }
}

// ---- Registration --------------------------------------------------------------------------

namespace catalogue_internal {
namespace {

// Wraps an options error as a parameter error ("parameter nu: 2 (need [0,1])").
absl::Status AsParameterError(const absl::Status& status) {
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat("parameter ", status.message()));
}

absl::StatusOr<std::shared_ptr<const Game>> MakeOnlineBumps(const GameParams& p) {
  OnlineBumpsOptions o;
  NASHNET_ASSIGN_OR_RETURN(int64_t d, ParseIntParam(p, "dimension", 1, kMaxDimension));
  NASHNET_ASSIGN_OR_RETURN(int64_t k, ParseIntParam(p, "bumps", 1, 1000));
  NASHNET_ASSIGN_OR_RETURN(int64_t seed, ParseIntParam(p, "seed", 0, INT64_MAX));
  NASHNET_ASSIGN_OR_RETURN(o.perturbation, ParseDoubleParam(p, "perturbation", 0.0, 1.0));
  NASHNET_ASSIGN_OR_RETURN(o.radius, ParseDoubleParam(p, "radius", 1e-9, 1e9));
  o.dimension = static_cast<int>(d);
  o.bumps = static_cast<int>(k);
  o.seed = static_cast<uint64_t>(seed);
  NASHNET_RETURN_IF_ERROR(AsParameterError(o.Validate()));
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const OnlineBumps> game,
                           OnlineBumps::Create(o, CanonicalGameName("online_bumps", p)));
  return std::shared_ptr<const Game>(std::move(game));
}

absl::StatusOr<std::shared_ptr<const Game>> MakeOnlineDrift(const GameParams& p) {
  OnlineDriftOptions o;
  NASHNET_ASSIGN_OR_RETURN(int64_t d, ParseIntParam(p, "dimension", 1, kMaxDimension));
  NASHNET_ASSIGN_OR_RETURN(int64_t seed, ParseIntParam(p, "seed", 0, INT64_MAX));
  NASHNET_ASSIGN_OR_RETURN(o.nu, ParseDoubleParam(p, "nu", 0.0, 1.0));
  NASHNET_ASSIGN_OR_RETURN(o.radius, ParseDoubleParam(p, "radius", 1e-9, 1e9));
  NASHNET_ASSIGN_OR_RETURN(o.speed, ParseDoubleParam(p, "speed", 1e-12, 1e9));
  o.dimension = static_cast<int>(d);
  o.seed = static_cast<uint64_t>(seed);
  NASHNET_RETURN_IF_ERROR(AsParameterError(o.Validate()));
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const OnlineDrift> game,
                           OnlineDrift::Create(o, CanonicalGameName("online_drift", p)));
  return std::shared_ptr<const Game>(std::move(game));
}

// The footprint of a single-player online game, which is small (K <= 1000 centres in d <= 8):
// built by `make` (checking its parameters) and measured.
std::function<absl::StatusOr<GameFootprint>(const GameParams&)> OnlineFootprint(
    absl::StatusOr<std::shared_ptr<const Game>> (*make)(const GameParams&), std::string name) {
  return [make, name](const GameParams& p) -> absl::StatusOr<GameFootprint> {
    NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const Game> game, make(p));
    const auto& continuous = static_cast<const ContinuousGame&>(*game);
    GameFootprint f;
    f.kind = ActionKind::kContinuous;
    f.players = 1;
    f.dimension = continuous.action_box(0).dimension();
    f.time_varying = continuous.time_varying();
    int64_t bumps = 1;
    if (const auto* b = dynamic_cast<const OnlineBumps*>(game.get()); b != nullptr) {
      bumps = static_cast<int64_t>(b->centers().size());
      f.game_bytes = HeapBytes(16 * bumps) + bumps * DoublesBytes(f.dimension) +
                     DoublesBytes(bumps) + 2 * DoublesBytes(bumps);  // + per-thread weights
    } else {
      f.game_bytes = 2 * DoublesBytes(f.dimension);
    }
    // A loss evaluation: every tent's distance in d dimensions (the round's weights once).
    f.against_call_work = 4.0 * static_cast<double>(bumps);
    f.against_point_work = 2.0 * static_cast<double>(bumps * f.dimension);
    f.payoff_work = f.against_call_work + f.against_point_work;
    f.label = absl::StrCat(name, " in dimension ", f.dimension);
    f.size_params = {"dimension"};
    return f;
  };
}

}  // namespace

void RegisterContinuousGames(GameRegistry* registry) {
  AddBuiltin(
      registry,
      {.name = "cournot",
       .description = "N-firm Cournot oligopoly: quantities in [0, q_max], price a - b*sum(q), "
                      "cost c*q_i, payoff = profit; equilibrium q* = (a-c)/(b(N+1))",
       .params = {{"players", "2", "number of firms N (1..10^6)"},
                  {"a", "1", "demand intercept (> c)"},
                  {"b", "1", "demand slope (> 0)"},
                  {"c", "0", "marginal cost (>= 0)"},
                  {"q_max", "1", "capacity: the action set is [0, q_max]"}},
       .make = MakeCournot,
       .footprint = CournotFootprint});
  AddBuiltin(
      registry,
      {.name = "online_bumps",
       .description = "single player on [0,1]^d, non-convex loss 1 - max_k w_k(t)*tent_k(z) "
                      "with seeded tents of radius r, heights perturbed i.i.d. each round; "
                      "Lipschitz 1/r; payoff 1 - loss",
       .params = {{"dimension", "1", "d (1..8)"},
                  {"bumps", "5", "number of tents K (1..1000)"},
                  {"seed", "0", "RNG seed of the layout and of every round's perturbation"},
                  {"perturbation", "0.2", "rho in [0,1]: heights scaled by 1 - rho*U each round"},
                  {"radius", "0.15", "tent radius r (> 0)"}},
       .make = MakeOnlineBumps,
       .footprint = OnlineFootprint(MakeOnlineBumps, "online_bumps")});
  AddBuiltin(registry,
             {.name = "online_drift",
              .description = "single player on [0,1]^d, loss min(1, |z - c(t)|/r) whose minimiser "
                             "drifts a path length speed*(t^nu - 1) (reflected in the box), so the "
                             "variation V_T = (speed/r)(T^nu - 1) grows like T^nu; payoff 1 - loss",
              .params = {{"dimension", "1", "d (1..8)"},
                         {"nu", "0.5", "variation exponent nu in [0,1]"},
                         {"radius", "0.25", "tent radius r (> 0); Lipschitz constant 1/r"},
                         {"speed", "0.05", "path-length scale S, 0 < S <= r"},
                         {"seed", "0", "RNG seed of the starting point and direction"}},
              .make = MakeOnlineDrift,
              .footprint = OnlineFootprint(MakeOnlineDrift, "online_drift")});
}

}  // namespace catalogue_internal
}  // namespace nashnet::games

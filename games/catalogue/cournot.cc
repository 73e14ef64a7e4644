#include "games/catalogue/cournot.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "games/catalogue/builtin_games.h"
#include "games/catalogue/params.h"

namespace nashnet::games {

absl::Status CournotOptions::Validate() const {
  if (players < 1) return absl::InvalidArgumentError(absl::StrCat("players: ", players, " < 1"));
  if (!(std::isfinite(a) && std::isfinite(b) && std::isfinite(c) && std::isfinite(q_max))) {
    return absl::InvalidArgumentError("a, b, c and q_max must be finite");
  }
  if (!(b > 0.0)) return absl::InvalidArgumentError(absl::StrCat("b: ", b, " (need > 0)"));
  if (!(c >= 0.0)) return absl::InvalidArgumentError(absl::StrCat("c: ", c, " (need >= 0)"));
  if (!(a > c))
    return absl::InvalidArgumentError(absl::StrCat("a: ", a, " (need a > c = ", c, ")"));
  if (!(q_max > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat("q_max: ", q_max, " (need > 0)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const CournotGame>> CournotGame::Create(CournotOptions options,
                                                                       std::string name) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  return std::shared_ptr<const CournotGame>(new CournotGame(options, std::move(name)));
}

CournotGame::CournotGame(CournotOptions options, std::string name)
    : ContinuousGame(std::move(name)), options_(options) {
  const auto& o = options_;
  const double monopoly = std::clamp((o.a - o.c) / (2.0 * o.b), 0.0, o.q_max);
  range_.max = monopoly * (o.a - o.c - o.b * monopoly);
  range_.min = std::min(0.0, o.q_max * (o.a - o.c - o.b * o.players * o.q_max));
}

Box CournotGame::action_box(int /*player*/) const {
  return {.lower = Eigen::VectorXd::Zero(1), .upper = Eigen::VectorXd::Constant(1, options_.q_max)};
}

void CournotGame::Payoffs(int64_t /*round*/, const PointProfile& z, Eigen::VectorXd* u) const {
  double total = 0.0;
  for (const Eigen::VectorXd& q : z) total += q[0];
  const double margin = options_.a - options_.b * total - options_.c;
  u->resize(options_.players);
  for (int i = 0; i < options_.players; ++i) (*u)[i] = z[i][0] * margin;
}

void CournotGame::PayoffsAgainst(int player, int64_t /*round*/, const PointProfile& z,
                                 const Eigen::MatrixXd& points, Eigen::VectorXd* u) const {
  double others = 0.0;
  for (int j = 0; j < options_.players; ++j) others += j == player ? 0.0 : z[j][0];
  const double base = options_.a - options_.b * others - options_.c;
  u->resize(points.cols());
  for (Eigen::Index k = 0; k < points.cols(); ++k) {
    const double q = points(0, k);
    (*u)[k] = q * (base - options_.b * q);
  }
}

double CournotGame::equilibrium_quantity() const {
  const auto& o = options_;
  return std::min((o.a - o.c) / (o.b * (o.players + 1)), o.q_max);
}

std::optional<PointProfile> CournotGame::equilibrium() const {
  return PointProfile(options_.players, Eigen::VectorXd::Constant(1, equilibrium_quantity()));
}

namespace catalogue_internal {

namespace {

absl::StatusOr<CournotOptions> ParseCournotOptions(const GameParams& p) {
  constexpr double kBig = 1e12;
  CournotOptions options;
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, 1'000'000));
  options.players = static_cast<int>(players);
  NASHNET_ASSIGN_OR_RETURN(options.a, ParseDoubleParam(p, "a", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(options.b, ParseDoubleParam(p, "b", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(options.c, ParseDoubleParam(p, "c", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(options.q_max, ParseDoubleParam(p, "q_max", -kBig, kBig));
  absl::Status valid = options.Validate();
  if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat("parameter ", valid.message()));
  return options;
}

}  // namespace

absl::StatusOr<GameFootprint> CournotFootprint(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(CournotOptions options, ParseCournotOptions(p));
  GameFootprint f;
  f.kind = ActionKind::kContinuous;
  f.players = options.players;
  f.dimension = 1;
  f.has_equilibrium_point = true;
  f.time_varying = false;
  f.game_bytes = 0;  // five doubles and a payoff range: the object itself
  // Payoffs: the total quantity, then one product per firm; PayoffsAgainst sums the others'
  // quantities once per call (O(N)), then one product per point.
  f.payoff_work = 2.0 * options.players;
  f.against_call_work = options.players;
  f.against_point_work = 2.0;
  f.label = absl::StrCat("cournot with ", options.players, " players");
  f.size_params = {"players"};
  return f;
}

absl::StatusOr<std::shared_ptr<const Game>> MakeCournot(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(CournotOptions options, ParseCournotOptions(p));
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const CournotGame> game,
                           CournotGame::Create(options, CanonicalGameName("cournot", p)));
  return std::shared_ptr<const Game>(std::move(game));
}

}  // namespace catalogue_internal
}  // namespace nashnet::games

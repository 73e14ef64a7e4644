// Equilibrium tools: best responses, pure-equilibrium enumeration, Nash gap, distance to a pure NE.
#include "games/equilibrium.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "games/normal_form_game.h"

namespace nashnet::games {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Relative tie tolerance of PureEquilibria: payoffs that are equal in real arithmetic can differ
// by a few ulps of the payoff scale after rounding (e.g. 49·fl(1/49) ≠ 1), far below 1e-12.
constexpr double kRelativeTieTolerance = 1e-12;

// Checks player i at a pure profile given u_i(b; a_-i) for every b (payoff(b)). Returns false if
// some deviation gains at least `tie`; otherwise clears *strict on a tie (|loss| < tie) and lowers
// *gap to the smallest loss of the other deviations.
template <typename PayoffOf>
bool NoProfitableDeviation(int own, int num_actions, PayoffOf payoff, double tie, bool* strict,
                           double* gap) {
  const double u = payoff(own);
  for (int b = 0; b < num_actions; ++b) {
    if (b == own) continue;
    const double loss = u - payoff(b);
    if (loss <= -tie) return false;
    if (loss < tie) {
      *strict = false;
    } else {
      *gap = std::min(*gap, loss);
    }
  }
  return true;
}

// Advances a pure profile in Gambit order (player 1 fastest); false after the last profile.
bool NextProfile(const std::vector<int>& counts, PureProfile* profile) {
  for (size_t i = 0; i < counts.size(); ++i) {
    if (++(*profile)[i] < counts[i]) return true;
    (*profile)[i] = 0;
  }
  return false;
}

}  // namespace

std::vector<int> BestResponses(const Eigen::VectorXd& v, double tolerance) {
  std::vector<int> best;
  if (v.size() == 0) return best;
  const double max = v.maxCoeff();
  for (Eigen::Index a = 0; a < v.size(); ++a) {
    if (v[a] >= max - tolerance) best.push_back(static_cast<int>(a));
  }
  return best;
}

absl::StatusOr<std::vector<PureEquilibrium>> PureEquilibria(const FiniteGame& game,
                                                            int64_t max_profiles) {
  const int64_t total = game.num_profiles();
  if (total > max_profiles) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("PureEquilibria: the game has %d pure profiles, more than the limit %d",
                        total, max_profiles));
  }
  const int n = game.num_players();
  std::vector<int> counts(n);
  for (int i = 0; i < n; ++i) counts[i] = game.num_actions(i);

  // A tensor game is checked in place (early exit on the first profitable deviation); any other
  // finite game through its counterfactual payoff vectors.
  const auto* table = dynamic_cast<const NormalFormGame*>(&game);
  std::vector<int64_t> strides(n, 1);
  for (int i = 1; i < n; ++i) strides[i] = strides[i - 1] * counts[i - 1];
  std::vector<Eigen::VectorXd> v;
  const double width = game.payoff_range().width();
  const double tie = kRelativeTieTolerance * (std::isfinite(width) ? std::max(1.0, width) : 1.0);

  std::vector<PureEquilibrium> equilibria;
  PureProfile profile(n, 0);
  int64_t index = 0;
  do {
    bool strict = true;
    double gap = kInf;
    bool is_equilibrium = true;
    if (table != nullptr) {
      for (int i = 0; i < n && is_equilibrium; ++i) {
        const double* u = table->payoffs(i).data() + (index - profile[i] * strides[i]);
        const int64_t stride = strides[i];
        is_equilibrium = NoProfitableDeviation(
            profile[i], counts[i], [&](int b) { return u[b * stride]; }, tie, &strict, &gap);
      }
    } else {
      game.PurePayoffVectors(profile, &v);
      for (int i = 0; i < n && is_equilibrium; ++i) {
        is_equilibrium = NoProfitableDeviation(
            profile[i], counts[i], [&](int b) { return v[i][b]; }, tie, &strict, &gap);
      }
    }
    if (is_equilibrium) {
      equilibria.push_back({.profile = profile, .strict = strict, .gap = strict ? gap : 0.0});
    }
    ++index;
  } while (NextProfile(counts, &profile));
  return equilibria;
}

double NashGapFromPayoffVectors(const MixedProfile& x, const std::vector<Eigen::VectorXd>& v) {
  double gap = 0.0;
  for (size_t i = 0; i < v.size(); ++i) {
    // Each term is >= 0 on the simplex; clamp the rounding error of the dot product.
    gap += std::max(0.0, v[i].maxCoeff() - v[i].dot(x[i]));
  }
  return gap;
}

double NashGap(const FiniteGame& game, const MixedProfile& x) {
  std::vector<Eigen::VectorXd> v;
  game.MixedPayoffVectors(x, &v);
  return NashGapFromPayoffVectors(x, v);
}

double L1DistanceToPure(const MixedProfile& x, std::span<const int> profile) {
  // On the simplex ‖x_i − e_{a*}‖₁ = 2·Σ_{b≠a*} x_{i,b}. Summing the small entries, rather than
  // forming 1 − x_{i,a*}, keeps full relative precision as x → a* (the distance can fall far below
  // 1e-16, and its logarithm is what convergence plots fit).
  double distance = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const Eigen::VectorXd& xi = x[i];
    for (Eigen::Index b = 0; b < xi.size(); ++b) {
      if (b != profile[i]) distance += std::abs(xi[b]);
    }
  }
  return 2.0 * distance;
}

}  // namespace nashnet::games

#include "games/catalogue/congestion_game.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nashnet::games {
namespace {

// Per-thread scratch buffers of the fast paths (grown, never shrunk).
struct Scratch {
  std::vector<int> loads;
  std::vector<double> lat_same;  // ℓ_e(load_e): the latency for a player already on e
  std::vector<double> lat_plus;  // ℓ_e(load_e + 1): the latency for a player joining e
  std::vector<double> base;      // −Σ_{e∈q} ℓ_e(load_e + 1): route q's payoff for a newcomer
  std::vector<int> stamp;        // stamp[q] = i once route q is recomputed for player i
  std::vector<double> usage;     // p_e = probability that one player uses e
  std::vector<double> cumulants;  // [4·e + m]: Σ_j κ_{m+1}(Bernoulli(p_{j,e}))
  std::vector<double> expected;   // E[ℓ_e(1 + L_{−i,e})] for the current player
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// The first four cumulants of a Bernoulli(p).
inline void BernoulliCumulants(double p, double* k) {
  const double q = p * (1.0 - p);
  k[0] = p;
  k[1] = q;
  k[2] = q * (1.0 - 2.0 * p);
  k[3] = q * (1.0 - 6.0 * q);
}

}  // namespace

Latency Latency::Normalized(std::span<const double> a, int num_players) {
  Latency latency;
  double scale = 1.0;
  for (size_t m = 0; m < a.size() && m <= kMaxDegree; ++m) {
    latency.coefficients[m] = a[m] * scale;
    scale /= num_players;
  }
  return latency;
}

absl::StatusOr<std::shared_ptr<const CongestionGame>> CongestionGame::Create(
    CongestionGameData data) {
  if (data.num_players < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_players: ", data.num_players, " (need at least 1)"));
  }
  const int num_resources = static_cast<int>(data.latencies.size());
  if (num_resources < 1) return absl::InvalidArgumentError("latencies: no resources");
  for (int e = 0; e < num_resources; ++e) {
    for (int m = 0; m <= Latency::kMaxDegree; ++m) {
      const double c = data.latencies[e].coefficients[m];
      if (!std::isfinite(c) || c < 0.0) {
        return absl::InvalidArgumentError(absl::StrCat("latencies[", e, "].coefficients[", m,
                                                       "]: ", c, " (need finite and >= 0)"));
      }
    }
  }
  if (data.routes.empty()) return absl::InvalidArgumentError("routes: no routes");
  for (size_t q = 0; q < data.routes.size(); ++q) {
    const std::vector<int>& route = data.routes[q];
    if (route.empty()) return absl::InvalidArgumentError(absl::StrCat("routes[", q, "]: empty"));
    std::vector<int> sorted = route;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.front() < 0 || sorted.back() >= num_resources) {
      return absl::InvalidArgumentError(
          absl::StrCat("routes[", q, "]: resource index out of [0, ", num_resources, ")"));
    }
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return absl::InvalidArgumentError(absl::StrCat("routes[", q, "]: a resource is repeated"));
    }
  }
  if (!data.route_names.empty() && data.route_names.size() != data.routes.size()) {
    return absl::InvalidArgumentError(absl::StrCat("route_names: ", data.route_names.size(),
                                                   " names for ", data.routes.size(), " routes"));
  }
  return std::shared_ptr<const CongestionGame>(new CongestionGame(std::move(data)));
}

CongestionGame::CongestionGame(CongestionGameData data)
    : FiniteGame(std::move(data.name)),
      num_players_(data.num_players),
      latencies_(std::move(data.latencies)),
      route_names_(std::move(data.route_names)) {
  const int num_resources = static_cast<int>(latencies_.size());
  const int num_routes = static_cast<int>(data.routes.size());
  std::vector<int> degree(num_resources, 0);
  route_begin_.push_back(0);
  double best = std::numeric_limits<double>::infinity();
  double worst = -std::numeric_limits<double>::infinity();
  for (int q = 0; q < num_routes; ++q) {
    double cost_alone = 0.0;
    double cost_full = 0.0;
    std::sort(data.routes[q].begin(), data.routes[q].end());
    for (int e : data.routes[q]) {
      route_resources_.push_back(e);
      ++degree[e];
      cost_alone += latencies_[e](1.0);
      cost_full += latencies_[e](num_players_);
    }
    route_begin_.push_back(static_cast<int>(route_resources_.size()));
    best = std::min(best, cost_alone);
    worst = std::max(worst, cost_full);
  }
  // Resource → routes incidence (CSR), routes in increasing order.
  resource_begin_.assign(num_resources + 1, 0);
  for (int e = 0; e < num_resources; ++e) resource_begin_[e + 1] = resource_begin_[e] + degree[e];
  resource_routes_.resize(route_resources_.size());
  std::vector<int> fill(resource_begin_.begin(), resource_begin_.end() - 1);
  for (int q = 0; q < num_routes; ++q) {
    for (int e : data.routes[q]) resource_routes_[fill[e]++] = q;
  }
  range_ = {.min = -worst, .max = -best};
  if (range_.width() <= 0.0) range_.min = range_.max - 1.0;
  // ℓ(1 + L) = Σ_m c_m Σ_j C(m, j) L^j.
  shifted_.resize(num_resources);
  for (int e = 0; e < num_resources; ++e) {
    shifted_[e].fill(0.0);
    for (int m = 0; m <= Latency::kMaxDegree; ++m) {
      double binomial = 1.0;  // C(m, j)
      for (int j = 0; j <= m; ++j) {
        shifted_[e][j] += latencies_[e].coefficients[m] * binomial;
        binomial = binomial * (m - j) / (j + 1);
      }
    }
  }
}

void CongestionGame::Loads(std::span<const int> profile, std::vector<int>* loads) const {
  loads->assign(num_resources(), 0);
  for (int q : profile) {
    for (int e : route(q)) ++(*loads)[e];
  }
}

double CongestionGame::PurePayoff(int player, std::span<const int> profile) const {
  const int own = profile[player];
  double cost = 0.0;
  for (int e : route(own)) {
    int load = 0;
    for (int q : profile) load += Uses(q, e) ? 1 : 0;
    cost += latencies_[e](load);
  }
  return -cost;
}

void CongestionGame::PurePayoffVectors(std::span<const int> profile,
                                       std::vector<Eigen::VectorXd>* v) const {
  Scratch& s = ThreadScratch();
  const int num_resources = this->num_resources();
  const int num_routes = this->num_routes();
  Loads(profile, &s.loads);
  s.lat_same.resize(num_resources);
  s.lat_plus.resize(num_resources);
  for (int e = 0; e < num_resources; ++e) {
    s.lat_same[e] = latencies_[e](s.loads[e]);
    s.lat_plus[e] = latencies_[e](s.loads[e] + 1);
  }
  // Most routes cost a newcomer's latencies ℓ_e(load_e + 1) everywhere: that base vector is shared.
  // Only the routes that meet player i's own route differ, and are recomputed for i (with the same
  // summation order as PurePayoff, so the two agree bit for bit).
  s.base.resize(num_routes);
  for (int q = 0; q < num_routes; ++q) {
    double cost = 0.0;
    for (int e : route(q)) cost += s.lat_plus[e];
    s.base[q] = -cost;
  }
  s.stamp.assign(num_routes, -1);
  v->resize(num_players_);
  for (int i = 0; i < num_players_; ++i) {
    const int own = profile[i];
    Eigen::VectorXd& vi = (*v)[i];
    vi = Eigen::Map<const Eigen::VectorXd>(s.base.data(), num_routes);
    for (int e : route(own)) {
      for (int q : routes_through(e)) {
        if (s.stamp[q] == i) continue;
        s.stamp[q] = i;
        double cost = 0.0;
        for (int f : route(q)) cost += Uses(own, f) ? s.lat_same[f] : s.lat_plus[f];
        vi[q] = -cost;
      }
    }
  }
}

void CongestionGame::MixedPayoffVectors(const MixedProfile& x,
                                        std::vector<Eigen::VectorXd>* v) const {
  Scratch& s = ThreadScratch();
  const int num_resources = this->num_resources();
  const int num_routes = this->num_routes();
  s.usage.resize(num_resources);
  s.expected.resize(num_resources);
  s.cumulants.assign(4 * static_cast<size_t>(num_resources), 0.0);
  const auto fill_usage = [&](const Eigen::VectorXd& xi) {
    std::fill(s.usage.begin(), s.usage.end(), 0.0);
    for (int q = 0; q < num_routes; ++q) {
      for (int e : route(q)) s.usage[e] += xi[q];
    }
  };
  double k[4];
  for (int j = 0; j < num_players_; ++j) {
    fill_usage(x[j]);
    for (int e = 0; e < num_resources; ++e) {
      BernoulliCumulants(s.usage[e], k);
      for (int m = 0; m < 4; ++m) s.cumulants[4 * e + m] += k[m];
    }
  }
  v->resize(num_players_);
  for (int i = 0; i < num_players_; ++i) {
    fill_usage(x[i]);
    for (int e = 0; e < num_resources; ++e) {
      BernoulliCumulants(s.usage[e], k);
      // Cumulants of L_{−i,e}, then its raw moments μ1..μ4.
      const double k1 = s.cumulants[4 * e] - k[0];
      const double k2 = s.cumulants[4 * e + 1] - k[1];
      const double k3 = s.cumulants[4 * e + 2] - k[2];
      const double k4 = s.cumulants[4 * e + 3] - k[3];
      const double k1s = k1 * k1;
      const double mu2 = k2 + k1s;
      const double mu3 = k3 + 3.0 * k2 * k1 + k1s * k1;
      const double mu4 = k4 + 4.0 * k3 * k1 + 3.0 * k2 * k2 + 6.0 * k2 * k1s + k1s * k1s;
      const auto& d = shifted_[e];
      s.expected[e] = d[0] + d[1] * k1 + d[2] * mu2 + d[3] * mu3 + d[4] * mu4;
    }
    Eigen::VectorXd& vi = (*v)[i];
    vi.resize(num_routes);
    for (int q = 0; q < num_routes; ++q) {
      double cost = 0.0;
      for (int e : route(q)) cost += s.expected[e];
      vi[q] = -cost;
    }
  }
}

}  // namespace nashnet::games

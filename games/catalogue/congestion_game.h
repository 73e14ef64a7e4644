// CongestionGame: an atomic congestion (routing) game whose payoffs are computed from loads.
//
// There are R resources (network edges), each with a latency ℓ_e(k) = c0 + c1·k + ... + c4·k^4, a
// polynomial of degree <= 4 in its load k (the number of players using e, including oneself), with
// non-negative coefficients (so latencies are non-negative and non-decreasing). Every player
// chooses one route out of the same route set (each route a non-empty set of distinct resources),
// and pays the sum of the latencies on its route:
//
//     u_i(a) = − Σ_{e ∈ route(a_i)} ℓ_e(load_e(a)),     payoff = minus the latency (to maximise).
//
// Nothing exponential (nor quadratic in the routes) is ever stored. PurePayoffVectors counts the
// loads once, O(N·|route|), then gives each player the newcomer's cost of every route, recomputing
// only the routes that share a resource with its own: O(N·(routes + Σ_{e∈own} deg(e)·|route|)).
// MixedPayoffVectors is exact: the load that player i meets on e is 1 + L_{−i,e}, L_{−i,e} a sum of
// independent Bernoullis (Poisson-binomial) with means p_{j,e} = Σ_{q ∋ e} x_j[q]; E[ℓ_e(1 + L)]
// needs only L's first four raw moments, obtained from its cumulants (cumulants of independent
// summands add, so player i's own Bernoulli is subtracted from the all-player sum), in O(N·(R +
// routes·|route|)) overall.
//
//   NASHNET_ASSIGN_OR_RETURN(auto game, CongestionGame::Create({
//       .name = "pigou", .num_players = 10,
//       .latencies = {Latency::Normalized({1.0}, 10), Latency::Normalized({0.0, 1.0}, 10)},
//       .routes = {{0}, {1}}}));
//   game->MixedPayoffVectors(x, &v);
//
// Thread safety: immutable after Create; const methods are safe concurrently (the fast paths use
// thread-local scratch buffers, so they allocate only when a thread first meets a larger game).
#pragma once

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "games/finite_game.h"

namespace nashnet::games {

// ℓ(k) = Σ_m coefficients[m]·k^m, m = 0..4.
struct Latency {
  static constexpr int kMaxDegree = 4;
  std::array<double, kMaxDegree + 1> coefficients{};

  [[nodiscard]] double operator()(double load) const {
    double value = 0.0;
    for (int m = kMaxDegree; m >= 0; --m) value = value * load + coefficients[m];
    return value;
  }

  // ℓ(k) = Σ_m a[m]·(k/N)^m: a polynomial in the normalised load k/N (a.size() <= 5).
  [[nodiscard]] static Latency Normalized(std::span<const double> a, int num_players);
};

struct CongestionGameData {
  std::string name;                      // the game's name
  int num_players = 1;                   // N >= 1
  std::vector<Latency> latencies;        // ℓ_e for each resource e (R >= 1); coefficients >= 0
  std::vector<std::vector<int>> routes;  // the route set shared by all players; >= 1 route
  std::vector<std::string> route_names;  // optional, one per route ("upper", "s-a-b-t", ...)
};

class CongestionGame final : public FiniteGame {
 public:
  // InvalidArgument naming the field: no players or resources or routes, an empty route, a
  // resource index out of range or repeated in a route, a negative or non-finite coefficient.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const CongestionGame>> Create(
      CongestionGameData data);

  // Game / FiniteGame. payoff_range is [−max_q Σ_{e∈q} ℓ_e(N), −min_q Σ_{e∈q} ℓ_e(1)] (widened to
  // width 1 below its maximum if all latencies are constant, so that it can scale step sizes).
  [[nodiscard]] int num_players() const override { return num_players_; }
  [[nodiscard]] PayoffRange payoff_range() const override { return range_; }
  [[nodiscard]] int num_actions(int /*player*/) const override { return num_routes(); }
  [[nodiscard]] double PurePayoff(int player, std::span<const int> profile) const override;
  void MixedPayoffVectors(const MixedProfile& x, std::vector<Eigen::VectorXd>* v) const override;
  void PurePayoffVectors(std::span<const int> profile,
                         std::vector<Eigen::VectorXd>* v) const override;

  [[nodiscard]] int num_resources() const { return static_cast<int>(latencies_.size()); }
  [[nodiscard]] int num_routes() const { return static_cast<int>(route_begin_.size()) - 1; }
  // Route q's resources, in increasing order.
  [[nodiscard]] std::span<const int> route(int q) const {
    return {route_resources_.data() + route_begin_[q],
            static_cast<size_t>(route_begin_[q + 1] - route_begin_[q])};
  }
  [[nodiscard]] const Latency& latency(int e) const { return latencies_[e]; }
  [[nodiscard]] const std::vector<std::string>& route_names() const { return route_names_; }

  // (*loads)[e] = the number of players whose route in `profile` uses e.
  void Loads(std::span<const int> profile, std::vector<int>* loads) const;

 private:
  explicit CongestionGame(CongestionGameData data);

  [[nodiscard]] bool Uses(int q, int e) const {
    const std::span<const int> r = route(q);
    return std::binary_search(r.begin(), r.end(), e);
  }
  [[nodiscard]] std::span<const int> routes_through(int e) const {
    return {resource_routes_.data() + resource_begin_[e],
            static_cast<size_t>(resource_begin_[e + 1] - resource_begin_[e])};
  }

  int num_players_;
  std::vector<Latency> latencies_;
  std::vector<int> route_begin_;      // CSR: route q is route_resources_[route_begin_[q] ..
  std::vector<int> route_resources_;  //                                 route_begin_[q + 1])
  std::vector<int> resource_begin_;   // CSR: the routes through resource e are resource_routes_[
  std::vector<int> resource_routes_;  //     resource_begin_[e] .. resource_begin_[e + 1])
  // shifted_[e][m]: coefficients of L ↦ ℓ_e(1 + L), for expectations from moments of L.
  std::vector<std::array<double, Latency::kMaxDegree + 1>> shifted_;
  std::vector<std::string> route_names_;
  PayoffRange range_;
};

}  // namespace nashnet::games

// Single-player online problems on the box [0,1]^d with non-convex, time-varying Lipschitz losses
// ℓ_t : [0,1]^d → [0,1] (round t = 1, 2, ...); the payoff is u_t = 1 − ℓ_t. Each round's loss is a
// pure function of (seed, t), so the games stay immutable and thread-safe.
//
// OnlineBumps: K "tents" at seeded centers c_k ∈ [0,1]^d with seeded heights h_k ∈ [0.5, 1]:
//     ℓ_t(z) = 1 − max_k w_k(t)·max(0, 1 − ‖z − c_k‖₂ / r),   w_k(t) = h_k·(1 − ρ·U_{t,k}),
// U_{t,k} i.i.d. uniform [0,1) drawn from Rng::Stream(seed, t) (the layout uses stream 0).
// Non-convex (several local minima), Lipschitz with constant 1/r in ‖·‖₂.
//
// OnlineDrift: one tent whose center drifts: ℓ_t(z) = min(1, ‖z − c(t)‖₂ / r), with
//     c(t) = Fold(c_0 + u·s(t)),   s(t) = S·(t^ν − 1),
// c_0 ∈ [0,1]^d and the unit direction u seeded, Fold the coordinatewise triangle wave that
// reflects the path into [0,1]. The displacement |c(t+1) − c(t)| = S·((t+1)^ν − t^ν) <= S <= r
// (less at a reflection), and sup_z |ℓ_{t+1}(z) − ℓ_t(z)| = |c(t+1) − c(t)| / r exactly (attained
// at z = c(t+1)), so the variation V_T = Σ_{t<T} sup_z |ℓ_{t+1} − ℓ_t| = (S/r)·(T^ν − 1) up to the
// reflections: V_T grows like T^ν. Lipschitz constant 1/r; ℓ_t is quasi-convex but flat (= 1) far
// from c(t).
//
//   NASHNET_ASSIGN_OR_RETURN(auto env, OnlineDrift::Create({.nu = 0.5}));
//   double loss = env->Loss(t, z);
//
// Thread safety: immutable after Create; const methods are safe concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "games/continuous_game.h"

namespace nashnet::games {

struct OnlineBumpsOptions {
  int dimension = 1;          // d in 1..8
  int bumps = 5;              // K in 1..1000
  uint64_t seed = 0;          // layout (stream 0) and per-round perturbations (stream t)
  double perturbation = 0.2;  // ρ in [0, 1]: each round scales every height by 1 − ρ·U
  double radius = 0.15;       // r > 0, each tent's radius; the Lipschitz constant is 1/r

  [[nodiscard]] absl::Status Validate() const;
};

class OnlineBumps final : public ContinuousGame {
 public:
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const OnlineBumps>> Create(
      OnlineBumpsOptions options, std::string name = "online_bumps");

  // ℓ_t(z) in [0, 1].
  [[nodiscard]] double Loss(int64_t round, const Eigen::VectorXd& z) const;
  [[nodiscard]] const std::vector<Eigen::VectorXd>& centers() const { return centers_; }
  [[nodiscard]] double lipschitz() const { return 1.0 / options_.radius; }

  // Game / ContinuousGame: one player, payoff 1 − ℓ_t in [0, 1], no equilibrium.
  [[nodiscard]] int num_players() const override { return 1; }
  [[nodiscard]] PayoffRange payoff_range() const override { return {0.0, 1.0}; }
  [[nodiscard]] Box action_box(int player) const override;
  void Payoffs(int64_t round, const PointProfile& z, Eigen::VectorXd* u) const override;
  void PayoffsAgainst(int player, int64_t round, const PointProfile& z,
                      const Eigen::MatrixXd& points, Eigen::VectorXd* u) const override;
  [[nodiscard]] std::optional<PointProfile> equilibrium() const override { return std::nullopt; }
  [[nodiscard]] bool time_varying() const override { return options_.perturbation > 0.0; }

 private:
  OnlineBumps(OnlineBumpsOptions options, std::string name);
  // w[k] = w_k(round), k < K.
  void Weights(int64_t round, double* w) const;
  [[nodiscard]] double LossWithWeights(const double* w, const double* z) const;

  OnlineBumpsOptions options_;
  std::vector<Eigen::VectorXd> centers_;
  std::vector<double> heights_;
};

struct OnlineDriftOptions {
  int dimension = 1;     // d in 1..8
  double nu = 0.5;       // ν in [0, 1]: V_T grows like T^ν
  double radius = 0.25;  // r > 0: the tent's radius; Lipschitz constant 1/r
  double speed = 0.05;   // S in (0, r]: path length s(t) = S·(t^ν − 1)
  uint64_t seed = 0;     // starting point c_0 and direction u

  [[nodiscard]] absl::Status Validate() const;
};

class OnlineDrift final : public ContinuousGame {
 public:
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const OnlineDrift>> Create(
      OnlineDriftOptions options, std::string name = "online_drift");

  // c(t), the minimiser of ℓ_t (ℓ_t(c(t)) = 0).
  [[nodiscard]] Eigen::VectorXd Center(int64_t round) const;
  // ℓ_t(z) in [0, 1].
  [[nodiscard]] double Loss(int64_t round, const Eigen::VectorXd& z) const;
  // (S/r)·(T^ν − 1): V_T when the path does not reflect (an upper bound otherwise).
  [[nodiscard]] double VariationBound(int64_t horizon) const;
  [[nodiscard]] double lipschitz() const { return 1.0 / options_.radius; }

  // Game / ContinuousGame: one player, payoff 1 − ℓ_t in [0, 1], no equilibrium.
  [[nodiscard]] int num_players() const override { return 1; }
  [[nodiscard]] PayoffRange payoff_range() const override { return {0.0, 1.0}; }
  [[nodiscard]] Box action_box(int player) const override;
  void Payoffs(int64_t round, const PointProfile& z, Eigen::VectorXd* u) const override;
  void PayoffsAgainst(int player, int64_t round, const PointProfile& z,
                      const Eigen::MatrixXd& points, Eigen::VectorXd* u) const override;
  [[nodiscard]] std::optional<PointProfile> equilibrium() const override { return std::nullopt; }
  [[nodiscard]] bool time_varying() const override { return options_.nu > 0.0; }
  [[nodiscard]] std::optional<double> variation_exponent() const override { return options_.nu; }

 private:
  OnlineDrift(OnlineDriftOptions options, std::string name);

  OnlineDriftOptions options_;
  Eigen::VectorXd start_;
  Eigen::VectorXd direction_;
};

}  // namespace nashnet::games

// Numerically safe Gibbs (softmax) maps, sampling and step-size schedules shared by the learners.
//
// Scores are kept *shifted*: after every update the learner subtracts the largest score, so the
// maximum is 0 and every other score is <= 0 (possibly -inf). The Gibbs map is shift-invariant, so
// this changes nothing mathematically, and it keeps the scores finite for ever: an increment
// bounded by DBL_MAX added to a score <= 0 cannot overflow upwards, and exp() of a value <= 0
// cannot overflow at all (log-sum-exp with the max already subtracted).
//
//   Eigen::ArrayXd scores = Eigen::ArrayXd::Zero(n), x(n);
//   scores += step * payoffs;  ShiftMaxToZero(&scores);
//   GibbsFromShifted(scores, /*scale=*/1.0, &x);           // x = softmax(scores)
//   int a = SampleIndex(x, rng.Uniform());
//   double gamma_t = PowerSchedule{0.1, 0.6}(t);           // 0.1 / t^0.6
//
// Thread safety: pure functions.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>

namespace nashnet::agents {

// c0 · t^(−exponent) for rounds t >= 1: the step sizes γ_t, learning rates η_t, exploration
// rates ε_t and bandwidths δ_t of ALGORITHMS.md.
struct PowerSchedule {
  double c0 = 1.0;        // value at t = 1
  double exponent = 0.0;  // decay exponent (>= 0)

  [[nodiscard]] double operator()(int64_t t) const {
    if (exponent == 0.0) return c0;
    return c0 * std::pow(static_cast<double>(t), -exponent);
  }
  // Σ_{s=1..t} value(s), e.g. Γ_t = Σ γ_s, the clock of P1's exponential rate. O(t).
  [[nodiscard]] double Sum(int64_t t) const {
    double sum = 0.0;
    for (int64_t s = 1; s <= t; ++s) sum += (*this)(s);
    return sum;
  }
};

// Subtracts the largest score from all (a no-op when it is not finite, which the learners never
// let happen: the largest score is 0 before an update and the update is finite).
inline void ShiftMaxToZero(Eigen::ArrayXd* scores) {
  const double m = scores->maxCoeff();
  if (std::isfinite(m)) *scores -= m;
}

// (*x)_k = exp(scale·s_k) / Σ_j exp(scale·s_j) for shifted scores s (max 0) and scale > 0.
// Exponents below kMinExponent = −700 are raised to it, so a probability is never below
// e^−700 ≈ 1e−304 times the largest one: a change far below double rounding of the mass
// (|A| ≤ 2^31), and it keeps exp() and the division away from subnormal numbers, which
// otherwise make a round several times slower once the scores have spread out. The result is a
// distribution in every case: if anything is not finite (a scale that underflowed to 0 against
// a -inf score, say), it falls back to the uniform distribution. No allocation when `x` already
// has the right size.
inline constexpr double kMinExponent = -700.0;
template <typename Out>  // Eigen::ArrayXd or Eigen::VectorXd
inline void GibbsFromShifted(const Eigen::ArrayXd& scores, double scale,
                             Eigen::PlainObjectBase<Out>* x) {
  x->resize(scores.size());
  auto&& p = x->array();  // ArrayXd: a reference; VectorXd: a wrapper (lifetime extended)
  p = (scale * scores).max(kMinExponent).exp();
  const double sum = p.sum();  // >= 1 when the top score is 0: exp(0) contributes
  if (std::isfinite(sum) && sum > 0.0) {
    p *= 1.0 / sum;
  } else {
    p.setConstant(1.0 / static_cast<double>(scores.size()));
  }
}

// The index k with Σ_{j<k} p_j <= u < Σ_{j<=k} p_j (inverse CDF), for u in [0, 1). If rounding
// leaves u beyond the total, the last index of positive probability. Never an index of zero
// probability. O(size).
template <typename Derived>
[[nodiscard]] inline int SampleIndex(const Eigen::DenseBase<Derived>& p, double u) {
  double cumulative = 0.0;
  int last_positive = 0;
  for (int k = 0; k < p.size(); ++k) {
    if (p[k] <= 0.0) continue;
    cumulative += p[k];
    last_positive = k;
    if (u < cumulative) return k;
  }
  return last_positive;
}

}  // namespace nashnet::agents

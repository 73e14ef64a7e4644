// gibbs_bench: the Hedge learner's per-round kernel (agents/gibbs.h, agents/hedge.cc) at the 100
// actions of simulate_bench's 2 × 100 game.
//
// A profile of BM_EngineRound (bench/README.md) puts about a third of a round in
// GibbsFromShifted, almost all of it Eigen's SSE2 exp (a Padé form with a packed division). These
// micro-benchmarks price the pieces:
//   BM_GibbsFromShifted   agents::GibbsFromShifted as shipped (in place, one reciprocal).
//   BM_ExpOnly            just (scale·s).max(−700).exp(): the floor of any exact Gibbs map here.
//   BM_HedgeUpdate        HedgeLearner::Update with a fixed payoff vector (the whole learner step).
//
//   build/h6/bench/gibbs_bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving
//
// Thread safety: not applicable (a benchmark executable).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <memory>
#include <string>

#include "agents/gibbs.h"
#include "agents/learner.h"
#include "common/rng.h"

namespace nashnet::bench {
namespace {

constexpr int kActions = 100;

// Shifted scores (max 0) spread like a run's after a few hundred rounds: uniform on (−50, 0].
Eigen::ArrayXd SpreadScores() {
  Rng rng(3);
  Eigen::ArrayXd s(kActions);
  for (int a = 0; a < kActions; ++a) s[a] = -50.0 * rng.Uniform();
  s[0] = 0.0;
  return s;
}

void BM_GibbsFromShifted(benchmark::State& state) {
  const Eigen::ArrayXd scores = SpreadScores();
  Eigen::VectorXd x(kActions);  // as HedgeLearner: straight into MixedStrategy::probabilities
  for (auto _ : state) {
    agents::GibbsFromShifted(scores, 1.0, &x);
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_GibbsFromShifted);

void BM_ExpOnly(benchmark::State& state) {
  const Eigen::ArrayXd scores = SpreadScores();
  Eigen::ArrayXd x(kActions);
  for (auto _ : state) {
    x = (1.0 * scores).max(agents::kMinExponent).exp();
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_ExpOnly);

agents::PlayerView View() {
  agents::PlayerView view;
  view.num_players = 2;
  view.num_actions = kActions;
  view.feedback = agents::FeedbackModel::kFull;
  return view;
}

// Updates `learner` with the same uniform payoff vector every iteration.
void RunUpdates(benchmark::State& state, agents::Learner* learner) {
  agents::Feedback feedback;
  feedback.payoff_vector.resize(kActions);
  Rng rng(5);
  for (int a = 0; a < kActions; ++a) feedback.payoff_vector[a] = rng.Uniform();
  for (auto _ : state) {
    ++feedback.round;
    learner->Update(feedback);
    benchmark::DoNotOptimize(learner->strategy().probabilities.data());
  }
}

void BM_HedgeUpdate(benchmark::State& state) {
  auto learner = agents::MakeLearner("hedge", {}, View());
  if (!learner.ok()) {
    state.SkipWithError(std::string(learner.status().message()).c_str());
    return;
  }
  RunUpdates(state, learner->get());
}
BENCHMARK(BM_HedgeUpdate);

}  // namespace
}  // namespace nashnet::bench

BENCHMARK_MAIN();

// simulate_bench: the in-process engine (`nashnet simulate`) against the work it cannot avoid.
//
// DESIGN.md, "Numbers it must reach":
//   - 2 players × 100 actions, Hedge, full information: one round <= 2 × the two payoff mat-vec
//     products v0 = A·x1, v1 = Bᵀ·x0 (the baseline, measured in this same binary);
//   - a congestion game with 1,000 players × 10 routes: >= 10^6 player-updates/s per core.
//
// Benchmarks (all single-threaded, no observer, so nothing is recorded):
//   BM_MatVecBaseline        the two bare Eigen mat-vecs on Eigen::Map of the game's payoff data.
//   BM_EngineRound           one round of the real engine on the same game: a Match with two
//                            LocalSeats (Hedge), driven exactly as server::Simulate drives it.
//   BM_EngineVsMatVec        both of the above interleaved in blocks of kPairBlock rounds inside
//                            one benchmark; counter `ratio` = median over blocks of
//                            (engine block CPU time / mat-vec block CPU time). The figure to
//                            quote: the two sides share every disturbance of this shared machine.
//                            /checked:1 drives the same learners through the checked
//                            Match::SubmitAction instead of LocalSeat's unchecked fast path.
//   BM_Simulate2x100         server::Simulate itself (PlanRun + Simulate, setup included).
//   BM_Routing/...           server::Simulate on braess / parallel_links, 1,000 players, Hedge,
//                            counterfactual or full feedback; counter `player_updates_per_s`
//                            = players × rounds / CPU time.
//
//   build/h6/bench/simulate_bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving
//   bench/run_benchmarks.sh   # builds, runs these and the numpy loop side by side, prints ratios
//
// Thread safety: not applicable (a benchmark executable).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "agents/learner.h"
#include "bench/engine_loop.h"
#include "bench/paired_timing.h"
#include "common/rng.h"
#include "common/status_macros.h"
#include "games/catalogue/registry.h"
#include "games/finite_game.h"
#include "games/normal_form_game.h"
#include "nashnet/v1/spec.pb.h"
#include "server/local_seat.h"
#include "server/match.h"
#include "server/simulation.h"

namespace nashnet::bench {
namespace {

constexpr int kActions = 100;      // the 2-player game is kActions × kActions
constexpr uint64_t kGameSeed = 1;  // random_generic's seed
constexpr uint64_t kRunSeed = 7;   // the match's seed (learners' RNG streams)
constexpr int kPairBlock = 256;    // rounds per block of BM_EngineVsMatVec (~1 ms a block)
constexpr int kRoutingPlayers = 1000;
constexpr int64_t kSimulateRounds = 20'000;  // BM_Simulate2x100: rounds per Simulate call
constexpr int64_t kRoutingRounds = 200;      // BM_Routing: rounds per Simulate call

// random_generic(players=2, actions=100, seed=1): i.i.d. uniform payoffs on [0, 1].
absl::StatusOr<std::shared_ptr<const games::NormalFormGame>> MakeGame2x100() {
  NASHNET_ASSIGN_OR_RETURN(
      std::shared_ptr<const games::Game> game,
      games::BuiltinGameRegistry().Make("random_generic", {{"players", "2"},
                                                           {"actions", absl::StrCat(kActions)},
                                                           {"seed", absl::StrCat(kGameSeed)}}));
  auto normal_form = std::dynamic_pointer_cast<const games::NormalFormGame>(game);
  if (normal_form == nullptr) return absl::InternalError("random_generic is not a NormalFormGame");
  return normal_form;
}

// The baseline: v0 = A·x1 and v1 = Bᵀ·x0 on maps of the game's own payoff tensors (Gambit order,
// player 1 fastest, so A(a0, a1) is column-major), into preallocated vectors.
class MatVecBaseline {
 public:
  explicit MatVecBaseline(std::shared_ptr<const games::NormalFormGame> game)
      : game_(std::move(game)), v0_(kActions), v1_(kActions) {
    // Strategies away from uniform, as in a run: softmax of uniform scores on [0, 5).
    Rng rng(kRunSeed);
    for (Eigen::VectorXd* x : {&x0_, &x1_}) {
      x->resize(kActions);
      for (int a = 0; a < kActions; ++a) (*x)[a] = std::exp(5.0 * rng.Uniform());
      *x /= x->sum();
    }
  }

  void Run() {
    const Eigen::Map<const Eigen::MatrixXd> a(game_->payoffs(0).data(), kActions, kActions);
    const Eigen::Map<const Eigen::MatrixXd> b(game_->payoffs(1).data(), kActions, kActions);
    v0_.noalias() = a * x1_;
    v1_.noalias() = b.transpose() * x0_;
    benchmark::DoNotOptimize(v0_.data());
    benchmark::DoNotOptimize(v1_.data());
    benchmark::ClobberMemory();  // the next call must not reuse these results
  }

 private:
  std::shared_ptr<const games::NormalFormGame> game_;
  Eigen::VectorXd x0_, x1_, v0_, v1_;
};

// The checked variant of a round: the seats' work through the checked Match::SubmitAction
// (no seats, no loop), to price the checks a remote seat's input pays.
class CheckedLoop {
 public:
  static absl::StatusOr<std::unique_ptr<CheckedLoop>> Create(
      std::shared_ptr<const games::Game> game, agents::FeedbackModel feedback,
      const std::string& algorithm) {
    server::MatchOptions options{.feedback = feedback,
                                 .rounds = int64_t{1} << 50,  // never finishes in a benchmark
                                 .seed = kRunSeed};
    NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<server::Match> match,
                             server::Match::Create(std::move(game), options));
    std::unique_ptr<CheckedLoop> loop(new CheckedLoop(std::move(match)));
    const int n = loop->match_->game().num_players();
    for (int i = 0; i < n; ++i) {
      NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<agents::Learner> learner,
                               agents::MakeLearner(algorithm, {}, loop->match_->ViewFor(i)));
      loop->learners_.push_back(std::move(learner));
    }
    loop->feedback_.resize(n);
    return loop;
  }

  absl::Status Round() {
    for (size_t i = 0; i < learners_.size(); ++i) {
      const agents::MixedStrategy& strategy = learners_[i]->strategy();
      const agents::Action action = learners_[i]->Act();
      NASHNET_RETURN_IF_ERROR(match_->SubmitAction(static_cast<int>(i), action, &strategy));
    }
    match_->Resolve(&feedback_);
    for (size_t i = 0; i < learners_.size(); ++i) learners_[i]->Update(feedback_[i]);
    return absl::OkStatus();
  }

 private:
  explicit CheckedLoop(std::unique_ptr<server::Match> match) : match_(std::move(match)) {}

  std::unique_ptr<server::Match> match_;
  std::vector<std::unique_ptr<agents::Learner>> learners_;
  std::vector<agents::Feedback> feedback_;
};

// Seconds per round as a benchmark counter (shown as e.g. "3.1u" = 3.1 µs).
benchmark::Counter PerRound(double rounds) {
  return benchmark::Counter(rounds, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_MatVecBaseline(benchmark::State& state) {
  auto game = MakeGame2x100();
  if (!game.ok()) {
    state.SkipWithError(std::string(game.status().message()).c_str());
    return;
  }
  MatVecBaseline baseline(*game);
  for (auto _ : state) baseline.Run();
  state.counters["s_per_round"] = PerRound(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_MatVecBaseline);

void BM_EngineRound(benchmark::State& state) {
  auto game = MakeGame2x100();
  if (!game.ok()) {
    state.SkipWithError(std::string(game.status().message()).c_str());
    return;
  }
  auto loop = EngineLoop::Create(*game, agents::FeedbackModel::kFull, "hedge", kRunSeed);
  if (!loop.ok()) {
    state.SkipWithError(std::string(loop.status().message()).c_str());
    return;
  }
  for (auto _ : state) (*loop)->Round();
  state.counters["s_per_round"] = PerRound(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_EngineRound);

// Each iteration: kPairBlock mat-vec baselines, then kPairBlock engine rounds, each block timed
// by thread CPU time (counters ratio, matvec_s, engine_s) and by the wall clock (ratio_wall).
// Argument checked: 0 = the round loop with LocalSeats, as Simulate plays (the figure); 1 = the
// same learners through the checked Match::SubmitAction, the entry point remote seats use (the
// price of the checks).
void BM_EngineVsMatVec(benchmark::State& state) {
  const bool checked = state.range(0) == 1;
  auto game = MakeGame2x100();
  if (!game.ok()) {
    state.SkipWithError(std::string(game.status().message()).c_str());
    return;
  }
  MatVecBaseline baseline(*game);
  auto loop = EngineLoop::Create(*game, agents::FeedbackModel::kFull, "hedge", kRunSeed);
  auto checked_loop = CheckedLoop::Create(*game, agents::FeedbackModel::kFull, "hedge");
  if (!loop.ok() || !checked_loop.ok()) {
    state.SkipWithError("cannot build the loops");
    return;
  }
  using Clock = std::chrono::steady_clock;
  std::vector<double> ratios, ratios_wall, baseline_s, engine_s;
  for (auto _ : state) {
    const double c0 = ThreadCpuSeconds();
    const auto w0 = Clock::now();
    for (int k = 0; k < kPairBlock; ++k) baseline.Run();
    const double c1 = ThreadCpuSeconds();
    const auto w1 = Clock::now();
    for (int k = 0; k < kPairBlock; ++k) {
      if (!checked) {
        (*loop)->Round();
      } else if (absl::Status st = (*checked_loop)->Round(); !st.ok()) {
        state.SkipWithError(std::string(st.message()).c_str());
        return;
      }
    }
    const double c2 = ThreadCpuSeconds();
    const auto w2 = Clock::now();
    baseline_s.push_back((c1 - c0) / kPairBlock);
    engine_s.push_back((c2 - c1) / kPairBlock);
    ratios.push_back((c2 - c1) / (c1 - c0));
    ratios_wall.push_back(std::chrono::duration<double>(w2 - w1).count() /
                          std::chrono::duration<double>(w1 - w0).count());
  }
  state.counters["ratio"] = Median(ratios);
  state.counters["ratio_wall"] = Median(ratios_wall);
  state.counters["matvec_s"] = Median(baseline_s);
  state.counters["engine_s"] = Median(engine_s);
  state.counters["blocks"] = static_cast<double>(ratios.size());
}
BENCHMARK(BM_EngineVsMatVec)->ArgName("checked")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// A RunSpec for Simulate: `game` with `params`, every player Hedge, `feedback`, `rounds` rounds,
// only the last round "recorded" (and no observer anyway).
v1::RunSpec MakeSpec(const std::string& game,
                     const std::vector<std::pair<std::string, std::string>>& params,
                     v1::FeedbackModel feedback, int64_t rounds) {
  v1::RunSpec spec;
  spec.set_name("bench");
  spec.mutable_game()->set_name(game);
  for (const auto& [key, value] : params) (*spec.mutable_game()->mutable_params())[key] = value;
  spec.mutable_learner()->set_algorithm("hedge");
  spec.mutable_feedback()->set_model(feedback);
  spec.set_rounds(rounds);
  spec.set_seed(kRunSeed);
  spec.set_record_every(rounds);
  return spec;
}

// Runs Simulate on `spec` once per iteration; returns false (after SkipWithError) on an error.
bool RunSimulate(benchmark::State& state, const v1::RunSpec& spec) {
  auto plan = server::PlanRun(spec, ".");
  if (!plan.ok()) {
    state.SkipWithError(std::string(plan.status().message()).c_str());
    return false;
  }
  for (auto _ : state) {
    auto summary = server::Simulate(*plan, kRunSeed, /*observer=*/nullptr, {});
    if (!summary.ok()) {
      state.SkipWithError(std::string(summary.status().message()).c_str());
      return false;
    }
    benchmark::DoNotOptimize(summary->nash_gap);
  }
  return true;
}

void BM_Simulate2x100(benchmark::State& state) {
  const v1::RunSpec spec = MakeSpec(
      "random_generic",
      {{"players", "2"}, {"actions", absl::StrCat(kActions)}, {"seed", absl::StrCat(kGameSeed)}},
      v1::FEEDBACK_MODEL_FULL, kSimulateRounds);
  if (!RunSimulate(state, spec)) return;
  state.counters["s_per_round"] =
      PerRound(static_cast<double>(state.iterations()) * kSimulateRounds);
}
BENCHMARK(BM_Simulate2x100)->Unit(benchmark::kMillisecond);

// Arguments: game (0 = braess, 1 = parallel_links with 10 links), feedback (0 = counterfactual,
// 1 = full).
void BM_Routing(benchmark::State& state) {
  const bool braess = state.range(0) == 0;
  const bool full = state.range(1) == 1;
  std::vector<std::pair<std::string, std::string>> params = {
      {"players", absl::StrCat(kRoutingPlayers)}};
  if (!braess) params.emplace_back("links", "10");
  const v1::RunSpec spec =
      MakeSpec(braess ? "braess" : "parallel_links", params,
               full ? v1::FEEDBACK_MODEL_FULL : v1::FEEDBACK_MODEL_COUNTERFACTUAL, kRoutingRounds);
  state.SetLabel(absl::StrCat(braess ? "braess" : "parallel_links(links=10)",
                              " players=", kRoutingPlayers, full ? " full" : " counterfactual"));
  if (!RunSimulate(state, spec)) return;
  const double updates = static_cast<double>(state.iterations()) * kRoutingRounds * kRoutingPlayers;
  state.counters["player_updates_per_s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  state.counters["s_per_round"] =
      PerRound(static_cast<double>(state.iterations()) * kRoutingRounds);
}
BENCHMARK(BM_Routing)
    ->ArgNames({"game", "full"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nashnet::bench

BENCHMARK_MAIN();

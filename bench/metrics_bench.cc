// metrics_bench: the per-round cost of the Prometheus export (server/metrics/) next to the
// per-round work of the game itself, both measured in this same binary.
//
// DESIGN.md's target: "metrics export <= 5 % of round time". What a hosted game does per round
// for the exporter (server/service/hosted_game.cc, with --metrics-listen) is, for 2 remote seats:
//   - 4 clock reads (BeginRound, ResolveRound, and one per accepted Action);
//   - GameMetrics::RoundResolved and 2 × GameMetrics::AgentResponded (kept in the game: the
//     service's counter and histograms get them at the game's next publish, inside Publish);
//   - when the round is due (every round with --metrics-period-ms 0): Match::Snapshot() (unless
//     the round was recorded anyway) and GameMetrics::Publish (the gauges, the aggregates).
//
// Benchmarks (single-threaded; actions = actions per player of a 2-player game: 2 is
// matching_pennies, 100 is random_generic(players=2, actions=100, seed=1)):
//   BM_MatchRound/actions       one round as Simulate plays it: 2 LocalSeats (Hedge, full
//                               information) Play, Match::Resolve (payoffs + metric trackers),
//                               Update.
//   BM_ServiceEvents            the per-round service events above (clock reads included).
//   BM_LocalGameEvents          the same for a game of local seats only: one round in 64 timed
//                               (2 clock reads, RoundResolved), the others RoundCounted.
//   BM_Publish/actions/detailed GameMetrics::Publish of one RoundMetrics; detailed:0 = a game
//                               without a detail slot (aggregates only).
//   BM_Snapshot/actions         Match::Snapshot() — what a publish needs when nobody else did.
//   BM_ExportVsRound/actions    the figure to quote: blocks of kPairBlock match rounds, then
//                               kPairBlock × (service events + Publish), then kPairBlock snapshots,
//                               each block timed by thread CPU time; counters = medians over
//                               blocks: round_s, export_s, snapshot_s per round, and
//                               ratio = export / round, ratio_snapshot = (export + snapshot) /
//                               round (period 0, no record round: the worst case).
//   BM_Scrape/games             one scrape's serialization (Registry::Collect + TextSerializer,
//                               what civetweb's thread does per GET /metrics) with `games` live
//                               2×2 games, 64 of them detailed, all published once.
//
//   build/bench/bench/metrics_bench --benchmark_repetitions=3
//
// Thread safety: not applicable (a benchmark executable).
#include <benchmark/benchmark.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "agents/learner.h"
#include "bench/engine_loop.h"
#include "bench/paired_timing.h"
#include "common/status_macros.h"
#include "games/catalogue/registry.h"
#include "server/match.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
#include "server/round_metrics.h"

namespace nashnet::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kRunSeed = 7;     // the match's seed (learners' RNG streams)
constexpr int kWarmupRounds = 1000;  // rounds played before measuring (strategies away from init)
constexpr int kPairBlock = 256;      // rounds per block of BM_ExportVsRound
constexpr int kDetailGames = 64;     // --metrics-detail-games default

// matching_pennies (actions = 2) or random_generic(players=2, actions, seed=1).
absl::StatusOr<std::shared_ptr<const games::Game>> MakeGame(int actions) {
  if (actions == 2) return games::BuiltinGameRegistry().Make("matching_pennies", {});
  return games::BuiltinGameRegistry().Make(
      "random_generic", {{"players", "2"}, {"actions", absl::StrCat(actions)}, {"seed", "1"}});
}

// The exporter's side of one hosted game with 2 remote seats: a ServiceMetrics (period 0, so
// every round is due) and the game's GameMetrics, publishing `snapshot` with a growing round.
class Exporter {
 public:
  static absl::StatusOr<std::unique_ptr<Exporter>> Create(const games::Game& game,
                                                          server::RoundMetrics snapshot,
                                                          bool detailed) {
    NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<server::ServiceMetrics> service,
                             server::ServiceMetrics::Create(
                                 {.detail_games = detailed ? kDetailGames : 0, .period_ms = 0}));
    std::unique_ptr<Exporter> e(new Exporter(std::move(service), std::move(snapshot)));
    e->game_ = e->service_->ForGame("bench", server::GameShape::Of(game));
    return e;
  }

  // A round's service events: what ResolveRound/OnAction do with metrics on (no publish).
  void Events() {
    const Clock::time_point round_start = Clock::now();  // BeginRound
    for (int seat = 0; seat < 2; ++seat) {               // OnAction, per remote seat
      game_->AgentResponded(std::chrono::duration<double>(Clock::now() - round_start).count());
    }
    const Clock::time_point now = Clock::now();  // ResolveRound
    game_->RoundResolved(std::chrono::duration<double>(now - round_start).count());
    benchmark::DoNotOptimize(game_->Due(snapshot_.round + 1, /*final=*/false, now));
  }

  // A round's events in a game of local seats only: one round in kTimedRoundEvery is timed
  // (and checks the publish period); the others are only counted.
  void LocalEvents() {
    if (++local_round_ % server::GameMetrics::kTimedRoundEvery != 1) {
      game_->RoundCounted();
      return;
    }
    const Clock::time_point round_start = Clock::now();  // BeginRound
    const Clock::time_point now = Clock::now();          // ResolveRound
    game_->RoundResolved(std::chrono::duration<double>(now - round_start).count());
    benchmark::DoNotOptimize(game_->Due(snapshot_.round + 1, /*final=*/false, now));
  }

  // The round's publish (the Snapshot taken elsewhere).
  void Publish() {
    ++snapshot_.round;
    game_->Publish(snapshot_, Clock::time_point(std::chrono::nanoseconds(snapshot_.round)));
  }

  server::ServiceMetrics& service() { return *service_; }

 private:
  Exporter(std::unique_ptr<server::ServiceMetrics> service, server::RoundMetrics snapshot)
      : service_(std::move(service)), snapshot_(std::move(snapshot)) {}

  std::unique_ptr<server::ServiceMetrics> service_;
  std::unique_ptr<server::GameMetrics> game_;  // destroyed before service_
  server::RoundMetrics snapshot_;
  int64_t local_round_ = 0;
};

// Hedge on the random 2-player game of `actions` actions, on the real round loop, after
// kWarmupRounds rounds (strategies away from their start).
absl::StatusOr<std::unique_ptr<EngineLoop>> MakeEngine(int actions) {
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const games::Game> game, MakeGame(actions));
  NASHNET_ASSIGN_OR_RETURN(
      std::unique_ptr<EngineLoop> loop,
      EngineLoop::Create(std::move(game), agents::FeedbackModel::kFull, "hedge", kRunSeed));
  for (int k = 0; k < kWarmupRounds; ++k) loop->Round();
  return loop;
}

// A snapshot of the game after kWarmupRounds rounds (real strategies, regrets and gaps).
absl::StatusOr<server::RoundMetrics> WarmSnapshot(int actions) {
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<EngineLoop> loop, MakeEngine(actions));
  return loop->match().Snapshot();
}

benchmark::Counter PerRound(double rounds) {
  return benchmark::Counter(rounds, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <typename T>
bool Check(benchmark::State& state, const absl::StatusOr<T>& value) {
  if (value.ok()) return true;
  state.SkipWithError(std::string(value.status().message()).c_str());
  return false;
}

void BM_MatchRound(benchmark::State& state) {
  auto loop = MakeEngine(static_cast<int>(state.range(0)));
  if (!Check(state, loop)) return;
  for (auto _ : state) (*loop)->Round();
  state.counters["s_per_round"] = PerRound(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_MatchRound)->ArgName("actions")->Arg(2)->Arg(100);

void BM_ServiceEvents(benchmark::State& state) {
  auto game = MakeGame(2);
  auto snapshot = WarmSnapshot(2);
  if (!Check(state, game) || !Check(state, snapshot)) return;
  auto exporter = Exporter::Create(**game, *snapshot, /*detailed=*/true);
  if (!Check(state, exporter)) return;
  for (auto _ : state) (*exporter)->Events();
  state.counters["s_per_round"] = PerRound(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_ServiceEvents);

void BM_LocalGameEvents(benchmark::State& state) {
  auto game = MakeGame(2);
  auto snapshot = WarmSnapshot(2);
  if (!Check(state, game) || !Check(state, snapshot)) return;
  auto exporter = Exporter::Create(**game, *snapshot, /*detailed=*/true);
  if (!Check(state, exporter)) return;
  for (auto _ : state) (*exporter)->LocalEvents();
  state.counters["s_per_round"] = PerRound(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_LocalGameEvents);

void BM_Publish(benchmark::State& state) {
  const int actions = static_cast<int>(state.range(0));
  auto game = MakeGame(actions);
  auto snapshot = WarmSnapshot(actions);
  if (!Check(state, game) || !Check(state, snapshot)) return;
  auto exporter = Exporter::Create(**game, *snapshot, state.range(1) == 1);
  if (!Check(state, exporter)) return;
  for (auto _ : state) (*exporter)->Publish();
  state.counters["s_per_round"] = PerRound(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Publish)
    ->ArgNames({"actions", "detailed"})
    ->Args({2, 1})
    ->Args({2, 0})
    ->Args({100, 1});

void BM_Snapshot(benchmark::State& state) {
  auto loop = MakeEngine(static_cast<int>(state.range(0)));
  if (!Check(state, loop)) return;
  for (auto _ : state) {
    server::RoundMetrics m = (*loop)->match().Snapshot();
    benchmark::DoNotOptimize(m.nash_gap);
  }
  state.counters["s_per_round"] = PerRound(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Snapshot)->ArgName("actions")->Arg(2)->Arg(100);

void BM_ExportVsRound(benchmark::State& state) {
  const int actions = static_cast<int>(state.range(0));
  auto loop = MakeEngine(actions);
  if (!Check(state, loop)) return;
  auto exporter =
      Exporter::Create((*loop)->match().game(), (*loop)->match().Snapshot(), /*detailed=*/true);
  if (!Check(state, exporter)) return;
  std::vector<double> round_s, export_s, snapshot_s, ratio, ratio_snapshot;
  for (auto _ : state) {
    const double c0 = ThreadCpuSeconds();
    for (int k = 0; k < kPairBlock; ++k) (*loop)->Round();
    const double c1 = ThreadCpuSeconds();
    for (int k = 0; k < kPairBlock; ++k) {
      (*exporter)->Events();
      (*exporter)->Publish();
    }
    const double c2 = ThreadCpuSeconds();
    for (int k = 0; k < kPairBlock; ++k) {
      server::RoundMetrics m = (*loop)->match().Snapshot();
      benchmark::DoNotOptimize(m.nash_gap);
    }
    const double c3 = ThreadCpuSeconds();
    round_s.push_back((c1 - c0) / kPairBlock);
    export_s.push_back((c2 - c1) / kPairBlock);
    snapshot_s.push_back((c3 - c2) / kPairBlock);
    ratio.push_back((c2 - c1) / (c1 - c0));
    ratio_snapshot.push_back((c3 - c1) / (c1 - c0));
  }
  state.counters["round_s"] = Median(round_s);
  state.counters["export_s"] = Median(export_s);
  state.counters["snapshot_s"] = Median(snapshot_s);
  state.counters["ratio"] = Median(ratio);
  state.counters["ratio_snapshot"] = Median(ratio_snapshot);
  state.counters["blocks"] = static_cast<double>(ratio.size());
}
BENCHMARK(BM_ExportVsRound)->ArgName("actions")->Arg(2)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_Scrape(benchmark::State& state) {
  const int games = static_cast<int>(state.range(0));
  auto game = MakeGame(2);
  auto snapshot = WarmSnapshot(2);
  if (!Check(state, game) || !Check(state, snapshot)) return;
  auto service = server::ServiceMetrics::Create({.detail_games = kDetailGames, .period_ms = 0});
  if (!Check(state, service)) return;
  std::vector<std::unique_ptr<server::GameMetrics>> live;
  for (int g = 0; g < games; ++g) {
    live.push_back((*service)->ForGame(absl::StrCat("g", g), server::GameShape::Of(**game)));
    live.back()->RoundResolved(1e-4);
    live.back()->Publish(*snapshot);
  }
  const prometheus::TextSerializer serializer;
  size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream out;
    serializer.Serialize(out, (*service)->registry()->Collect());
    bytes = out.str().size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  live.clear();  // before the ServiceMetrics
}
BENCHMARK(BM_Scrape)->ArgName("games")->Arg(1)->Arg(500)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace nashnet::bench

BENCHMARK_MAIN();

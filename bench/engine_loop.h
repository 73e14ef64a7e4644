// EngineLoop: one match of local Learner seats on the real round loop (server/round_loop.h),
// advanced one round per Round() — exactly what server::Simulate runs, minus the record.
//
//   auto loop = bench::EngineLoop::Create(game, agents::FeedbackModel::kFull, "hedge");
//   for (auto _ : state) (*loop)->Round();
//
// Thread safety: one benchmark thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "agents/learner.h"
#include "common/status_macros.h"
#include "server/local_seat.h"
#include "server/match.h"
#include "server/round_loop.h"

namespace nashnet::bench {

class EngineLoop final : private server::RoundListener {
 public:
  static absl::StatusOr<std::unique_ptr<EngineLoop>> Create(std::shared_ptr<const games::Game> game,
                                                            agents::FeedbackModel feedback,
                                                            const std::string& algorithm,
                                                            uint64_t seed) {
    server::MatchOptions options{.feedback = feedback,
                                 .rounds = int64_t{1} << 50,  // never finishes in a benchmark
                                 .seed = seed};
    NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<server::Match> match,
                             server::Match::Create(std::move(game), options));
    std::unique_ptr<EngineLoop> engine(new EngineLoop());
    server::RoundLoopConfig config;
    for (int i = 0; i < match->game().num_players(); ++i) {
      NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<agents::Learner> learner,
                               agents::MakeLearner(algorithm, {}, match->ViewFor(i)));
      config.seats.push_back(std::make_unique<server::LocalSeat>(std::move(learner)));
      config.remote.push_back(false);
    }
    config.match = std::move(match);
    config.listener = engine.get();
    config.options.slice_rounds = 1;  // Advance() resolves one round
    NASHNET_ASSIGN_OR_RETURN(engine->loop_, server::RoundLoop::Create(std::move(config)));
    engine->loop_->TryStart();
    return engine;
  }

  // Plays one round (the next round's local draws included, as in a run).
  void Round() { (void)loop_->Advance(); }

  [[nodiscard]] const server::Match& match() const { return loop_->match(); }

 private:
  EngineLoop() = default;
  void OnRunning(bool /*first*/) override {}
  void OnRoundResolved(int64_t /*round*/) override {}
  void OnSeatMissed(int /*seat*/, int64_t /*round*/) override {}
  void OnSeatLost(int /*seat*/, server::SeatLoss /*why*/) override {}
  void OnEnded(server::GameState /*state*/) override {}

  std::unique_ptr<server::RoundLoop> loop_;
};

}  // namespace nashnet::bench

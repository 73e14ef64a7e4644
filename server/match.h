// Match: one repeated game — what users and the API call "a game" (a game id names a match).
//
// A match owns the game, the round counter, the coordinator's noise RNG and the metric trackers.
// It is a state machine without I/O: the in-process simulation (local seats) and the networked
// coordinator (remote seats, on an Asio strand) drive the very same code, so both produce the same
// metrics and, with the same seeds, the same trajectory. One round:
//
//   for each player i: match.SubmitAction(i, action_i, &strategy_i);   // checked, any order
//   (local seats of nashnet's own learners: match.SubmitActionUnchecked(i, action_i, &strategy_i))
//   if (match.all_submitted()) match.Resolve(&feedback);  // true payoffs, noise, metrics, feedback
//   RoundMetrics m = match.Snapshot();                    // on demand (record rounds)
//
// Thread safety: none; a match is touched from one place at a time (its strand or its thread).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/learner.h"
#include "games/game.h"
#include "server/round_metrics.h"

namespace nashnet::server {

enum class NoiseDistribution { kGaussian, kUniform };

struct MatchOptions {
  agents::FeedbackModel feedback = agents::FeedbackModel::kFull;
  NoiseDistribution noise = NoiseDistribution::kGaussian;  // noisy / bandit models
  double sigma = 0.0;     // noise standard deviation (>= 0; > 0 required for kNoisy)
  int64_t rounds = 1000;  // horizon T >= 1
  uint64_t seed = 0;      // the run's seed: noise stream and every player's learner seed

  [[nodiscard]] absl::Status Validate() const;
};

class MatchMetrics;  // metric trackers (server/match_metrics.h)

class Match {
 public:
  // Checks the options against the game (e.g. full feedback needs no noise, noisy needs
  // sigma > 0) and builds the match at round 1. Continuous games take all four models
  // (counterfactual = full: u_i(·; z_-i(t)) against the played points). With sigma > 0 the
  // counterfactual and bandit models add noise too; the match's noise stream draws players in
  // order, for each the payoff-vector components in order, then the realized payoff.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Match>> Create(
      std::shared_ptr<const games::Game> game, const MatchOptions& options);
  ~Match();

  // The game as player `player` sees it; its seed is MixSeed(options.seed, player).
  [[nodiscard]] agents::PlayerView ViewFor(int player) const;

  // The round awaiting actions, 1..T; T+1 once the match is over.
  [[nodiscard]] int64_t round() const { return round_; }
  [[nodiscard]] bool finished() const { return round_ > options_.rounds; }
  [[nodiscard]] const games::Game& game() const { return *game_; }
  [[nodiscard]] const MatchOptions& options() const { return options_; }

  // Checked entry point for player `player`'s action this round. `strategy` is the mixed strategy
  // the action was drawn from (required for full/noisy feedback on finite games; optional
  // otherwise: without it the played action stands for the strategy). InvalidArgument naming the
  // fault: player out of range, action out of range / wrong dimension / non-finite, strategy of
  // the wrong size, negative or non-finite entries, or not summing to 1 (±1e-6);
  // FailedPrecondition if the player already submitted this round or the match is over.
  [[nodiscard]] absl::Status SubmitAction(int player, const agents::Action& action,
                                          const agents::MixedStrategy* strategy);

  // Unchecked fast path for in-process seats whose learners are nashnet's own (LocalSeat with a
  // learner from agents::MakeLearner), called inside the round loop. The caller guarantees
  // everything SubmitAction checks: the match is not over, `player` is in range and has not
  // submitted this round, and the action and strategy are valid for the feedback model. Nothing is
  // checked; the state update is exactly SubmitAction's (the same private Store), so both paths
  // give the same round. Input from outside nashnet (remote seats, RPC messages) must use
  // SubmitAction.
  void SubmitActionUnchecked(int player, const agents::Action& action,
                             const agents::MixedStrategy* strategy);

  [[nodiscard]] bool all_submitted() const;

  // Plays the round (requires all_submitted()): true payoffs, noise from the match's RNG, metric
  // trackers; fills (*feedback)[i] with what player i may see; advances round().
  void Resolve(std::vector<agents::Feedback>* feedback);

  // The metrics after the last resolved round (round 0 before any). Computes the on-demand parts
  // (empirical Nash gap, distances), so call it at record rounds, not necessarily every round.
  [[nodiscard]] RoundMetrics Snapshot() const;

 private:
  Match(std::shared_ptr<const games::Game> game, const MatchOptions& options);
  // Records an accepted submission (SubmitAction after its checks, SubmitActionUnchecked as is).
  void Store(int player, const agents::Action& action, const agents::MixedStrategy* strategy);

  std::shared_ptr<const games::Game> game_;
  MatchOptions options_;
  int64_t round_ = 1;
  std::unique_ptr<MatchMetrics> metrics_;
  // The round being collected, the noise RNG and per-kind state live in the .cc (see match.cc).
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace nashnet::server

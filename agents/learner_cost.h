// LearnerCost: what a learner will cost — its memory at its largest over the horizon and its
// work per round — from its algorithm, parameters and the player's view alone, without building
// it (admission control, server/admission.h). Bytes are heap bytes as glibc's malloc hands them
// out (games/footprint.h's HeapBytes), counted from the members of each learner class:
//
//   hedge, hedge-lr   the object, scores and strategy: 2 vectors of |A| doubles
//   bandit-hedge      scores, x̃ and strategy: 3 vectors of |A|
//   kernel-da         n = grid^d cells (grid given, or KernelDaOptions::AutoGrid): centres (d×n),
//                     scores, masses, strategy (n + 2·d×n cell bounds), the kernel's ball (n ints)
//   hda               n = 2^L cells at its finest level L = min(max_level, Level(T or the block
//                     length)): scores, p, strategy (n + 2·d×n), and a refinement's new scores
//
//   NASHNET_ASSIGN_OR_RETURN(LearnerCost c, EstimateLearnerCost("hda", {}, view));
//
// Thread safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agents/learner.h"

namespace nashnet::agents {

struct LearnerCost {
  int64_t bytes = 0;  // heap bytes at the learner's largest (the object included)
  // Per round, excluding the payoff function's own work: Gibbs weights, sampling, the update.
  double round_work = 0.0;
  // Feedback::payoff_function calls per round (kernel-da under full or noisy feedback: one per
  // cell); each costs the game's PayoffsAgainst for one point.
  int64_t payoff_calls = 0;
  // The size of the strategy it reports: actions (finite) or cells (continuous) at its largest.
  int64_t strategy_size = 0;
  // The parameter that set strategy_size when one did ("grid", "max_level"); empty for defaults.
  std::string size_param;
};

// The cost of MakeLearner(algorithm, params, view) over view.horizon rounds (0 = unknown: the
// largest it can grow to). The same InvalidArgument as MakeLearner for an unknown algorithm or
// parameter, or a value the options refuse; nothing is built.
[[nodiscard]] absl::StatusOr<LearnerCost> EstimateLearnerCost(std::string_view algorithm,
                                                              const LearnerParams& params,
                                                              const PlayerView& view);

}  // namespace nashnet::agents

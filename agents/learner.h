// Learner: one player's learning algorithm, behind one narrow interface.
//
// A learner sees only what its player sees (PlayerView: the action space, payoff bounds, the
// feedback model, the horizon, its RNG seed) and the feedback of each round; it never sees a
// socket or the game itself. The same learner runs in-process (a local seat of a match) and in
// the nashnet-agent executable (a remote seat), so with the same seed it plays the same actions.
//
//   NASHNET_ASSIGN_OR_RETURN(auto learner, MakeLearner("hedge", {{"beta", 0.6}}, view));
//   for (int64_t t = 1; t <= T; ++t) {
//     const MixedStrategy& x = learner->strategy();   // x(t), reported to the coordinator
//     Action a = learner->Act();                       // a(t) ~ x(t), from the learner's own RNG
//     ... the coordinator plays the round ...
//     learner->Update(feedback);                       // Feedback for round t
//   }
//
// Thread safety: none; a learner is owned and driven by one seat.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "games/continuous_game.h"
#include "games/game.h"

namespace nashnet::agents {

// What a player is told about the feedback it will get (a property of the game).
enum class FeedbackModel {
  kFull,   // payoff vector v_i(x(t)) (finite) / payoff function u_i(·; z_-i(t)) (continuous)
  kNoisy,  // the same plus zero-mean noise
  kCounterfactual,  // v_i(a_-i(t)): payoffs of all actions against the others' played actions
  kBandit,          // the realized payoff u_i(a(t)) only (plus optional noise)
};

// The game as one player sees it (what the networked service's Joined message carries).
struct PlayerView {
  int player = 0;  // this player's index (0-based)
  int num_players = 1;
  int num_actions = 0;              // finite games: |A_i| >= 1; 0 for continuous games
  games::Box box;                   // continuous games: K_i; empty (dimension 0) for finite
  games::PayoffRange payoff_range;  // bounds on the player's payoffs
  FeedbackModel feedback = FeedbackModel::kFull;
  int64_t horizon = 0;  // T, number of rounds (0 = unknown)
  uint64_t seed = 0;    // seed of the learner's own RNG (action sampling)

  [[nodiscard]] bool finite() const { return num_actions > 0; }
};

// A mixed strategy as reported to the coordinator.
//  Finite games: `probabilities` over actions (size |A_i|), sums to 1.
//  Continuous games: a piecewise-constant density: `probabilities[k]` is the mass of the box
//  [cell_lower.col(k), cell_upper.col(k)] (d × cells matrices); masses sum to 1.
struct MixedStrategy {
  Eigen::VectorXd probabilities;
  Eigen::MatrixXd cell_lower;
  Eigen::MatrixXd cell_upper;
};

// The action a learner plays in one round.
struct Action {
  int index = -1;         // finite games: the action in [0, |A_i|)
  Eigen::VectorXd point;  // continuous games: the point in K_i
  // The probability (finite) or density (continuous) with which the action was drawn, under the
  // distribution actually sampled (exploration included). NaN if not known.
  double probability = std::numeric_limits<double>::quiet_NaN();
};

// What the coordinator tells a player after round `round`. Only the fields that the feedback
// model allows are set; the others stay empty / NaN.
struct Feedback {
  int64_t round = 0;
  // u_i(a(t)), the realized payoff of the played action (bandit: possibly noisy). Always set.
  double payoff = std::numeric_limits<double>::quiet_NaN();
  // Finite games, full / noisy / counterfactual: the (estimated) payoff vector v̂_i (size |A_i|).
  Eigen::VectorXd payoff_vector;
  // Continuous games, full / noisy: z ↦ û_i(z; z_-i(t)) for z in K_i (noisy: plus noise drawn
  // by the coordinator on each call). Valid only during the Update call.
  std::function<double(const Eigen::VectorXd&)> payoff_function;
};

class Learner {
 public:
  virtual ~Learner() = default;

  // x(t), the mixed strategy the learner plays this round (exploration included). Valid until
  // the next Update.
  [[nodiscard]] virtual const MixedStrategy& strategy() const = 0;

  // Draws a(t) ~ strategy() with the learner's own RNG.
  [[nodiscard]] virtual Action Act() = 0;

  // Takes the feedback of the round just played and moves to the next round's strategy.
  virtual void Update(const Feedback& feedback) = 0;
};

// Learner parameters by name, e.g. {"gamma0", 0.1}, {"beta", 0.6}.
using LearnerParams = std::map<std::string, double, std::less<>>;

// Builds learner `algorithm` (hedge, hedge-lr, bandit-hedge, kernel-da, hda) with `params`
// (ALGORITHMS.md's defaults for those not given) for the player described by `view`.
// InvalidArgument for an unknown algorithm (listing the known), an unknown parameter (listing the
// algorithm's), an impossible value, or a learner that does not fit the action space.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Learner>> MakeLearner(std::string_view algorithm,
                                                                   const LearnerParams& params,
                                                                   const PlayerView& view);

// Every algorithm name MakeLearner accepts, with its parameters and one-line description.
struct LearnerInfo {
  std::string name;
  std::string description;
  std::vector<std::string> params;
  bool finite = true;  // for finite action sets (else continuous)
};
[[nodiscard]] const std::vector<LearnerInfo>& LearnerCatalogue();

}  // namespace nashnet::agents

// Game: the small core every nashnet game implements.
//
// A game is N players and their payoffs, built once and then immutable: matches share it as
// `std::shared_ptr<const Game>` and read it from any thread. Two families refine it:
//   FiniteGame      (finite_game.h)      finite action sets; payoff tensors, congestion games.
//   ContinuousGame  (continuous_game.h)  box action sets in R^d; Cournot, online losses.
// Payoffs are to be maximised (a loss ℓ is exposed as the payoff -ℓ or 1-ℓ; see each game).
//
// Thread safety: all const methods are safe to call concurrently.
#pragma once

#include <string>
#include <vector>

namespace nashnet::games {

enum class ActionKind { kFinite, kContinuous };

// Bounds on every payoff any player can receive in the game (min <= max).
struct PayoffRange {
  double min = 0.0;
  double max = 1.0;
  [[nodiscard]] double width() const { return max - min; }
};

class Game {
 public:
  virtual ~Game() = default;

  [[nodiscard]] virtual ActionKind action_kind() const = 0;
  [[nodiscard]] virtual int num_players() const = 0;
  // Bounds on all payoffs; used to scale step sizes and to normalise bandit feedback.
  [[nodiscard]] virtual PayoffRange payoff_range() const = 0;

  // A short human-readable name ("braess(players=1000)", the .nfg title, ...).
  [[nodiscard]] const std::string& name() const { return name_; }

 protected:
  explicit Game(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

}  // namespace nashnet::games

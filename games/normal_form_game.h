// NormalFormGame: a finite N-player game given by its payoff tensor.
//
// Payoffs are stored per player as one flat vector over pure profiles in Gambit order: player 1's
// strategy varies fastest (index = a_1 + n_1·(a_2 + n_2·(a_3 + ...)), 0-based). Labels (title,
// player names, strategy names, comment) are kept so that a game read from a .nfg file writes
// back identical.
//
//   auto game = NormalFormGame::Create({.title = "PD", .num_actions = {2, 2},
//                                       .payoffs = {{3, 5, 0, 1}, {3, 0, 5, 1}}});
//   if (!game.ok()) return game.status();
//   double u = (*game)->PurePayoff(0, std::vector<int>{1, 0});   // 5
//
// Thread safety: immutable after Create; all methods are const.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "games/finite_game.h"

namespace nashnet::games {

// Everything that defines a normal-form game. Labels left empty get defaults on Create
// ("Player 1", ..., strategies "1", "2", ...).
struct NormalFormGameData {
  std::string title;                                     // game name / .nfg title
  std::string comment;                                   // .nfg comment (may be empty)
  std::vector<std::string> player_names;                 // size N, or empty for defaults
  std::vector<int> num_actions;                          // |A_i| for each player, each >= 1; N >= 1
  std::vector<std::vector<std::string>> strategy_names;  // [i][a], or empty for defaults
  std::vector<std::vector<double>> payoffs;  // [i][profile index], Gambit order; all finite
};

class NormalFormGame final : public FiniteGame {
 public:
  // Checks shapes (sizes match, every count >= 1, payoffs finite) and builds the game.
  // Errors are InvalidArgument naming the offending field.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const NormalFormGame>> Create(
      NormalFormGameData data);

  // FiniteGame / Game.
  [[nodiscard]] int num_players() const override;
  [[nodiscard]] PayoffRange payoff_range() const override;
  [[nodiscard]] int num_actions(int player) const override;
  [[nodiscard]] double PurePayoff(int player, std::span<const int> profile) const override;
  void MixedPayoffVectors(const MixedProfile& x, std::vector<Eigen::VectorXd>* v) const override;
  void PurePayoffVectors(std::span<const int> profile,
                         std::vector<Eigen::VectorXd>* v) const override;

  // The flat index of a pure profile (Gambit order) and back.
  [[nodiscard]] int64_t ProfileIndex(std::span<const int> profile) const;
  [[nodiscard]] PureProfile ProfileAt(int64_t index) const;

  // Player i's payoffs over all profiles, Gambit order.
  [[nodiscard]] const Eigen::VectorXd& payoffs(int player) const;

  [[nodiscard]] const NormalFormGameData& data() const { return data_; }

 private:
  explicit NormalFormGame(NormalFormGameData data);

  NormalFormGameData data_;
  std::vector<Eigen::VectorXd> payoffs_;  // [i] flat tensor, Gambit order
  std::vector<int64_t> strides_;          // strides_[i] = Π_{j<i} n_j
  PayoffRange range_;
};

}  // namespace nashnet::games

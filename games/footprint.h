// GameFootprint: what a game will cost before it is built — its shape (players, action counts or
// box dimension), the bytes of the game object, and the work of one round's payoffs — computed
// from the game's parameters alone (GameRegistry::Footprint) or from a Gambit .nfg header
// (NfgFootprint), so that a coordinator can refuse a game that does not fit without building it
// (server/admission.h adds the match's, the learners' and the metric trackers' share).
//
//   NASHNET_ASSIGN_OR_RETURN(GameFootprint f,
//                            BuiltinGameRegistry().Footprint("braess", {{"players", "1000"}}));
//   f.players == 1000;  f.action_groups == {{3, 1000}};  f.label == "braess with 1000 players"
//
// Bytes are what the allocator hands out (HeapBytes: glibc's malloc chunks), so that estimates
// can be checked against a measured allocation. Work is counted in elementary operations (a
// multiply-add, one latency polynomial, one payoff term): a relative measure, not a time.
//
// Thread safety: plain values and free functions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "games/game.h"

namespace nashnet::games {

// The bytes a heap block of `bytes` takes from glibc's malloc: the request plus its 8-byte size
// header, rounded up to 16 bytes, at least 32 (malloc.c: MINSIZE, MALLOC_ALIGNMENT, SIZE_SZ).
// Zero for zero bytes (nothing is allocated: Eigen and std::vector skip empty buffers).
[[nodiscard]] constexpr int64_t HeapBytes(int64_t bytes) {
  if (bytes <= 0) return 0;
  const int64_t chunk = (bytes + 8 + 15) / 16 * 16;
  return chunk < 32 ? 32 : chunk;
}

// The heap bytes of a buffer of `count` doubles (an Eigen::VectorXd, a std::vector<double>).
[[nodiscard]] constexpr int64_t DoublesBytes(int64_t count) { return HeapBytes(8 * count); }

struct GameFootprint {
  ActionKind kind = ActionKind::kFinite;
  int64_t players = 0;
  // Finite games: groups of players sharing an action count, {actions, players in the group};
  // the players of all groups add up to `players`.
  std::vector<std::pair<int64_t, int64_t>> action_groups;
  // Finite games: Π_i |A_i|, saturating at kManyProfiles.
  int64_t profiles = 0;
  // Continuous games: d, the dimension of every player's box.
  int dimension = 0;
  // Continuous games: whether the game knows its equilibrium point (the metric trackers keep it:
  // one point per player), and whether its payoffs change with the round.
  bool has_equilibrium_point = false;
  bool time_varying = false;

  // The game object: payoff tensors, latencies and routes, names (heap bytes).
  int64_t game_bytes = 0;
  // One round's payoffs: finite, the mixed and the pure payoff vectors of every player;
  // continuous, u_i(z) for every player.
  double payoff_work = 0.0;
  // Continuous games: one PayoffsAgainst call costs against_call_work + against_point_work per
  // point evaluated (Cournot sums the others' quantities once per call: O(N)).
  double against_call_work = 0.0;
  double against_point_work = 0.0;

  // How to name the game in a refusal ("cournot with 1000000 players"), and the parameters that
  // set its size ("players", "links"), in the order they matter.
  std::string label;
  std::vector<std::string> size_params;

  static constexpr int64_t kManyProfiles = int64_t{1} << 62;

  // Σ_i |A_i| and max_i |A_i| over the action groups (finite games; 0 otherwise).
  [[nodiscard]] int64_t total_actions() const;
  [[nodiscard]] int64_t max_actions() const;
};

// The footprint of a game with an explicit payoff tensor (NormalFormGame) whose player i has
// `num_actions[i]` actions: two copies of the N·P payoffs (the data and its Eigen copy), default
// player and strategy names, and the N-player contraction's per-thread buffers
// (games/normal_form_game.cc). `label` names it in messages.
[[nodiscard]] GameFootprint TensorFootprint(const std::vector<int64_t>& num_actions,
                                            std::string label);

}  // namespace nashnet::games

// The families of built-in catalogue games, each registered by its own function; called by
// RegisterBuiltinGames (registry.cc). Internal to games/catalogue.
//
// Thread safety: call before sharing the registry.
#pragma once

#include <utility>

#include "games/catalogue/registry.h"

namespace nashnet::games::catalogue_internal {

// prisoners_dilemma, coordination, battle_of_the_sexes, stag_hunt, matching_pennies,
// rock_paper_scissors, shapley (matrix_games.cc).
void RegisterMatrixGames(GameRegistry* registry);
// random_generic, random_potential (random_games.cc).
void RegisterRandomGames(GameRegistry* registry);
// pigou, braess, parallel_links, network (routing_games.cc).
void RegisterRoutingGames(GameRegistry* registry);
// cournot (cournot.cc), online_bumps, online_drift (online_losses.cc).
void RegisterContinuousGames(GameRegistry* registry);

// The cournot entry's make and footprint functions (cournot.cc).
[[nodiscard]] absl::StatusOr<std::shared_ptr<const Game>> MakeCournot(const GameParams& params);
[[nodiscard]] absl::StatusOr<GameFootprint> CournotFootprint(const GameParams& params);

}  // namespace nashnet::games::catalogue_internal

namespace nashnet::games::catalogue_internal {

// Registers a built-in game; a name already taken (e.g. registered earlier by the embedding
// program, or a second RegisterBuiltinGames call) keeps its first entry.
inline void AddBuiltin(GameRegistry* registry, GameEntry entry) {
  registry->Register(std::move(entry)).IgnoreError();
}

}  // namespace nashnet::games::catalogue_internal

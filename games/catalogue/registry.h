// GameRegistry: the catalogue of named, parameterised games.
//
// Filled explicitly (no static initialisers) by RegisterBuiltinGames, called from main and tests:
//
//   GameRegistry registry;
//   RegisterBuiltinGames(&registry);
//   auto game = registry.Make("braess", {{"players", "1000"}});
//
// Parameters arrive as strings (as written in run files and on the command line); each game
// parses and checks its own and answers InvalidArgument naming the parameter.
//
// Thread safety: Register before sharing; Make and entries are const and safe concurrently.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "games/footprint.h"
#include "games/game.h"

namespace nashnet::games {

using GameParams = std::map<std::string, std::string, std::less<>>;

struct GameParamInfo {
  std::string name;
  std::string default_value;  // as text; empty = required
  std::string description;
};

struct GameEntry {
  std::string name;         // e.g. "prisoners_dilemma"
  std::string description;  // one line
  std::vector<GameParamInfo> params;
  // Builds the game from parameters already checked to be among `params` (defaults filled in).
  std::function<absl::StatusOr<std::shared_ptr<const Game>>(const GameParams&)> make;
  // What `make` would build and cost, from the same parameters, without building it: in well
  // under a millisecond and allocating nothing in proportion to the game (games/footprint.h).
  // Checks the parameters as `make` does. Empty: the game's cost is unknown (Footprint answers
  // Unimplemented); every built-in game has one.
  std::function<absl::StatusOr<GameFootprint>(const GameParams&)> footprint;
};

class GameRegistry {
 public:
  // AlreadyExists if the name is taken.
  [[nodiscard]] absl::Status Register(GameEntry entry);

  // NotFound for an unknown name (the message lists the known ones); InvalidArgument for an
  // unknown parameter (listing the game's) or a bad value.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const Game>> Make(std::string_view name,
                                                                 const GameParams& params) const;

  // The footprint of the game Make would build (the same errors), without building it;
  // Unimplemented for an entry without a footprint function.
  [[nodiscard]] absl::StatusOr<GameFootprint> Footprint(std::string_view name,
                                                        const GameParams& params) const;

  [[nodiscard]] const GameEntry* Find(std::string_view name) const;
  [[nodiscard]] const std::vector<GameEntry>& entries() const { return entries_; }

 private:
  // The entry of `name` and its parameters checked and completed with defaults.
  [[nodiscard]] absl::StatusOr<std::pair<const GameEntry*, GameParams>> Resolve(
      std::string_view name, const GameParams& params) const;

  std::vector<GameEntry> entries_;
};

// Registers every built-in game: prisoners_dilemma, coordination, battle_of_the_sexes, stag_hunt,
// matching_pennies, rock_paper_scissors, shapley, random_generic, random_potential, pigou, braess,
// parallel_links, network, cournot, online_bumps, online_drift.
void RegisterBuiltinGames(GameRegistry* registry);

// A registry holding just the built-in games, filled on first use (a thread-safe function-local
// static: the explicit RegisterBuiltinGames call, made once) and shared read-only thereafter.
[[nodiscard]] const GameRegistry& BuiltinGameRegistry();

// A catalogue name or a path to a .nfg file (recognised by its extension; relative paths are
// resolved against `base_dir`). Params must be empty for a .nfg file.
[[nodiscard]] absl::StatusOr<std::shared_ptr<const Game>> LoadGame(const GameRegistry& registry,
                                                                   std::string_view name_or_path,
                                                                   const GameParams& params,
                                                                   std::string_view base_dir);

// The footprint of what LoadGame would load, without loading it: a catalogue game's from its
// parameters, a .nfg file's from its header (ReadNfgFileFootprint).
[[nodiscard]] absl::StatusOr<GameFootprint> LoadFootprint(const GameRegistry& registry,
                                                          std::string_view name_or_path,
                                                          const GameParams& params,
                                                          std::string_view base_dir);

}  // namespace nashnet::games

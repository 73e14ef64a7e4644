// `nashnet games [NAME|FILE.nfg] [--game-param KEY=VALUE]... [--json]`: the game catalogue.
//
// Without a game: every catalogue game with its description and parameters (defaults). With a
// game: its players, action sets, payoff range, payoff table (finite games up to 4096 pure
// profiles), and pure Nash equilibria with strictness and payoff gap Δ (0-based profiles).
// --json prints the same as one JSON object: for a game the keys name, kind, players, actions,
// payoff_range, pure_equilibria ([{profile, strict, gap}], null when not enumerated), payoffs;
// for the catalogue {games: [{name, description, params: [{name, default, description}]}]}.
//
// Exit codes: 0; 2 for an unknown game, bad parameter or unreadable file.
//
//   CLI::App app;
//   GamesCommand games(&app);
//   CLI11_PARSE(app, argc, argv);
//   if (games.app()->parsed()) return games.Run();
//
// Thread safety: one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace nashnet::cli {

class GamesCommand {
 public:
  explicit GamesCommand(CLI::App* parent);
  [[nodiscard]] CLI::App* app() const { return app_; }
  [[nodiscard]] int Run();

 private:
  CLI::App* app_;
  std::string game_;
  std::vector<std::string> game_params_;
  bool json_ = false;
};

}  // namespace nashnet::cli

// The classic 2-player matrix games of the catalogue, as NormalFormGames with their payoffs as
// parameters. Action 0 is the first row/column as listed in each description.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "games/catalogue/builtin_games.h"
#include "games/catalogue/params.h"
#include "games/footprint.h"
#include "games/normal_form_game.h"

namespace nashnet::games::catalogue_internal {
namespace {

using Matrix = std::vector<std::vector<double>>;  // [row = player 1's action][column = player 2's]

constexpr double kBig = 1e12;  // bound on payoff parameters (keeps every payoff finite)

// A bimatrix game: a[r][c] is player 1's payoff, b[r][c] player 2's.
absl::StatusOr<std::shared_ptr<const Game>> Bimatrix(std::string title, const Matrix& a,
                                                     const Matrix& b,
                                                     std::vector<std::string> row_names = {},
                                                     std::vector<std::string> col_names = {}) {
  const int rows = static_cast<int>(a.size());
  const int cols = static_cast<int>(a[0].size());
  NormalFormGameData data;
  data.title = std::move(title);
  data.num_actions = {rows, cols};
  data.payoffs.assign(2, std::vector<double>(static_cast<size_t>(rows) * cols));
  for (int c = 0; c < cols; ++c) {
    for (int r = 0; r < rows; ++r) {  // Gambit order: player 1's action varies fastest
      data.payoffs[0][r + rows * c] = a[r][c];
      data.payoffs[1][r + rows * c] = b[r][c];
    }
  }
  if (!row_names.empty()) data.strategy_names = {std::move(row_names), std::move(col_names)};
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const NormalFormGame> game,
                           NormalFormGame::Create(std::move(data)));
  return std::shared_ptr<const Game>(std::move(game));
}

absl::Status RequireGreater(std::string_view a_name, double a, std::string_view b_name, double b) {
  if (a > b) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("parameter '", Av(a_name), "' (", a,
                                                 ") must exceed '", Av(b_name), "' (", b, ")"));
}

absl::StatusOr<std::shared_ptr<const Game>> MakePrisonersDilemma(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(double t, ParseDoubleParam(p, "temptation", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(double r, ParseDoubleParam(p, "reward", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(double pu, ParseDoubleParam(p, "punishment", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(double s, ParseDoubleParam(p, "sucker", -kBig, kBig));
  NASHNET_RETURN_IF_ERROR(RequireGreater("temptation", t, "reward", r));
  NASHNET_RETURN_IF_ERROR(RequireGreater("reward", r, "punishment", pu));
  NASHNET_RETURN_IF_ERROR(RequireGreater("punishment", pu, "sucker", s));
  return Bimatrix(CanonicalGameName("prisoners_dilemma", p), {{r, s}, {t, pu}}, {{r, t}, {s, pu}},
                  {"cooperate", "defect"}, {"cooperate", "defect"});
}

// The coordination game's diagonal, checked (one value per action).
absl::StatusOr<std::vector<double>> CoordinationDiagonal(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t n, ParseIntParam(p, "actions", 1, 1000));
  NASHNET_ASSIGN_OR_RETURN(std::string_view text, ParamText(p, "diagonal"));
  NASHNET_ASSIGN_OR_RETURN(std::vector<double> diagonal, ParseDoubleList("diagonal", text));
  if (diagonal.size() == 1) diagonal.assign(n, diagonal[0]);
  if (static_cast<int64_t>(diagonal.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat("parameter 'diagonal': '", Av(text), "' has ",
                                                   diagonal.size(), " values; 'actions' is ", n,
                                                   " (give one value or one per action)"));
  }
  for (double d : diagonal) {
    if (d <= 0.0 || d > kBig) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter 'diagonal': value ", d, " must be in (0, 1e12]"));
    }
  }
  return diagonal;
}

absl::StatusOr<std::shared_ptr<const Game>> MakeCoordination(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(std::vector<double> diagonal, CoordinationDiagonal(p));
  const size_t n = diagonal.size();
  Matrix a(n, std::vector<double>(n, 0.0));
  for (size_t k = 0; k < n; ++k) a[k][k] = diagonal[k];
  return Bimatrix(CanonicalGameName("coordination", p), a, a);
}

absl::StatusOr<GameFootprint> CoordinationFootprint(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(std::vector<double> diagonal, CoordinationDiagonal(p));
  const int64_t n = static_cast<int64_t>(diagonal.size());
  GameFootprint f = TensorFootprint({n, n}, absl::StrCat("coordination with ", n, " actions"));
  // Building it also holds the n×n matrix of rows (Bimatrix's input) for a moment.
  f.game_bytes += n * (24 + DoublesBytes(n));
  f.size_params = {"actions"};
  return f;
}

// The footprint of a game that is always small (2×2, 3×3): it is built, which checks its
// parameters exactly as `make` does, and measured.
std::function<absl::StatusOr<GameFootprint>(const GameParams&)> SmallGameFootprint(
    absl::StatusOr<std::shared_ptr<const Game>> (*make)(const GameParams&), std::string name) {
  return [make, name](const GameParams& p) -> absl::StatusOr<GameFootprint> {
    NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const Game> game, make(p));
    const auto& finite = static_cast<const FiniteGame&>(*game);
    std::vector<int64_t> counts;
    for (int i = 0; i < finite.num_players(); ++i) counts.push_back(finite.num_actions(i));
    return TensorFootprint(counts, name);
  };
}

absl::StatusOr<std::shared_ptr<const Game>> MakeBattleOfTheSexes(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(double high, ParseDoubleParam(p, "high", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(double low, ParseDoubleParam(p, "low", -kBig, kBig));
  NASHNET_RETURN_IF_ERROR(RequireGreater("high", high, "low", low));
  NASHNET_RETURN_IF_ERROR(RequireGreater("low", low, "miscoordination payoff", 0.0));
  return Bimatrix(CanonicalGameName("battle_of_the_sexes", p), {{high, 0}, {0, low}},
                  {{low, 0}, {0, high}}, {"opera", "football"}, {"opera", "football"});
}

absl::StatusOr<std::shared_ptr<const Game>> MakeStagHunt(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(double stag, ParseDoubleParam(p, "stag", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(double hare, ParseDoubleParam(p, "hare", -kBig, kBig));
  NASHNET_ASSIGN_OR_RETURN(double alone, ParseDoubleParam(p, "alone", -kBig, kBig));
  NASHNET_RETURN_IF_ERROR(RequireGreater("stag", stag, "hare", hare));
  NASHNET_RETURN_IF_ERROR(RequireGreater("hare", hare, "alone", alone));
  return Bimatrix(CanonicalGameName("stag_hunt", p), {{stag, alone}, {hare, hare}},
                  {{stag, hare}, {alone, hare}}, {"stag", "hare"}, {"stag", "hare"});
}

absl::StatusOr<std::shared_ptr<const Game>> MakeMatchingPennies(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(double stake, ParseDoubleParam(p, "stake", 0.0, kBig));
  if (stake <= 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter 'stake': '", stake, "' must be positive"));
  }
  return Bimatrix(CanonicalGameName("matching_pennies", p), {{stake, -stake}, {-stake, stake}},
                  {{-stake, stake}, {stake, -stake}}, {"heads", "tails"}, {"heads", "tails"});
}

absl::StatusOr<std::shared_ptr<const Game>> MakeRockPaperScissors(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(double w, ParseDoubleParam(p, "win", 0.0, kBig));
  NASHNET_ASSIGN_OR_RETURN(double l, ParseDoubleParam(p, "loss", 0.0, kBig));
  if (w <= 0.0 || l <= 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameters 'win' (", w, ") and 'loss' (", l, ") must be positive"));
  }
  // a[r][c]: rock=0, paper=1, scissors=2; r beats c when r == c + 1 (mod 3).
  Matrix a(3, std::vector<double>(3, 0.0));
  Matrix b(3, std::vector<double>(3, 0.0));
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      if (r == (c + 1) % 3) a[r][c] = w, b[r][c] = -l;
      if (c == (r + 1) % 3) a[r][c] = -l, b[r][c] = w;
    }
  }
  const std::vector<std::string> names = {"rock", "paper", "scissors"};
  return Bimatrix(CanonicalGameName("rock_paper_scissors", p), a, b, names, names);
}

absl::StatusOr<std::shared_ptr<const Game>> MakeShapley(const GameParams& p) {
  // Shapley (1964): fictitious play cycles; the unique equilibrium is uniform play.
  return Bimatrix(CanonicalGameName("shapley", p), {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
                  {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}});
}

}  // namespace

void RegisterMatrixGames(GameRegistry* registry) {
  AddBuiltin(
      registry,
      {.name = "prisoners_dilemma",
       .description = "2x2 prisoner's dilemma, actions cooperate/defect; requires "
                      "temptation > reward > punishment > sucker; unique NE (defect, defect)",
       .params = {{"temptation", "5", "payoff for defecting against a cooperator"},
                  {"reward", "3", "payoff for mutual cooperation"},
                  {"punishment", "1", "payoff for mutual defection"},
                  {"sucker", "0", "payoff for cooperating against a defector"}},
       .make = MakePrisonersDilemma,
       .footprint = SmallGameFootprint(MakePrisonersDilemma, "prisoners_dilemma")});
  AddBuiltin(registry, {.name = "coordination",
                        .description = "n x n pure coordination game: both get diagonal[k] if both "
                                       "play k, else 0; every diagonal profile is a strict NE",
                        .params = {{"actions", "2", "number of actions n (1..1000)"},
                                   {"diagonal", "1",
                                    "positive payoff(s) on the diagonal: one value, or a comma "
                                    "list of n values"}},
                        .make = MakeCoordination,
                        .footprint = CoordinationFootprint});
  AddBuiltin(registry,
             {.name = "battle_of_the_sexes",
              .description = "2x2 battle of the sexes, actions opera/football: (opera, "
                             "opera) pays (high, low), (football, football) pays (low, "
                             "high), miscoordination 0; requires high > low > 0",
              .params = {{"high", "3", "payoff at one's preferred outcome"},
                         {"low", "2", "payoff at the other's preferred outcome"}},
              .make = MakeBattleOfTheSexes,
              .footprint = SmallGameFootprint(MakeBattleOfTheSexes, "battle_of_the_sexes")});
  AddBuiltin(registry,
             {.name = "stag_hunt",
              .description = "2x2 stag hunt, actions stag/hare: stag pays 'stag' if both hunt it "
                             "and 'alone' otherwise, hare always pays 'hare'; stag > hare > alone",
              .params = {{"stag", "4", "payoff when both hunt the stag"},
                         {"hare", "3", "payoff for hunting hare"},
                         {"alone", "0", "payoff for hunting the stag alone"}},
              .make = MakeStagHunt,
              .footprint = SmallGameFootprint(MakeStagHunt, "stag_hunt")});
  AddBuiltin(registry, {.name = "matching_pennies",
                        .description = "2x2 zero-sum matching pennies: player 1 wins 'stake' when "
                                       "the coins match, player 2 when they differ; no pure NE",
                        .params = {{"stake", "1", "positive amount won or lost"}},
                        .make = MakeMatchingPennies,
                        .footprint = SmallGameFootprint(MakeMatchingPennies, "matching_pennies")});
  AddBuiltin(registry,
             {.name = "rock_paper_scissors",
              .description = "3x3 rock-paper-scissors, actions rock/paper/scissors: a win pays "
                             "'win', a loss pays -'loss', a tie 0; no pure NE",
              .params = {{"win", "1", "positive payoff of a win"},
                         {"loss", "1", "positive cost of a loss"}},
              .make = MakeRockPaperScissors,
              .footprint = SmallGameFootprint(MakeRockPaperScissors, "rock_paper_scissors")});
  AddBuiltin(registry, {.name = "shapley",
                        .description = "Shapley's 3x3 game (A = identity, B = cyclic shift): "
                                       "no pure NE, unique NE uniform play; fictitious play cycles",
                        .params = {},
                        .make = MakeShapley,
                        .footprint = SmallGameFootprint(MakeShapley, "shapley")});
}

}  // namespace nashnet::games::catalogue_internal

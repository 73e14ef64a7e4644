// Seeded random finite games: random_generic (i.i.d. uniform payoffs) and random_potential (an
// exact potential game). Both are NormalFormGames; every draw comes from nashnet::Rng, so a game is
// a pure function of its parameters.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/rng.h"
#include "common/status_macros.h"
#include "games/catalogue/builtin_games.h"
#include "games/catalogue/params.h"
#include "games/footprint.h"
#include "games/normal_form_game.h"

namespace nashnet::games::catalogue_internal {
namespace {

// Largest tensor built: players × profiles payoff entries (32 MiB of doubles).
constexpr int64_t kMaxPayoffEntries = int64_t{1} << 22;
// RNG stream ids, so that the two families differ for the same seed.
constexpr uint64_t kGenericStream = 0x67656e65726963ULL;    // "generic"
constexpr uint64_t kPotentialStream = 0x706f74656e7469ULL;  // "potenti"

struct Shape {
  std::vector<int> num_actions;
  int64_t num_profiles = 1;
  uint64_t seed = 0;
};

absl::StatusOr<Shape> ParseShape(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, 64));
  NASHNET_ASSIGN_OR_RETURN(std::vector<int64_t> actions,
                           ParseIntListParam(p, "actions", 1, kMaxPayoffEntries));
  NASHNET_ASSIGN_OR_RETURN(int64_t seed, ParseIntParam(p, "seed", 0, INT64_MAX));
  if (actions.size() == 1) actions.assign(players, actions[0]);
  if (static_cast<int64_t>(actions.size()) != players) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter 'actions': '", p.find("actions")->second, "' lists ", actions.size(),
        " counts for ", players, " players (give one count, or one per player)"));
  }
  Shape shape;
  shape.seed = static_cast<uint64_t>(seed);
  for (int64_t n : actions) {
    shape.num_actions.push_back(static_cast<int>(n));
    shape.num_profiles *= n;
    if (shape.num_profiles * players > kMaxPayoffEntries) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameters 'players' and 'actions': the payoff tensor would exceed ",
                       kMaxPayoffEntries, " entries"));
    }
  }
  return shape;
}

absl::StatusOr<std::shared_ptr<const Game>> Build(NormalFormGameData data) {
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const NormalFormGame> game,
                           NormalFormGame::Create(std::move(data)));
  return std::shared_ptr<const Game>(std::move(game));
}

absl::StatusOr<std::shared_ptr<const Game>> MakeRandomGeneric(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(Shape shape, ParseShape(p));
  NormalFormGameData data;
  data.title = CanonicalGameName("random_generic", p);
  data.num_actions = shape.num_actions;
  Rng rng = Rng::Stream(shape.seed, kGenericStream);
  data.payoffs.resize(shape.num_actions.size());
  for (std::vector<double>& u : data.payoffs) {
    u.resize(shape.num_profiles);
    for (double& x : u) x = rng.Uniform();
  }
  return Build(std::move(data));
}

// u_i(a) = (Φ(a) + D_i(a_−i)) / 2 with Φ and every D_i i.i.d. uniform on [0, 1]: payoffs lie in
// [0, 1] and u_i(a) − u_i(b, a_−i) = (Φ(a) − Φ(b, a_−i)) / 2, so Φ/2 is an exact potential.
absl::StatusOr<std::shared_ptr<const Game>> MakeRandomPotential(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(Shape shape, ParseShape(p));
  const int n = static_cast<int>(shape.num_actions.size());
  Rng rng = Rng::Stream(shape.seed, kPotentialStream);
  std::vector<double> potential(shape.num_profiles);
  for (double& x : potential) x = rng.Uniform();
  NormalFormGameData data;
  data.title = CanonicalGameName("random_potential", p);
  data.num_actions = shape.num_actions;
  data.payoffs.assign(n, std::vector<double>(shape.num_profiles));
  int64_t stride = 1;  // Π_{j<i} n_j: the profile-index stride of player i's action
  for (int i = 0; i < n; ++i) {
    const int64_t ni = shape.num_actions[i];
    // D_i indexed by a_−i: the profile index with a_i removed.
    std::vector<double> dummy(shape.num_profiles / ni);
    for (double& x : dummy) x = rng.Uniform();
    for (int64_t k = 0; k < shape.num_profiles; ++k) {
      const int64_t others = (k % stride) + stride * (k / (stride * ni));
      data.payoffs[i][k] = 0.5 * (potential[k] + dummy[others]);
    }
    stride *= ni;
  }
  return Build(std::move(data));
}

absl::StatusOr<GameFootprint> RandomFootprint(const GameParams& p, std::string_view name,
                                              bool potential) {
  NASHNET_ASSIGN_OR_RETURN(Shape shape, ParseShape(p));
  std::vector<int64_t> counts(shape.num_actions.begin(), shape.num_actions.end());
  const auto actions = p.find("actions");
  GameFootprint f = TensorFootprint(
      counts, absl::StrCat(Av(name), " with ", counts.size(), " players and actions ",
                           actions == p.end() ? std::string("2") : actions->second.substr(0, 64)));
  // The potential game also holds Φ and one D_i (P doubles each at most) while it is built.
  if (potential) f.game_bytes += 2 * DoublesBytes(shape.num_profiles);
  f.size_params = {"players", "actions"};
  return f;
}

absl::StatusOr<GameFootprint> RandomGenericFootprint(const GameParams& p) {
  return RandomFootprint(p, "random_generic", false);
}

absl::StatusOr<GameFootprint> RandomPotentialFootprint(const GameParams& p) {
  return RandomFootprint(p, "random_potential", true);
}

std::vector<GameParamInfo> RandomParams() {
  return {{"players", "2", "number of players N (1..64)"},
          {"actions", "2", "actions per player: one count for all, or a comma list of N counts"},
          {"seed", "0", "RNG seed (a non-negative integer); the game is a pure function of it"}};
}

}  // namespace

void RegisterRandomGames(GameRegistry* registry) {
  AddBuiltin(registry, {.name = "random_generic",
                        .description = "N-player game with i.i.d. uniform [0,1] payoffs (generic: "
                                       "ties have probability 0), seeded",
                        .params = RandomParams(),
                        .make = MakeRandomGeneric,
                        .footprint = RandomGenericFootprint});
  AddBuiltin(
      registry,
      {.name = "random_potential",
       .description = "N-player exact potential game, seeded: u_i(a) = (phi(a) + d_i(a_-i))/2 "
                      "with phi and d_i i.i.d. uniform [0,1], so payoffs lie in [0,1] and "
                      "phi/2 is an exact potential",
       .params = RandomParams(),
       .make = MakeRandomPotential,
       .footprint = RandomPotentialFootprint});
}

}  // namespace nashnet::games::catalogue_internal

#include "cli/games_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_util.h"
#include "games/catalogue/registry.h"
#include "games/continuous_game.h"
#include "games/equilibrium.h"
#include "games/finite_game.h"
#include "games/normal_form_game.h"

namespace nashnet::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kMaxTableProfiles = 4096;  // payoff tables printed up to this many profiles
constexpr int64_t kMaxEquilibriumProfiles = 1'000'000;  // pure-NE enumeration bound
constexpr int kMaxBimatrixActions = 12;                 // 2-player games as a grid up to 12 x 12

Json Number(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

// Numbers as printed in the text form (the JSON form is exact).
std::string Num(double x) { return absl::StrFormat("%.6g", x); }

std::string ProfileText(const games::PureProfile& profile) {
  return absl::StrCat("(", absl::StrJoin(profile, ", "), ")");
}

int ListCatalogue(const games::GameRegistry& registry, bool json) {
  if (json) {
    Json games = Json::array();
    for (const games::GameEntry& e : registry.entries()) {
      Json params = Json::array();
      for (const games::GameParamInfo& p : e.params) {
        params.push_back(
            Json{{"name", p.name}, {"default", p.default_value}, {"description", p.description}});
      }
      games.push_back(
          Json{{"name", e.name}, {"description", e.description}, {"params", std::move(params)}});
    }
    std::printf("%s\n", Json{{"games", std::move(games)}}
                            .dump(2, ' ', false, Json::error_handler_t::replace)
                            .c_str());
    return kExitOk;
  }
  std::string out = "Catalogue games (nashnet games NAME for one; a .nfg file path also works):\n";
  for (const games::GameEntry& e : registry.entries()) {
    absl::StrAppend(&out, "\n", e.name, "\n    ", e.description, "\n");
    if (e.params.empty()) continue;
    Table params({"    parameter", "default", "description"});
    for (const games::GameParamInfo& p : e.params) {
      params.AddRow({"    " + p.name, p.default_value.empty() ? "(required)" : p.default_value,
                     p.description});
    }
    out += params.Render(0);
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

void DescribeFinite(const games::FiniteGame& game, Json* json, std::string* text) {
  const int n = game.num_players();
  const auto* nfg = dynamic_cast<const games::NormalFormGame*>(&game);
  Json actions = Json::array();
  for (int i = 0; i < n; ++i) actions.push_back(game.num_actions(i));
  (*json)["actions"] = actions;
  if (nfg != nullptr) {
    (*json)["player_names"] = nfg->data().player_names;
    (*json)["strategy_names"] = nfg->data().strategy_names;
  }
  constexpr int kMaxListedPlayers = 16;
  if (n > kMaxListedPlayers) {
    int lo = game.num_actions(0), hi = lo;
    for (int i = 1; i < n; ++i) {
      lo = std::min(lo, game.num_actions(i));
      hi = std::max(hi, game.num_actions(i));
    }
    absl::StrAppend(text, "  players 0..", n - 1, ": ",
                    lo == hi ? absl::StrCat(lo) : absl::StrCat(lo, " to ", hi), " actions each\n");
  }
  for (int i = 0; i < n && n <= kMaxListedPlayers; ++i) {
    absl::StrAppend(text, "  player ", i);
    if (nfg != nullptr) absl::StrAppend(text, " (", nfg->data().player_names[i], ")");
    absl::StrAppend(text, ": ", game.num_actions(i), " actions");
    if (nfg != nullptr) {
      std::vector<std::string> names;
      for (int a = 0; a < game.num_actions(i); ++a) {
        names.push_back(absl::StrCat(a, " \"", nfg->data().strategy_names[i][a], "\""));
      }
      absl::StrAppend(text, ": ", absl::StrJoin(names, ", "));
    }
    *text += "\n";
  }

  const int64_t profiles = game.num_profiles();
  if (profiles <= kMaxTableProfiles) {
    Json payoffs = Json::array();
    games::PureProfile a(n, 0);
    std::vector<std::string> rows;
    for (int64_t k = 0; k < profiles; ++k) {
      Json u = Json::array();
      std::vector<std::string> cells;
      for (int i = 0; i < n; ++i) {
        const double value = game.PurePayoff(i, a);
        u.push_back(Number(value));
        cells.push_back(Num(value));
      }
      payoffs.push_back(Json{{"profile", a}, {"payoffs", std::move(u)}});
      rows.push_back(absl::StrCat("  ", ProfileText(a), ": ", absl::StrJoin(cells, ", ")));
      for (int i = 0; i < n && ++a[i] == game.num_actions(i); ++i) a[i] = 0;  // player 0 fastest
    }
    (*json)["payoffs"] = std::move(payoffs);
    if (n == 2 && game.num_actions(0) <= kMaxBimatrixActions &&
        game.num_actions(1) <= kMaxBimatrixActions) {
      *text += "payoffs (player 0's action down, player 1's across; u0, u1):\n";
      std::vector<std::string> header = {""};
      for (int b = 0; b < game.num_actions(1); ++b) header.push_back(absl::StrCat(b));
      Table grid(header);
      for (int r = 0; r < game.num_actions(0); ++r) {
        std::vector<std::string> row = {absl::StrCat(r)};
        for (int b = 0; b < game.num_actions(1); ++b) {
          const std::vector<int> cell = {r, b};
          row.push_back(
              absl::StrCat(Num(game.PurePayoff(0, cell)), ", ", Num(game.PurePayoff(1, cell))));
        }
        grid.AddRow(row);
      }
      *text += grid.Render(2);
    } else {
      *text += "payoffs (profile: u0, u1, ...; 0-based actions, player 0 first):\n";
      *text += absl::StrJoin(rows, "\n") + "\n";
    }
  } else {
    absl::StrAppend(text, "payoffs: ",
                    profiles == std::numeric_limits<int64_t>::max()
                        ? std::string("more than 9.2e18")
                        : absl::StrCat(profiles),
                    " pure profiles (table not shown)\n");
  }

  absl::StatusOr<std::vector<games::PureEquilibrium>> eqs =
      games::PureEquilibria(game, kMaxEquilibriumProfiles);
  if (!eqs.ok()) {
    (*json)["pure_equilibria"] = nullptr;
    absl::StrAppend(text, "pure equilibria: not enumerated (", eqs.status().message(), ")\n");
    return;
  }
  Json list = Json::array();
  Table table({"profile", "strict", "gap"});
  for (const games::PureEquilibrium& eq : *eqs) {
    list.push_back(Json{{"profile", eq.profile}, {"strict", eq.strict}, {"gap", Number(eq.gap)}});
    table.AddRow({ProfileText(eq.profile), eq.strict ? "strict" : "weak", Num(eq.gap)});
  }
  (*json)["pure_equilibria"] = std::move(list);
  if (eqs->empty()) {
    *text += "pure equilibria: none\n";
  } else {
    absl::StrAppend(text, "pure equilibria: ", eqs->size(), " (0-based profiles)\n",
                    table.Render(2));
  }
}

void DescribeContinuous(const games::ContinuousGame& game, Json* json, std::string* text) {
  Json actions = Json::array();
  for (int i = 0; i < game.num_players(); ++i) {
    const games::Box box = game.action_box(i);
    std::vector<double> lower(box.lower.data(), box.lower.data() + box.lower.size());
    std::vector<double> upper(box.upper.data(), box.upper.data() + box.upper.size());
    actions.push_back(Json{{"lower", lower}, {"upper", upper}});
    std::vector<std::string> sides;
    for (int k = 0; k < box.dimension(); ++k) {
      sides.push_back(absl::StrCat("[", Num(lower[k]), ", ", Num(upper[k]), "]"));
    }
    absl::StrAppend(text, "  player ", i, ": a point in ", absl::StrJoin(sides, " x "), "\n");
  }
  (*json)["actions"] = std::move(actions);
  (*json)["time_varying"] = game.time_varying();
  (*json)["pure_equilibria"] = Json::array();  // finite games only
  const std::optional<games::PointProfile> eq = game.equilibrium();
  if (eq.has_value()) {
    Json points = Json::array();
    std::vector<std::string> texts;
    for (const Eigen::VectorXd& z : *eq) {
      std::vector<double> point(z.data(), z.data() + z.size());
      points.push_back(point);
      std::vector<std::string> coords;
      for (double c : point) coords.push_back(Num(c));
      texts.push_back("(" + absl::StrJoin(coords, ", ") + ")");
    }
    (*json)["equilibrium"] = std::move(points);
    absl::StrAppend(text, "equilibrium: ", absl::StrJoin(texts, ", "), "\n");
  } else {
    (*json)["equilibrium"] = nullptr;
    *text += "equilibrium: none known in closed form\n";
  }
  if (game.time_varying()) *text += "losses vary with the round (online problem)\n";
}

}  // namespace

GamesCommand::GamesCommand(CLI::App* parent) {
  app_ = parent->add_subcommand("games", "List the catalogue, or show one game and its equilibria");
  app_->add_option("game", game_, "Catalogue game name or .nfg file");
  app_->add_option("--game-param", game_params_, "Game parameter KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  app_->add_flag("--json", json_, "Print JSON");
}

int GamesCommand::Run() {
  games::GameRegistry registry;
  games::RegisterBuiltinGames(&registry);
  if (game_.empty()) {
    if (!game_params_.empty()) return ReportError("--game-param needs a game", kExitUsage);
    return ListCatalogue(registry, json_);
  }
  games::GameParams params;
  for (const std::string& text : game_params_) {
    absl::StatusOr<KeyValue> kv = ParseKeyValue("--game-param", text);
    if (!kv.ok()) return ReportError(kv.status(), kExitUsage);
    params[kv->key] = kv->value;
  }
  absl::StatusOr<std::shared_ptr<const games::Game>> game =
      games::LoadGame(registry, game_, params, ".");
  if (!game.ok()) return ReportError(game.status(), kExitUsage);

  const games::Game& g = **game;
  const bool finite = g.action_kind() == games::ActionKind::kFinite;
  Json json;
  json["name"] = g.name();
  json["kind"] = finite ? "finite" : "continuous";
  json["players"] = g.num_players();
  const games::PayoffRange range = g.payoff_range();
  json["payoff_range"] = Json{{"min", Number(range.min)}, {"max", Number(range.max)}};
  std::string text =
      absl::StrCat(g.name(), "\n  ", finite ? "finite" : "continuous", " game, ", g.num_players(),
                   " players, payoffs in [", Num(range.min), ", ", Num(range.max), "]\n");
  if (finite) {
    DescribeFinite(static_cast<const games::FiniteGame&>(g), &json, &text);
  } else {
    DescribeContinuous(static_cast<const games::ContinuousGame&>(g), &json, &text);
  }
  if (json_) {
    std::printf("%s\n", json.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace nashnet::cli

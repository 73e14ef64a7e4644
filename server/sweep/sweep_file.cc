#include "server/sweep/sweep_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/game_file.h"
#include "server/record/number_text.h"
#include "server/record/run_file_node.h"
#include "server/record/string_view_compat.h"

namespace nashnet::server {
namespace {

constexpr int64_t kMaxSeeds = 1'000'000;
constexpr size_t kMaxCells = 10'000'000;

// A default YAML::Node is a defined null: "not given" in the entries below.
bool Given(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

// One entry of `games`: the run-file `game` value and the run-file keys it overrides.
struct GameEntry {
  std::string path;  // "games[1]" or "grids[0].games[1]"
  YAML::Node node;   // the entry itself (for error positions)
  YAML::Node game;
  std::vector<std::pair<YAML::Node, YAML::Node>> overrides;  // (key, value), base keys replaced
  std::string label;
  // `rounds: [T1, T2, ...]`: one cell per horizon (the key and each value node), else empty.
  YAML::Node horizons_key;
  std::vector<YAML::Node> horizons;
};

// One learner of `learners` after its parameter lists are expanded.
struct LearnerEntry {
  std::string path;
  YAML::Node learner;  // a run-file `learner` value
  std::string label;
  std::string params;  // "k=v;k=v"
};

struct Grid {
  std::vector<GameEntry> games;
  std::vector<LearnerEntry> learners;
};

// A mapping's entries in order, as (key text, key node, value node).
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class SweepParser {
 public:
  explicit SweepParser(std::string source) : source_(std::move(source)) {}

  absl::StatusOr<SweepFile> Parse(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_,
                       ": empty sweep file (expected a mapping: base, games, learners, "
                       "seeds, ...)"));
    }
    if (!root.IsMap()) return Error(root, "", "expected a mapping (base, games, learners, ...)");
    SweepFile sweep;
    sweep.source_name = source_;
    NASHNET_ASSIGN_OR_RETURN(
        std::vector<Entry> entries,
        Entries(root, "", {"name", "base", "seeds", "games", "learners", "grids"}));
    YAML::Node base(YAML::NodeType::Map);
    int64_t seeds = 1;
    const Entry* games = nullptr;
    const Entry* learners = nullptr;
    const Entry* grids = nullptr;
    for (const Entry& e : entries) {
      if (e.key == "name") {
        NASHNET_ASSIGN_OR_RETURN(sweep.name, Scalar(e, e.key, "a string"));
      } else if (e.key == "base") {
        if (e.value.IsNull()) continue;
        if (!e.value.IsMap()) return Error(e.value, "base", "expected a run file's mapping");
        base = e.value;
      } else if (e.key == "seeds") {
        NASHNET_ASSIGN_OR_RETURN(std::string text, Scalar(e, e.key, "an integer"));
        absl::StatusOr<int64_t> n = ParseInt64(text);
        if (!n.ok()) return Error(e.value, e.key, Sv(n.status().message()));
        if (*n < 1 || *n > kMaxSeeds) {
          return Error(e.value, e.key, absl::StrCat("must be in [1, ", kMaxSeeds, "]"));
        }
        seeds = *n;
      } else if (e.key == "games") {
        games = &e;
      } else if (e.key == "learners") {
        learners = &e;
      } else {
        grids = &e;
      }
    }
    NASHNET_RETURN_IF_ERROR(CheckBase(base));
    std::vector<Grid> all;
    if (grids != nullptr) {
      if (games != nullptr || learners != nullptr) {
        return Error((games != nullptr ? games : learners)->key_node, "",
                     "give either `grids` or top-level `games`/`learners`, not both");
      }
      if (!grids->value.IsSequence() || grids->value.size() == 0) {
        return Error(grids->value, "grids", "expected a non-empty list of {games, learners}");
      }
      for (size_t i = 0; i < grids->value.size(); ++i) {
        const YAML::Node g = grids->value[i];
        const std::string path = absl::StrCat("grids[", i, "]");
        if (!g.IsMap()) return Error(g, path, "expected a mapping {games: [...], learners: [...]}");
        NASHNET_ASSIGN_OR_RETURN(std::vector<Entry> parts, Entries(g, path, {"games", "learners"}));
        const Entry* gg = nullptr;
        const Entry* ll = nullptr;
        for (const Entry& p : parts) (p.key == "games" ? gg : ll) = &p;
        NASHNET_ASSIGN_OR_RETURN(Grid grid, MakeGrid(path + ".", gg, ll, g));
        all.push_back(std::move(grid));
      }
    } else {
      NASHNET_ASSIGN_OR_RETURN(Grid grid, MakeGrid("", games, learners, root));
      all.push_back(std::move(grid));
    }
    if (sweep.name.empty()) sweep.name = "sweep";
    NASHNET_RETURN_IF_ERROR(Expand(all, base, seeds, &sweep));
    return sweep;
  }

 private:
  absl::Status Error(const YAML::Node& node, std::string_view path,
                     std::string_view message) const {
    std::string where = source_;
    if (node.IsDefined() && !node.Mark().is_null() && node.Mark().line >= 0) {
      absl::StrAppend(&where, ":", node.Mark().line + 1, ":", node.Mark().column + 1);
    }
    return absl::InvalidArgumentError(path.empty()
                                          ? absl::StrCat(where, ": ", Av(message))
                                          : absl::StrCat(where, ": ", Av(path), ": ", Av(message)));
  }

  absl::StatusOr<std::vector<Entry>> Entries(const YAML::Node& map, std::string_view path,
                                             const std::vector<std::string_view>& known) const {
    std::vector<Entry> out;
    std::set<std::string, std::less<>> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) return Error(key, path, "keys must be plain names");
      const std::string key_path =
          path.empty() ? key.Scalar() : absl::StrCat(Av(path), ".", key.Scalar());
      if (!known.empty() && std::find(known.begin(), known.end(), key.Scalar()) == known.end()) {
        std::vector<std::string> names(known.begin(), known.end());
        return Error(key, key_path,
                     absl::StrCat("unknown key (known: ", absl::StrJoin(names, ", "), ")"));
      }
      if (!seen.insert(key.Scalar()).second) return Error(key, key_path, "duplicate key");
      out.push_back({key.Scalar(), key, value});
    }
    return out;
  }

  absl::StatusOr<std::string> Scalar(const Entry& e, std::string_view path,
                                     std::string_view expected) const {
    if (!e.value.IsScalar()) {
      return Error(e.value.IsNull() ? e.key_node : e.value, path,
                   absl::StrCat("expected ", Av(expected)));
    }
    return e.value.Scalar();
  }

  absl::Status CheckBase(const YAML::Node& base) const {
    for (auto it = base.begin(); it != base.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) continue;  // the run-file reader says so
      const std::string& k = key.Scalar();
      if (k == "seeds") {
        return Error(key, "base.seeds",
                     "give the sweep's top-level `seeds` (each seed is a cell of its own)");
      }
      if (k == "players") {
        return Error(key, "base.players",
                     "per-player learners are not part of a sweep (each learner plays every "
                     "seat)");
      }
      if (k == "name") return Error(key, "base.name", "give the sweep's top-level `name`");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Grid> MakeGrid(const std::string& prefix, const Entry* games,
                                const Entry* learners, const YAML::Node& where) {
    Grid grid;
    if (games == nullptr) {
      grid.games.push_back({.path = prefix + "games", .node = where});  // the base's game
    } else {
      const std::string path = prefix + "games";
      if (!games->value.IsSequence() || games->value.size() == 0) {
        return Error(games->value.IsNull() ? games->key_node : games->value, path,
                     "expected a non-empty list of games");
      }
      for (size_t i = 0; i < games->value.size(); ++i) {
        NASHNET_ASSIGN_OR_RETURN(GameEntry g,
                                 Game(games->value[i], absl::StrCat(path, "[", i, "]")));
        grid.games.push_back(std::move(g));
      }
    }
    if (learners == nullptr) {
      grid.learners.push_back({.path = prefix + "learners"});  // the base's learner
    } else {
      const std::string path = prefix + "learners";
      if (!learners->value.IsSequence() || learners->value.size() == 0) {
        return Error(learners->value.IsNull() ? learners->key_node : learners->value, path,
                     "expected a non-empty list of learners");
      }
      for (size_t i = 0; i < learners->value.size(); ++i) {
        NASHNET_RETURN_IF_ERROR(
            Learners(learners->value[i], absl::StrCat(path, "[", i, "]"), &grid.learners));
      }
    }
    return grid;
  }

  // "name-k=v-k=v" of a run-file game value (scalar or {name, params}); "" if it has no name.
  static std::string GameLabel(const YAML::Node& game) {
    if (!game.IsDefined()) return "";
    if (game.IsScalar()) {
      const std::string& name = game.Scalar();
      return IsGameFilePath(name) ? std::filesystem::path(name).stem().string() : name;
    }
    if (!game.IsMap()) return "";
    const YAML::Node name = game["name"];  // a missing key is an invalid node: test IsDefined first
    if (!name.IsDefined() || !name.IsScalar()) return "";
    std::string label = GameLabel(name);
    const YAML::Node params = game["params"];
    if (params.IsDefined() && params.IsMap()) {
      for (auto it = params.begin(); it != params.end(); ++it) {
        if (it->first.IsScalar() && it->second.IsScalar()) {
          absl::StrAppend(&label, "-", it->first.Scalar(), "=", it->second.Scalar());
        }
      }
    }
    return label;
  }

  absl::StatusOr<GameEntry> Game(const YAML::Node& node, const std::string& path) {
    GameEntry entry{.path = path, .node = node};
    if (node.IsMap() && node["game"].IsDefined()) {
      NASHNET_ASSIGN_OR_RETURN(std::vector<Entry> parts, Entries(node, path, {}));
      for (const Entry& p : parts) {
        if (p.key == "game") {
          entry.game = p.value;
        } else if (p.key == "label") {
          NASHNET_ASSIGN_OR_RETURN(entry.label, Scalar(p, path + ".label", "a label"));
        } else if (p.key == "rounds" && p.value.IsSequence()) {
          if (p.value.size() == 0) {
            return Error(p.value, path + ".rounds", "an empty list of horizons");
          }
          entry.horizons_key = p.key_node;
          for (size_t k = 0; k < p.value.size(); ++k) {
            const std::string at = absl::StrCat(path, ".rounds[", k, "]");
            if (!p.value[k].IsScalar())
              return Error(p.value[k], at, "expected a horizon (an integer)");
            for (const YAML::Node& before : entry.horizons) {
              if (before.Scalar() == p.value[k].Scalar()) {
                return Error(p.value[k], at, absl::StrCat(p.value[k].Scalar(), " is listed twice"));
              }
            }
            entry.horizons.push_back(p.value[k]);
          }
        } else if (p.key == "learner" || p.key == "players" || p.key == "seeds" ||
                   p.key == "seed" || p.key == "name") {
          return Error(p.key_node, absl::StrCat(path, ".", p.key),
                       "a game entry may override base's feedback, rounds, record_every and "
                       "service, not this");
        } else {
          entry.overrides.emplace_back(p.key_node, p.value);
        }
      }
    } else if (node.IsMap() || node.IsScalar()) {
      entry.game = node;
    } else {
      return Error(node, path,
                   "expected a game (a name, {name, params}) or {game: ..., <run-file keys>}");
    }
    if (entry.label.empty()) entry.label = GameLabel(entry.game);
    return entry;
  }

  absl::Status Learners(const YAML::Node& node, const std::string& path,
                        std::vector<LearnerEntry>* out) {
    if (node.IsScalar()) {
      out->push_back({.path = path, .learner = node, .label = node.Scalar()});
      return absl::OkStatus();
    }
    if (!node.IsMap()) {
      return Error(node, path, "expected a learner (a name or {algorithm, params, label})");
    }
    NASHNET_ASSIGN_OR_RETURN(std::vector<Entry> parts, Entries(node, path, {}));
    std::string label;
    bool explicit_label = false;
    std::vector<Entry> params;
    for (const Entry& p : parts) {
      if (p.key == "label") {
        NASHNET_ASSIGN_OR_RETURN(label, Scalar(p, path + ".label", "a label"));
        explicit_label = true;
      } else if (p.key == "params" && p.value.IsMap()) {
        NASHNET_ASSIGN_OR_RETURN(params, Entries(p.value, path + ".params", {}));
      }
    }
    for (const Entry& p : parts) {
      if (p.key == "algorithm" && p.value.IsScalar() && !explicit_label) label = p.value.Scalar();
    }
    for (const Entry& p : params) {
      if (p.value.IsSequence() && p.value.size() == 0) {
        return Error(p.value, absl::StrCat(path, ".params.", p.key), "an empty list of values");
      }
    }
    // The cartesian product of the parameter lists, the first varying slowest. Each learner is a
    // new mapping of the entry's own nodes, so that they keep their positions in the file.
    std::vector<size_t> pick(params.size(), 0);
    while (true) {
      LearnerEntry e{.path = path, .label = label};
      YAML::Node chosen(YAML::NodeType::Map);
      std::vector<std::string> written;
      for (size_t k = 0; k < params.size(); ++k) {
        const Entry& p = params[k];
        const YAML::Node value = p.value.IsSequence() ? p.value[pick[k]] : p.value;
        chosen[p.key_node] = value;
        const std::string text = value.IsScalar() ? value.Scalar() : "?";
        written.push_back(absl::StrCat(p.key, "=", text));
        if (!explicit_label || p.value.IsSequence()) {
          absl::StrAppend(&e.label, "-", p.key, "=", text);
        }
      }
      e.params = absl::StrJoin(written, ";");
      e.learner = YAML::Node(YAML::NodeType::Map);
      for (const Entry& p : parts) {
        if (p.key == "label") continue;
        if (p.key == "params" && p.value.IsMap()) {
          e.learner[p.key_node] = chosen;
        } else {
          e.learner[p.key_node] = p.value;  // the run-file reader checks algorithm and the rest
        }
      }
      out->push_back(std::move(e));
      if (params.empty()) return absl::OkStatus();
      size_t k = params.size();
      while (true) {
        --k;
        const size_t n = params[k].value.IsSequence() ? params[k].value.size() : 1;
        if (++pick[k] < n) break;
        pick[k] = 0;
        if (k == 0) return absl::OkStatus();
      }
    }
  }

  absl::Status Expand(const std::vector<Grid>& grids, const YAML::Node& base, int64_t seeds,
                      SweepFile* sweep) {
    for (const Grid& grid : grids) {
      for (const GameEntry& game : grid.games) {
        for (const LearnerEntry& learner : grid.learners) {
          if (game.horizons.empty()) {
            NASHNET_RETURN_IF_ERROR(ExpandCells(game, learner, base, YAML::Node(), seeds, sweep));
          }
          for (const YAML::Node& horizon : game.horizons) {
            NASHNET_RETURN_IF_ERROR(ExpandCells(game, learner, base, horizon, seeds, sweep));
          }
        }
      }
    }
    return absl::OkStatus();
  }

  // The cells of one game entry × one learner (× one of the entry's horizons, when `horizon` is
  // given), one per seed.
  absl::Status ExpandCells(const GameEntry& game, const LearnerEntry& learner,
                           const YAML::Node& base, const YAML::Node& horizon, int64_t seeds,
                           SweepFile* sweep) {
    YAML::Node cell(YAML::NodeType::Map);
    for (auto it = base.begin(); it != base.end(); ++it) {
      const std::string& k = it->first.Scalar();
      const bool replaced = (k == "game" && Given(game.game)) ||
                            (k == "learner" && Given(learner.learner)) ||
                            (k == "rounds" && Given(horizon)) ||
                            std::any_of(game.overrides.begin(), game.overrides.end(),
                                        [&](const auto& o) { return o.first.Scalar() == k; });
      if (!replaced) cell[it->first] = it->second;
    }
    for (const auto& [key, value] : game.overrides) cell[key] = value;
    if (Given(horizon)) cell[game.horizons_key] = horizon;
    if (Given(game.game)) cell["game"] = game.game;
    if (Given(learner.learner)) cell["learner"] = learner.learner;
    NASHNET_ASSIGN_OR_RETURN(RunFile run, ParseRunFileNode(cell, source_));
    if (!run.spec.has_game() || run.spec.game().name().empty()) {
      return Error(game.node, game.path, "no game: give `games` or base's `game`");
    }
    if (run.spec.rounds() == 0) {
      return Error(game.node, game.path, "no horizon: give base's (or the game's) `rounds`");
    }
    std::string game_label = SweepLabel(
        game.label.empty() ? GameLabel(Given(game.game) ? game.game : base["game"]) : game.label);
    std::string learner_label = learner.label;
    if (learner_label.empty()) learner_label = run.spec.learner().algorithm();
    learner_label = SweepLabel(learner_label.empty() ? "learner" : learner_label);
    const uint64_t first_seed = run.spec.seed();
    for (int64_t s = 0; s < seeds; ++s) {
      SweepCell c{.game_label = game_label,
                  .learner_label = learner_label,
                  .params = learner.params,
                  .seed = first_seed + static_cast<uint64_t>(s),
                  .run = run};
      c.id = Given(horizon) ? absl::StrCat(game_label, "__", learner_label, "__T-",
                                           c.run.spec.rounds(), "__seed-", c.seed)
                            : absl::StrCat(game_label, "__", learner_label, "__seed-", c.seed);
      c.run.spec.set_seed(c.seed);
      c.run.spec.set_seeds(1);
      c.run.spec.set_name(absl::StrCat(sweep->name, "/", game_label, "/", learner_label));
      const std::string made_by = absl::StrCat(game.path, " × ", learner.path);
      if (auto [it, inserted] = seen_.emplace(c.id, made_by); !inserted) {
        return Error(
            game.node, game.path,
            absl::StrCat("cell '", c.id, "' (", made_by, ") repeats the cell of ", it->second,
                         ": give the game or learner a distinct "
                         "`label:`"));
      }
      sweep->cells.push_back(std::move(c));
      if (sweep->cells.size() > kMaxCells) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_, ": more than ", kMaxCells, " cells"));
      }
    }
    return absl::OkStatus();
  }

  std::string source_;
  std::map<std::string, std::string> seen_;  // cell id -> the entries that made it
};

}  // namespace

std::string SweepLabel(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-' || c == '=';
    if (!plain) c = '_';
  }
  return out.empty() ? "_" : out;
}

absl::StatusOr<SweepFile> ParseSweepFile(std::string_view text, std::string_view source_view) {
  const std::string source(source_view);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where = source;
    if (!e.mark.is_null()) absl::StrAppend(&where, ":", e.mark.line + 1, ":", e.mark.column + 1);
    return absl::InvalidArgumentError(absl::StrCat(where, ": YAML syntax error: ", e.msg));
  }
  if (documents.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": ", documents.size(), " YAML documents (---); a sweep file holds exactly one"));
  }
  try {
    SweepParser parser(source);
    NASHNET_ASSIGN_OR_RETURN(SweepFile sweep,
                             parser.Parse(documents.empty() ? YAML::Node() : documents.front()));
    sweep.text = std::string(text);
    return sweep;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
}

absl::StatusOr<SweepFile> ReadSweepFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": is a folder, not a sweep file"));
  }
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), ": cannot open the sweep file"));
  std::ostringstream text;
  text << in.rdbuf();
  NASHNET_ASSIGN_OR_RETURN(SweepFile sweep, ParseSweepFile(text.str(), path.string()));
  sweep.base_dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  for (SweepCell& cell : sweep.cells) {
    cell.run.base_dir = sweep.base_dir;
    NASHNET_RETURN_IF_ERROR(
        cell.run.Annotate(EmbedGameFile(sweep.base_dir, cell.run.spec.mutable_game())));
  }
  return sweep;
}

absl::StatusOr<std::vector<RunPlan>> PlanSweep(const SweepFile& sweep) {
  std::vector<RunPlan> plans;
  plans.reserve(sweep.cells.size());
  for (const SweepCell& cell : sweep.cells) {
    absl::StatusOr<RunPlan> plan = PlanRun(cell.run.spec, cell.run.base_dir);
    if (!plan.ok()) {
      const absl::Status located = cell.run.Annotate(plan.status());
      if (located.message() != plan.status().message()) return located;
      return absl::Status(plan.status().code(), absl::StrCat(sweep.source_name, ": cell ", cell.id,
                                                             ": ", plan.status().message()));
    }
    plans.push_back(*std::move(plan));
  }
  return plans;
}

}  // namespace nashnet::server

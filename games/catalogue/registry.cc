#include "games/catalogue/registry.h"

#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "games/catalogue/builtin_games.h"
#include "games/catalogue/params.h"
#include "games/nfg.h"

namespace nashnet::games {

using catalogue_internal::Av;

absl::Status GameRegistry::Register(GameEntry entry) {
  if (entry.name.empty()) return absl::InvalidArgumentError("a game needs a name");
  if (!entry.make) {
    return absl::InvalidArgumentError(absl::StrCat("game '", entry.name, "' has no make function"));
  }
  if (Find(entry.name) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("game '", entry.name, "' is already registered"));
  }
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

const GameEntry* GameRegistry::Find(std::string_view name) const {
  for (const GameEntry& entry : entries_) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

absl::StatusOr<std::pair<const GameEntry*, GameParams>> GameRegistry::Resolve(
    std::string_view name, const GameParams& params) const {
  const GameEntry* entry = Find(name);
  if (entry == nullptr) {
    std::vector<absl::string_view> known;
    known.reserve(entries_.size());
    for (const GameEntry& e : entries_) known.push_back(e.name);
    return absl::NotFoundError(
        absl::StrCat("unknown game '", Av(name), "'; known games: ", absl::StrJoin(known, ", ")));
  }
  const auto param_names = [entry] {
    std::vector<absl::string_view> names;
    for (const GameParamInfo& p : entry->params) names.push_back(p.name);
    return names.empty() ? std::string("(none)") : absl::StrJoin(names, ", ");
  };
  GameParams filled;
  for (const auto& [key, value] : params) {
    bool known = false;
    for (const GameParamInfo& p : entry->params) known = known || p.name == key;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("game '", Av(name), "' has no parameter '",
                                                     key, "'; its parameters: ", param_names()));
    }
    filled.emplace(key, value);
  }
  for (const GameParamInfo& p : entry->params) {
    if (filled.contains(p.name)) continue;
    if (p.default_value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("game '", Av(name), "': parameter '", p.name, "' is required"));
    }
    filled.emplace(p.name, p.default_value);
  }
  return std::make_pair(entry, std::move(filled));
}

absl::StatusOr<std::shared_ptr<const Game>> GameRegistry::Make(std::string_view name,
                                                               const GameParams& params) const {
  NASHNET_ASSIGN_OR_RETURN(auto resolved, Resolve(name, params));
  absl::StatusOr<std::shared_ptr<const Game>> game = resolved.first->make(resolved.second);
  if (!game.ok()) {
    return absl::Status(game.status().code(),
                        absl::StrCat("game '", Av(name), "': ", game.status().message()));
  }
  return game;
}

absl::StatusOr<GameFootprint> GameRegistry::Footprint(std::string_view name,
                                                      const GameParams& params) const {
  NASHNET_ASSIGN_OR_RETURN(auto resolved, Resolve(name, params));
  if (!resolved.first->footprint) {
    return absl::UnimplementedError(
        absl::StrCat("game '", Av(name), "': its cost cannot be estimated before it is built"));
  }
  absl::StatusOr<GameFootprint> footprint = resolved.first->footprint(resolved.second);
  if (!footprint.ok()) {
    return absl::Status(footprint.status().code(),
                        absl::StrCat("game '", Av(name), "': ", footprint.status().message()));
  }
  return footprint;
}

void RegisterBuiltinGames(GameRegistry* registry) {
  catalogue_internal::RegisterMatrixGames(registry);
  catalogue_internal::RegisterRandomGames(registry);
  catalogue_internal::RegisterRoutingGames(registry);
  catalogue_internal::RegisterContinuousGames(registry);
}

const GameRegistry& BuiltinGameRegistry() {
  static const GameRegistry* const registry = [] {
    auto* r = new GameRegistry;  // never destroyed: safe to use from any thread until exit
    RegisterBuiltinGames(r);
    return r;
  }();
  return *registry;
}

absl::StatusOr<std::shared_ptr<const Game>> LoadGame(const GameRegistry& registry,
                                                     std::string_view name_or_path,
                                                     const GameParams& params,
                                                     std::string_view base_dir) {
  if (!absl::EndsWithIgnoreCase(catalogue_internal::Av(name_or_path), ".nfg")) {
    return registry.Make(name_or_path, params);
  }
  if (!params.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", catalogue_internal::Av(name_or_path),
                                                   "' is a .nfg file: it takes no parameters (got ",
                                                   params.size(), ")"));
  }
  std::filesystem::path path{std::string(name_or_path)};
  if (path.is_relative() && !base_dir.empty()) {
    path = std::filesystem::path(std::string(base_dir)) / path;
  }
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const NormalFormGame> game, ReadNfgFile(path.string()));
  return std::shared_ptr<const Game>(std::move(game));
}

absl::StatusOr<GameFootprint> LoadFootprint(const GameRegistry& registry,
                                            std::string_view name_or_path, const GameParams& params,
                                            std::string_view base_dir) {
  if (!absl::EndsWithIgnoreCase(catalogue_internal::Av(name_or_path), ".nfg")) {
    return registry.Footprint(name_or_path, params);
  }
  if (!params.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", catalogue_internal::Av(name_or_path),
                                                   "' is a .nfg file: it takes no parameters (got ",
                                                   params.size(), ")"));
  }
  std::filesystem::path path{std::string(name_or_path)};
  if (path.is_relative() && !base_dir.empty()) {
    path = std::filesystem::path(std::string(base_dir)) / path;
  }
  return ReadNfgFileFootprint(path.string());
}

}  // namespace nashnet::games

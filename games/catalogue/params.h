// Parameter parsing for catalogue games: every value arrives as text (run files, CLI flags) and is
// checked here, with errors that name the parameter and the offending value.
//
//   NASHNET_ASSIGN_OR_RETURN(int players, ParseIntParam(params, "players", 1, 100'000));
//   NASHNET_ASSIGN_OR_RETURN(std::vector<double> a, ParseDoubleListParam(params, "a"));
//
// Also: CanonicalGameName, which names a built game by its parameters ("pigou(players=4)").
// Internal to games/catalogue (not part of the registry's contract).
//
// Thread safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "games/catalogue/registry.h"

namespace nashnet::games::catalogue_internal {

// Debian's Abseil has its own string_view type (ABSL_OPTION_USE_STD_STRING_VIEW = 0): convert.
[[nodiscard]] inline absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }
[[nodiscard]] inline std::string_view Sv(absl::string_view s) { return {s.data(), s.size()}; }

// The value of parameter `name` (InvalidArgument if absent: the registry fills defaults, so an
// absent value means a required parameter was not given).
[[nodiscard]] absl::StatusOr<std::string_view> ParamText(const GameParams& params,
                                                         std::string_view name);

// A decimal integer in [min, max]: "parameter 'players': '1x' is not an integer".
[[nodiscard]] absl::StatusOr<int64_t> ParseIntParam(const GameParams& params, std::string_view name,
                                                    int64_t min, int64_t max);

// A finite real number in [min, max].
[[nodiscard]] absl::StatusOr<double> ParseDoubleParam(const GameParams& params,
                                                      std::string_view name, double min,
                                                      double max);

// A comma-separated list of integers, each in [min, max] (spaces around items allowed).
[[nodiscard]] absl::StatusOr<std::vector<int64_t>> ParseIntListParam(const GameParams& params,
                                                                     std::string_view name,
                                                                     int64_t min, int64_t max);

// A comma-separated list of finite reals (`text` given explicitly so callers can split first).
[[nodiscard]] absl::StatusOr<std::vector<double>> ParseDoubleList(std::string_view name,
                                                                  std::string_view text);

// "name" when params is empty, else "name(k1=v1,k2=v2)" in key order.
[[nodiscard]] std::string CanonicalGameName(std::string_view name, const GameParams& params);

}  // namespace nashnet::games::catalogue_internal

// The Gambit .nfg writer. The outcome version gives each distinct payoff tuple one outcome (named
// "", in order of first appearance in Gambit profile order) and maps every profile to it.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "games/nfg.h"

namespace nashnet::games {
namespace {

// A quoted string that the reader reads back as `s` (escapes '"' and '\').
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// Integral values as integers; anything else with 17 significant digits, which reads back as the
// same double. (-0 keeps its sign.)
std::string FormatNumber(double x) {
  if (x == std::trunc(x) && std::abs(x) < 1e15) {
    if (x == 0.0 && std::signbit(x)) return "-0";
    return absl::StrCat(static_cast<int64_t>(x));
  }
  return absl::StrFormat("%.17g", x);
}

uint64_t Bits(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

}  // namespace

std::string WriteNfg(const NormalFormGame& game, NfgVersion version) {
  const NormalFormGameData& data = game.data();
  const int n = game.num_players();
  const int64_t profiles = game.num_profiles();

  std::string out = absl::StrCat("NFG 1 R ", Quote(data.title), " {");
  for (const std::string& name : data.player_names) absl::StrAppend(&out, " ", Quote(name));
  out += " }\n\n{";
  for (int i = 0; i < n; ++i) {
    out += i == 0 ? " {" : "{";
    for (const std::string& name : data.strategy_names[i]) absl::StrAppend(&out, " ", Quote(name));
    out += " }\n";
  }
  absl::StrAppend(&out, "}\n", Quote(data.comment), "\n\n");

  if (version == NfgVersion::kPayoff) {
    for (int64_t k = 0; k < profiles; ++k) {
      for (int i = 0; i < n; ++i) {
        absl::StrAppend(&out, i == 0 ? "" : " ", FormatNumber(game.payoffs(i)[k]));
      }
      out += '\n';
    }
    return out;
  }

  std::map<std::vector<uint64_t>, int64_t> outcome_of;  // payoff tuple (bits) -> 1-based index
  std::vector<int64_t> profile_outcome(profiles);
  std::string outcomes = "{\n";
  std::vector<uint64_t> key(n);
  for (int64_t k = 0; k < profiles; ++k) {
    for (int i = 0; i < n; ++i) key[i] = Bits(game.payoffs(i)[k]);
    auto [it, inserted] = outcome_of.try_emplace(key, static_cast<int64_t>(outcome_of.size()) + 1);
    if (inserted) {
      outcomes += "{ \"\"";
      for (int i = 0; i < n; ++i) {
        absl::StrAppend(&outcomes, i == 0 ? " " : ", ", FormatNumber(game.payoffs(i)[k]));
      }
      outcomes += " }\n";
    }
    profile_outcome[k] = it->second;
  }
  absl::StrAppend(&out, outcomes, "}\n");
  for (int64_t k = 0; k < profiles; ++k) {
    absl::StrAppend(&out, k == 0 ? "" : " ", profile_outcome[k]);
  }
  out += '\n';
  return out;
}

}  // namespace nashnet::games

// Gambit .nfg files: a strict reader and a writer, both file versions (payoff and outcome).
//
// The reader accepts what Gambit writes and documents: `NFG 1 R|D "title" { players } ...`,
// strategy-name lists or strategy counts, the optional comment string, then either payoff numbers
// for every profile (payoff version) or outcomes and a profile→outcome map (outcome version;
// outcome 0 means all payoffs 0). Numbers may be integers, decimals, exponents or rationals
// (`3/4`); tokens are separated by any white space (spaces, tabs, newlines); strings may contain
// escaped quotes (\"). Player 1's strategy varies fastest. Any fault — too many or too few
// numbers, a bad token, an unterminated string or brace — is InvalidArgument with
// "file:line:column: what".
//
//   NASHNET_ASSIGN_OR_RETURN(auto game, ReadNfgFile("games/pd.nfg"));
//   std::string text = WriteNfg(*game, NfgVersion::kPayoff);
//
// Thread safety: free functions, no shared state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "games/footprint.h"
#include "games/normal_form_game.h"

namespace nashnet::games {

enum class NfgVersion { kPayoff, kOutcome };

// Parses .nfg text; `source_name` prefixes error positions ("pd.nfg:3:14: ...").
[[nodiscard]] absl::StatusOr<std::shared_ptr<const NormalFormGame>> ParseNfg(
    std::string_view text, std::string_view source_name = "<nfg>");

// Reads and parses a file (NotFound / InvalidArgument naming the path).
[[nodiscard]] absl::StatusOr<std::shared_ptr<const NormalFormGame>> ReadNfgFile(
    const std::string& path);

// The footprint (games/footprint.h) of the game in .nfg `text` from its header alone: the title,
// players and strategies are read (with ParseNfg's errors), nothing after them. `file_bytes` is
// the size of the whole file when `text` is only its beginning: a header that promises more pure
// profiles than the file can hold is refused, as ParseNfg refuses it.
[[nodiscard]] absl::StatusOr<GameFootprint> NfgFootprint(std::string_view text,
                                                         std::string_view source_name,
                                                         int64_t file_bytes);

// The same for a file, of which the first kMaxNfgHeaderBytes are read (ReadNfgFile's errors for
// a missing, unreadable or irregular file; InvalidArgument for a header longer than that).
[[nodiscard]] absl::StatusOr<GameFootprint> ReadNfgFileFootprint(const std::string& path);
inline constexpr int64_t kMaxNfgHeaderBytes = int64_t{1} << 20;

// Writes a game as .nfg text that ParseNfg reads back to an identical game (payoffs printed
// with full double precision, `%.17g`, or exactly as integers when integral).
[[nodiscard]] std::string WriteNfg(const NormalFormGame& game, NfgVersion version);

}  // namespace nashnet::games

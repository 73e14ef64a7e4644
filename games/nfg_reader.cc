// The strict Gambit .nfg reader (both file versions). See games/nfg.h for the accepted format.
//
// NfgLexer (nfg_lexer.h) turns the text into tokens that remember their line and column; the
// parser follows the grammar
//
//   file       := 'NFG' '1' ('R' | 'D') STRING players strategies [STRING] body EOF
//   players    := '{' STRING+ '}'
//   strategies := '{' ('{' STRING+ '}'){N} '}'  |  '{' COUNT{N} '}'
//   body       := NUMBER{N·P}                                  (payoff version)
//              |  '{' outcome* '}' INDEX{P}                     (outcome version)
//   outcome    := '{' STRING NUMBER (','? NUMBER){N-1} '}'
//
// and every departure is reported at the token where it happens.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "games/nfg.h"
#include "games/nfg_lexer.h"

namespace nashnet::games {
namespace {

// The largest game the reader builds: N·P payoff entries (2 GiB of doubles).
constexpr int64_t kMaxPayoffEntries = int64_t{1} << 28;

class Parser {
 public:
  // `size`: the whole file's bytes when `text` is only its beginning (NfgFootprint).
  Parser(std::string_view text, std::string_view source, size_t size)
      : lexer_(text, source), size_(size) {}
  Parser(std::string_view text, std::string_view source) : Parser(text, source, text.size()) {}

  // The header alone: title, players, strategy counts (data->num_actions).
  absl::Status ParseShape(NormalFormGameData* data) {
    NASHNET_RETURN_IF_ERROR(ParseHeader(data));
    NASHNET_RETURN_IF_ERROR(ParsePlayers(data));
    return ParseStrategies(data);
  }

  absl::StatusOr<std::shared_ptr<const NormalFormGame>> Parse() {
    NormalFormGameData data;
    NASHNET_RETURN_IF_ERROR(ParseHeader(&data));
    NASHNET_RETURN_IF_ERROR(ParsePlayers(&data));
    NASHNET_RETURN_IF_ERROR(ParseStrategies(&data));
    NASHNET_RETURN_IF_ERROR(Advance());
    if (token_.kind == NfgTokenKind::kString) {  // the optional comment
      data.comment = token_.value;
      NASHNET_RETURN_IF_ERROR(Advance());
    }
    if (token_.kind == NfgTokenKind::kLBrace) {
      NASHNET_RETURN_IF_ERROR(ParseOutcomeBody(&data));
    } else if (token_.kind == NfgTokenKind::kNumber) {
      NASHNET_RETURN_IF_ERROR(ParsePayoffBody(&data));
    } else {
      return Expected("the payoffs (numbers) or an outcome list ('{')");
    }
    auto game = NormalFormGame::Create(std::move(data));
    if (!game.ok()) return lexer_.Error(1, 1, std::string(game.status().message()));
    return game;
  }

 private:
  absl::Status Advance() {
    NASHNET_ASSIGN_OR_RETURN(token_, lexer_.Next());
    return absl::OkStatus();
  }
  absl::Status Expected(const std::string& what) const {
    return lexer_.Error(token_,
                        absl::StrCat("expected ", what, ", found ", DescribeNfgToken(token_)));
  }
  absl::Status Expect(NfgTokenKind kind, const std::string& what) {
    NASHNET_RETURN_IF_ERROR(Advance());
    return token_.kind == kind ? absl::OkStatus() : Expected(what);
  }

  // The current token as a non-negative integer no larger than `max` (counts, outcome indices).
  absl::StatusOr<int64_t> IntegerValue(const std::string& what, int64_t max) const {
    std::string_view s = token_.text;
    int64_t value = 0;
    bool ok = token_.kind == NfgTokenKind::kNumber && !s.empty();
    for (char c : s) {
      if (!ok) break;
      if (c < '0' || c > '9') {
        ok = false;
      } else {
        value = value * 10 + (c - '0');
        if (value > max) {
          return lexer_.Error(
              token_, absl::StrFormat("%s %s is too large (at most %d)", what, token_.text, max));
        }
      }
    }
    if (!ok) return Expected(absl::StrCat(what, " (a non-negative integer)"));
    return value;
  }

  absl::Status ParseHeader(NormalFormGameData* data) {
    NASHNET_RETURN_IF_ERROR(Advance());
    if (token_.kind != NfgTokenKind::kWord || token_.text != "NFG") {
      return Expected("the file type 'NFG'");
    }
    NASHNET_RETURN_IF_ERROR(Advance());
    if (token_.kind != NfgTokenKind::kNumber || token_.text != "1") {
      return Expected("NFG version 1");
    }
    NASHNET_RETURN_IF_ERROR(Advance());
    if (token_.kind != NfgTokenKind::kWord || (token_.text != "R" && token_.text != "D")) {
      return Expected("the number type 'R' or 'D'");
    }
    NASHNET_RETURN_IF_ERROR(Expect(NfgTokenKind::kString, "the game title (a quoted string)"));
    data->title = token_.value;
    return absl::OkStatus();
  }

  absl::Status ParsePlayers(NormalFormGameData* data) {
    NASHNET_RETURN_IF_ERROR(Expect(NfgTokenKind::kLBrace, "'{' opening the player names"));
    while (true) {
      NASHNET_RETURN_IF_ERROR(Advance());
      if (token_.kind != NfgTokenKind::kString) break;
      data->player_names.push_back(token_.value);
    }
    if (token_.kind != NfgTokenKind::kRBrace) {
      return Expected("a player name (a quoted string) or '}' closing the player names");
    }
    if (data->player_names.empty()) {
      return lexer_.Error(token_, "the game has no players (the player list is empty)");
    }
    return absl::OkStatus();
  }

  absl::Status ParseStrategies(NormalFormGameData* data) {
    const int n = static_cast<int>(data->player_names.size());
    NASHNET_RETURN_IF_ERROR(Expect(NfgTokenKind::kLBrace, "'{' opening the strategies"));
    const NfgToken open = token_;
    NASHNET_RETURN_IF_ERROR(Advance());
    std::vector<int64_t> counts;
    if (token_.kind == NfgTokenKind::kLBrace) {  // { { "a" "b" } { "c" } ... }
      for (int i = 0; i < n; ++i) {
        if (i > 0) NASHNET_RETURN_IF_ERROR(Advance());
        if (token_.kind != NfgTokenKind::kLBrace) {
          return Expected(
              absl::StrFormat("'{' opening the strategy names of player %d of %d", i + 1, n));
        }
        const NfgToken list = token_;
        std::vector<std::string>& names = data->strategy_names.emplace_back();
        while (true) {
          NASHNET_RETURN_IF_ERROR(Advance());
          if (token_.kind != NfgTokenKind::kString) break;
          names.push_back(token_.value);
        }
        if (token_.kind != NfgTokenKind::kRBrace) {
          return Expected("a strategy name (a quoted string) or '}'");
        }
        if (names.empty()) {
          return lexer_.Error(list, absl::StrFormat("player %d has no strategies", i + 1));
        }
        counts.push_back(static_cast<int64_t>(names.size()));
      }
      NASHNET_RETURN_IF_ERROR(Advance());
      if (token_.kind != NfgTokenKind::kRBrace) {
        return Expected(absl::StrFormat("'}' closing the strategies of the %d players", n));
      }
    } else {  // { 3 2 ... }
      for (int i = 0; i < n; ++i) {
        if (i > 0) NASHNET_RETURN_IF_ERROR(Advance());
        if (token_.kind != NfgTokenKind::kNumber) {
          return Expected(absl::StrFormat("the strategy count of player %d of %d", i + 1, n));
        }
        NASHNET_ASSIGN_OR_RETURN(const int64_t count,
                                 IntegerValue("strategy count", std::numeric_limits<int>::max()));
        if (count < 1) {
          return lexer_.Error(
              token_, absl::StrFormat("player %d has %d strategies (at least 1)", i + 1, count));
        }
        counts.push_back(count);
      }
      NASHNET_RETURN_IF_ERROR(Advance());
      if (token_.kind != NfgTokenKind::kRBrace) {
        return Expected(absl::StrFormat("'}' closing the strategy counts of the %d players", n));
      }
    }
    // Every profile needs at least one number and a separator in the file: a larger game cannot
    // be complete, and must not make us allocate its default strategy names.
    int64_t profiles = 1;
    for (int64_t count : counts) {
      profiles = profiles > static_cast<int64_t>(size_) / count ? static_cast<int64_t>(size_) + 1
                                                                : profiles * count;
    }
    if (profiles > static_cast<int64_t>(size_)) {
      return lexer_.Error(open, absl::StrFormat("the strategy counts give more pure profiles than "
                                                "a file of %d bytes can hold",
                                                size_));
    }
    if (profiles * n > kMaxPayoffEntries) {
      return lexer_.Error(open,
                          absl::StrFormat("the game has %d x %d payoff entries, more than the "
                                          "reader's limit of %d",
                                          n, profiles, kMaxPayoffEntries));
    }
    for (int64_t count : counts) data->num_actions.push_back(static_cast<int>(count));
    profiles_ = profiles;
    return absl::OkStatus();
  }

  absl::Status ParsePayoffBody(NormalFormGameData* data) {
    const int n = static_cast<int>(data->num_actions.size());
    const int64_t expected = profiles_ * n;
    // Storage grows with what the file actually holds, so a header promising a huge game costs
    // nothing until its numbers are there.
    data->payoffs.assign(n, {});
    int64_t count = 0;
    for (; token_.kind != NfgTokenKind::kEnd; ++count) {
      if (token_.kind != NfgTokenKind::kNumber) return Expected("a payoff (a number)");
      if (count == expected) {
        return lexer_.Error(token_, absl::StrFormat("too many payoffs: expected %d (%d players x "
                                                    "%d profiles), this is number %d",
                                                    expected, n, profiles_, count + 1));
      }
      NASHNET_ASSIGN_OR_RETURN(data->payoffs[count % n].emplace_back(), lexer_.Number(token_));
      NASHNET_RETURN_IF_ERROR(Advance());
    }
    if (count < expected) {
      return lexer_.Error(token_, absl::StrFormat("too few payoffs: expected %d (%d players x %d "
                                                  "profiles), found %d",
                                                  expected, n, profiles_, count));
    }
    return absl::OkStatus();
  }

  absl::Status ParseOutcomeBody(NormalFormGameData* data) {
    const int n = static_cast<int>(data->num_actions.size());
    std::vector<std::vector<double>> outcomes;  // [k][player]
    while (true) {
      NASHNET_RETURN_IF_ERROR(Advance());
      if (token_.kind != NfgTokenKind::kLBrace) break;
      NASHNET_RETURN_IF_ERROR(
          Expect(NfgTokenKind::kString, "the outcome's name (a quoted string)"));
      std::vector<double>& payoffs = outcomes.emplace_back();
      for (int i = 0; i < n; ++i) {
        NASHNET_RETURN_IF_ERROR(Advance());
        if (i > 0 && token_.kind == NfgTokenKind::kComma) NASHNET_RETURN_IF_ERROR(Advance());
        if (token_.kind != NfgTokenKind::kNumber) {
          return Expected(absl::StrFormat("the payoff of player %d of %d in outcome %d", i + 1, n,
                                          outcomes.size()));
        }
        NASHNET_ASSIGN_OR_RETURN(payoffs.emplace_back(), lexer_.Number(token_));
      }
      NASHNET_RETURN_IF_ERROR(Advance());
      if (token_.kind != NfgTokenKind::kRBrace) {
        return Expected(absl::StrFormat("'}' closing outcome %d (%d payoffs, one per player)",
                                        outcomes.size(), n));
      }
    }
    if (token_.kind != NfgTokenKind::kRBrace) {
      return Expected("'{' opening an outcome or '}' closing the outcome list");
    }
    std::vector<int> profile_outcome;  // filled as read; the payoffs only once it is complete
    int64_t count = 0;
    const int64_t num_outcomes = static_cast<int64_t>(outcomes.size());
    NASHNET_RETURN_IF_ERROR(Advance());
    for (; token_.kind != NfgTokenKind::kEnd; ++count) {
      if (count == profiles_) {
        return lexer_.Error(token_,
                            absl::StrFormat("too many outcome indices: expected %d (one per "
                                            "profile), this is number %d",
                                            profiles_, count + 1));
      }
      NASHNET_ASSIGN_OR_RETURN(const int64_t k,
                               IntegerValue("an outcome index", std::numeric_limits<int>::max()));
      if (k > num_outcomes) {
        return lexer_.Error(token_, absl::StrFormat("outcome index %d is out of range (the file "
                                                    "defines %d outcomes; 0 means all payoffs 0)",
                                                    k, num_outcomes));
      }
      profile_outcome.push_back(static_cast<int>(k));
      NASHNET_RETURN_IF_ERROR(Advance());
    }
    if (count < profiles_) {
      return lexer_.Error(token_, absl::StrFormat("too few outcome indices: expected %d (one per "
                                                  "profile), found %d",
                                                  profiles_, count));
    }
    data->payoffs.assign(n, std::vector<double>(profiles_));
    for (int64_t p = 0; p < profiles_; ++p) {
      const int k = profile_outcome[p];
      for (int i = 0; i < n; ++i) data->payoffs[i][p] = k == 0 ? 0.0 : outcomes[k - 1][i];
    }
    return absl::OkStatus();
  }

  NfgLexer lexer_;
  size_t size_;
  NfgToken token_;
  int64_t profiles_ = 0;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const NormalFormGame>> ParseNfg(std::string_view text,
                                                               std::string_view source_name) {
  return Parser(text, source_name).Parse();
}

absl::StatusOr<GameFootprint> NfgFootprint(std::string_view text, std::string_view source_name,
                                           int64_t file_bytes) {
  Parser parser(
      text, source_name,
      static_cast<size_t>(std::max<int64_t>(file_bytes, static_cast<int64_t>(text.size()))));
  NormalFormGameData data;
  if (absl::Status st = parser.ParseShape(&data); !st.ok()) {
    if (static_cast<int64_t>(text.size()) < file_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(source_name),
                       ": the header (players and strategies) is not within the first ",
                       text.size(), " bytes (", st.message(), ")"));
    }
    return st;
  }
  std::vector<int64_t> counts(data.num_actions.begin(), data.num_actions.end());
  return TensorFootprint(counts, absl::StrCat(".nfg game \"", data.title.substr(0, 64), "\" with ",
                                              counts.size(), " players"));
}

namespace {

// ReadNfgFile's checks before reading: not a directory, a regular file if it exists.
absl::Status CheckNfgPath(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a .nfg file"));
  }
  // Only regular files: a FIFO or a link to /dev/zero must not hang the reader.
  if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GameFootprint> ReadNfgFileFootprint(const std::string& path) {
  NASHNET_RETURN_IF_ERROR(CheckNfgPath(path));
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open .nfg file: ", std::strerror(errno)));
  }
  std::string head(static_cast<size_t>(kMaxNfgHeaderBytes), '\0');
  file.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (file.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": read error: ", std::strerror(errno)));
  }
  head.resize(static_cast<size_t>(file.gcount()));
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return NfgFootprint(head, path,
                      error ? static_cast<int64_t>(head.size()) : static_cast<int64_t>(size));
}

absl::StatusOr<std::shared_ptr<const NormalFormGame>> ReadNfgFile(const std::string& path) {
  NASHNET_RETURN_IF_ERROR(CheckNfgPath(path));
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open .nfg file: ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": read error: ", std::strerror(errno)));
  }
  return ParseNfg(contents.str(), path);
}

}  // namespace nashnet::games

// NfgLexer: the tokenizer behind the Gambit .nfg reader (games/nfg.h). Internal to games/.
//
// Turns .nfg text into tokens — numbers, quoted strings, '{', '}', ',' and bare words — each
// remembering where it starts (line and column, 1-based; a column counts bytes, so a tab is one
// column), and formats errors as "source:line:column: message".
//
//   NfgLexer lexer(text, "pd.nfg");
//   NASHNET_ASSIGN_OR_RETURN(NfgToken token, lexer.Next());
//   if (token.kind == NfgTokenKind::kNumber) { NASHNET_ASSIGN_OR_RETURN(double x,
//   lexer.Number(token)); }
//
// Syntax: a number is [+-](digits[.digits*] | .digits)[(e|E)[+-]digits] or [+-]digits/digits;
// a string is "..." in which \" is a quote and \\ a backslash (any other backslash is kept, as
// Gambit does); numbers and words end at white space, a brace, a comma or a quote.
//
// Thread safety: none; one lexer per parse. The text must outlive the lexer.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet::games {

enum class NfgTokenKind { kNumber, kString, kLBrace, kRBrace, kComma, kWord, kEnd };

struct NfgToken {
  NfgTokenKind kind = NfgTokenKind::kEnd;
  std::string text;   // as written (numbers, words, punctuation)
  std::string value;  // a string's contents, escapes resolved
  int line = 1;
  int column = 1;
};

// How a token is named in error messages: "number '3'", "string \"x\"", "'}'", "end of file".
[[nodiscard]] std::string DescribeNfgToken(const NfgToken& token);

class NfgLexer {
 public:
  NfgLexer(std::string_view text, std::string_view source_name)
      : text_(text), source_(source_name) {}

  // The next token; kEnd (at the end of the text) repeatedly once the text is used up.
  // InvalidArgument for an unterminated string, a malformed number or a stray character.
  [[nodiscard]] absl::StatusOr<NfgToken> Next();

  // The value of a number token: a rational p/q is p / q (correctly rounded when p and q are exact
  // doubles); underflow gives 0. InvalidArgument for q = 0 or a value beyond the double range.
  [[nodiscard]] absl::StatusOr<double> Number(const NfgToken& token) const;

  // InvalidArgument "source:line:column: message".
  [[nodiscard]] absl::Status Error(int line, int column, const std::string& message) const;
  [[nodiscard]] absl::Status Error(const NfgToken& at, const std::string& message) const {
    return Error(at.line, at.column, message);
  }

 private:
  void Advance();
  absl::StatusOr<NfgToken> ReadString(NfgToken token);
  absl::StatusOr<double> ToDouble(const NfgToken& token, std::string_view digits) const;

  std::string_view text_;
  std::string source_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace nashnet::games

// NfgLexer: tokens, positions and number values of .nfg text.
#include "games/nfg_lexer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace nashnet::games {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
// Characters that end a number or a word.
bool IsDelimiter(char c) { return IsSpace(c) || c == '{' || c == '}' || c == ',' || c == '"'; }

// [+-] ( digits ['.' digits*] | '.' digits ) [(e|E) [+-] digits]   or   [+-] digits '/' digits
bool IsNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const size_t whole = digits();
  if (whole > 0 && i < s.size() && s[i] == '/') {
    ++i;
    return digits() > 0 && i == s.size();
  }
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// ⌊log10 |x|⌋ of a decimal number [sign] digits [. digits] [e|E [sign] digits] that is not zero,
// exactly and without the locale (strtod's decimal point is locale-dependent). The exponent
// saturates at ±10^12, far beyond any double.
int64_t DecimalMagnitude(std::string_view s) {
  size_t k = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  int64_t magnitude = 0;
  int64_t integer_digits = 0;
  bool found = false;
  for (; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k, ++integer_digits) {
    if (!found && s[k] != '0') {
      found = true;
      magnitude = -integer_digits;
    }
  }
  if (found) magnitude += integer_digits - 1;
  if (k < s.size() && s[k] == '.') {
    ++k;
    for (int64_t j = 1; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k, ++j) {
      if (!found && s[k] != '0') {
        found = true;
        magnitude = -j;
      }
    }
  }
  int64_t exponent = 0;
  if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
    ++k;
    const bool negative = k < s.size() && s[k] == '-';
    if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
    for (; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k) {
      exponent = std::min<int64_t>(exponent * 10 + (s[k] - '0'), 1'000'000'000'000);
    }
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent;
}

}  // namespace

std::string DescribeNfgToken(const NfgToken& token) {
  switch (token.kind) {
    case NfgTokenKind::kNumber:
      return absl::StrCat("number '", token.text, "'");
    case NfgTokenKind::kString:
      return absl::StrCat("string \"",
                          token.value.size() > 40 ? token.value.substr(0, 40) + "..." : token.value,
                          "\"");
    case NfgTokenKind::kLBrace:
    case NfgTokenKind::kRBrace:
    case NfgTokenKind::kComma:
    case NfgTokenKind::kWord:
      return absl::StrCat("'", token.text, "'");
    case NfgTokenKind::kEnd:
      return "end of file";
  }
  return "?";
}

absl::Status NfgLexer::Error(int line, int column, const std::string& message) const {
  return absl::InvalidArgumentError(
      absl::StrFormat("%s:%d:%d: %s", source_, line, column, message));
}

void NfgLexer::Advance() {
  if (text_[pos_] == '\n') {
    ++line_;
    column_ = 1;
  } else {
    ++column_;
  }
  ++pos_;
}

absl::StatusOr<NfgToken> NfgLexer::Next() {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) Advance();
  NfgToken token;
  token.line = line_;
  token.column = column_;
  if (pos_ >= text_.size()) return token;
  const char c = text_[pos_];
  if (c == '{' || c == '}' || c == ',') {
    token.kind = c == '{'   ? NfgTokenKind::kLBrace
                 : c == '}' ? NfgTokenKind::kRBrace
                            : NfgTokenKind::kComma;
    token.text.assign(1, c);
    Advance();
    return token;
  }
  if (c == '"') return ReadString(std::move(token));
  const size_t start = pos_;
  while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) Advance();
  token.text.assign(text_.data() + start, pos_ - start);
  if (IsDigit(c) || c == '+' || c == '-' || c == '.') {
    if (!IsNumber(token.text))
      return Error(token, absl::StrCat("invalid number '", token.text, "'"));
    token.kind = NfgTokenKind::kNumber;
    return token;
  }
  for (char w : token.text) {
    if (!IsAlpha(w) && !IsDigit(w))
      return Error(token, absl::StrCat("unexpected '", token.text, "'"));
  }
  token.kind = NfgTokenKind::kWord;
  return token;
}

absl::StatusOr<NfgToken> NfgLexer::ReadString(NfgToken token) {
  Advance();  // the opening quote
  while (true) {
    if (pos_ >= text_.size()) {
      return Error(token, "unterminated string (no closing '\"' before the end of file)");
    }
    const char c = text_[pos_];
    if (c == '"') {
      Advance();
      break;
    }
    if (c == '\\' && pos_ + 1 < text_.size() &&
        (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\\')) {
      token.value += text_[pos_ + 1];
      Advance();
      Advance();
      continue;
    }
    token.value += c;
    Advance();
  }
  token.kind = NfgTokenKind::kString;
  return token;
}

absl::StatusOr<double> NfgLexer::Number(const NfgToken& token) const {
  std::string_view s = token.text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);  // from_chars takes no '+'
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return ToDouble(token, s);
  NASHNET_ASSIGN_OR_RETURN(const double p, ToDouble(token, s.substr(0, slash)));
  NASHNET_ASSIGN_OR_RETURN(const double q, ToDouble(token, s.substr(slash + 1)));
  if (q == 0.0) return Error(token, absl::StrCat("division by zero in '", token.text, "'"));
  const double value = p / q;
  if (!std::isfinite(value)) {
    return Error(token, absl::StrCat("number '", token.text, "' is out of range"));
  }
  return value;
}

absl::StatusOr<double> NfgLexer::ToDouble(const NfgToken& token, std::string_view s) const {
  double value = 0.0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error == std::errc::result_out_of_range) {
    // Too small for a double rounds to a signed zero; too large is an error. The exponent's sign
    // does not decide it (1 followed by 400 zeros then e-10 is 1e390): the decimal magnitude
    // does, which is >= 308 on overflow and <= −308 on underflow.
    if (DecimalMagnitude(s) >= 0) {
      return Error(token, absl::StrCat("number '", token.text, "' is out of range"));
    }
    return s[0] == '-' ? -0.0 : 0.0;
  }
  if (error != std::errc() || end != s.data() + s.size()) {
    return Error(token, absl::StrCat("invalid number '", token.text, "'"));
  }
  return value;
}

}  // namespace nashnet::games

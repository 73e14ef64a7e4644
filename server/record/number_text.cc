#include "server/record/number_text.h"

#include <charconv>
#include <cmath>
#include <system_error>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "server/record/string_view_compat.h"

namespace nashnet::server {
namespace {

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

absl::Status NotANumber(absl::string_view text, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("expected ", what, ", got '", text, "'"));
}

// Parses the whole text as a double (allowing a leading '+'); false if any character is left.
bool ParseWholeDouble(std::string_view text, double* value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

}  // namespace

void AppendDouble(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("nan");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "inf" : "-inf");
    return;
  }
  char buffer[64];
  const auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  // 64 characters always suffice for a finite double's shortest form.
  out->append(buffer, ec == std::errc() ? ptr : buffer);
}

std::string FormatDouble(double value) {
  std::string out;
  AppendDouble(value, &out);
  return out;
}

absl::StatusOr<double> ParseFiniteDouble(std::string_view text) {
  double value = 0.0;
  if (!ParseWholeDouble(text, &value)) return NotANumber(Av(text), "a number");
  if (!std::isfinite(value)) return NotANumber(Av(text), "a finite number");
  return value;
}

namespace {

// A whole integer of type Int: digits (an optional '+'), or a number in any notation that is
// exactly an integer within ±2^53 (e.g. `1e3`). `what` names the expected kind in errors.
template <typename Int>
absl::StatusOr<Int> ParseInteger(std::string_view text, std::string_view what) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  Int value = 0;
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (!digits.empty() && ec == std::errc() && ptr == end) return value;
  if (ec == std::errc::result_out_of_range && ptr == end) {
    return absl::InvalidArgumentError(absl::StrCat("integer out of range: '", Av(text), "'"));
  }
  double real = 0.0;
  const double lowest = std::is_signed_v<Int> ? -kMaxExactInteger : 0.0;
  if (ParseWholeDouble(text, &real) && std::isfinite(real) && std::floor(real) == real &&
      real >= lowest && real <= kMaxExactInteger) {
    return static_cast<Int>(real);
  }
  return NotANumber(Av(text), Av(what));
}

}  // namespace

absl::StatusOr<int64_t> ParseInt64(std::string_view text) {
  return ParseInteger<int64_t>(text, "an integer");
}

absl::StatusOr<uint64_t> ParseUint64(std::string_view text) {
  return ParseInteger<uint64_t>(text, "a non-negative integer");
}

}  // namespace nashnet::server

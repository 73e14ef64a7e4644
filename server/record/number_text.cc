#include "server/record/number_text.h"

#include <charconv>
#include <cmath>
#include <system_error>

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

absl::StatusOr<int64_t> ParseInt64(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  int64_t value = 0;
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (!digits.empty() && ec == std::errc() && ptr == end) return value;
  if (ec == std::errc::result_out_of_range && ptr == end) {
    return absl::InvalidArgumentError(absl::StrCat("integer out of range: '", Av(text), "'"));
  }
  double real = 0.0;
  if (ParseWholeDouble(text, &real) && std::isfinite(real) && std::floor(real) == real &&
      std::fabs(real) <= kMaxExactInteger) {
    return static_cast<int64_t>(real);
  }
  return NotANumber(Av(text), "an integer");
}

absl::StatusOr<uint64_t> ParseUint64(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  uint64_t value = 0;
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (!digits.empty() && ec == std::errc() && ptr == end) return value;
  if (ec == std::errc::result_out_of_range && ptr == end) {
    return absl::InvalidArgumentError(absl::StrCat("integer out of range: '", Av(text), "'"));
  }
  double real = 0.0;
  if (ParseWholeDouble(text, &real) && std::isfinite(real) && std::floor(real) == real &&
      real >= 0.0 && real <= kMaxExactInteger) {
    return static_cast<uint64_t>(real);
  }
  return NotANumber(Av(text), "a non-negative integer");
}

}  // namespace nashnet::server

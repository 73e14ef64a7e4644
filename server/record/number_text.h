// Number text: how the run record and run files print and read numbers.
//
// FormatDouble prints the shortest text that reads back to exactly the same double (std::to_chars'
// round-trip form: at most 17 significant digits, the precision of %.17g, but 1e-12 prints as
// "1e-12" and 0.1 as "0.1"); NaN prints as "nan", infinities as "inf" / "-inf". The parsers accept
// a number only if the whole text is one (no trailing junk, no empty text).
//
//   std::string s = FormatDouble(0.1);                      // "0.1"
//   absl::StatusOr<double> x = ParseFiniteDouble("2.5e-3");  // 0.0025
//
// Thread safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace nashnet::server {

// Shortest round-trip text of `value` ("nan", "inf", "-inf" for non-finite values).
[[nodiscard]] std::string FormatDouble(double value);

// Appends FormatDouble(value) to `out` without a temporary string.
void AppendDouble(double value, std::string* out);

// The whole of `text` as a finite double (decimal or exponent form, optional sign).
// InvalidArgument ("expected a number, got 'abc'") otherwise.
[[nodiscard]] absl::StatusOr<double> ParseFiniteDouble(std::string_view text);

// The whole of `text` as an integer. Also accepts an exactly integral number in exponent form
// ("1e5") up to 2^53. InvalidArgument for anything else or out of range.
[[nodiscard]] absl::StatusOr<int64_t> ParseInt64(std::string_view text);
[[nodiscard]] absl::StatusOr<uint64_t> ParseUint64(std::string_view text);

}  // namespace nashnet::server

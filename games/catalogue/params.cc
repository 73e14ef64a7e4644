#include "games/catalogue/params.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace nashnet::games::catalogue_internal {
namespace {

absl::Status BadValue(std::string_view name, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("parameter '", Av(name), "': '", Av(value), "' ", Av(why)));
}

absl::StatusOr<int64_t> ParseIntText(std::string_view name, std::string_view text, int64_t min,
                                     int64_t max) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(Av(text)), &value)) {
    return BadValue(name, text, "is not an integer");
  }
  if (value < min || value > max) {
    return BadValue(name, text, absl::StrCat("is out of range [", min, ", ", max, "]"));
  }
  return value;
}

absl::StatusOr<double> ParseDoubleText(std::string_view name, std::string_view text) {
  double value = 0.0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(Av(text)), &value)) {
    return BadValue(name, text, "is not a number");
  }
  if (!std::isfinite(value)) return BadValue(name, text, "is not finite");
  return value;
}

}  // namespace

absl::StatusOr<std::string_view> ParamText(const GameParams& params, std::string_view name) {
  const auto it = params.find(name);
  if (it == params.end()) {
    return absl::InvalidArgumentError(absl::StrCat("parameter '", Av(name), "' is required"));
  }
  return std::string_view(it->second);
}

absl::StatusOr<int64_t> ParseIntParam(const GameParams& params, std::string_view name, int64_t min,
                                      int64_t max) {
  NASHNET_ASSIGN_OR_RETURN(std::string_view text, ParamText(params, name));
  return ParseIntText(name, text, min, max);
}

absl::StatusOr<double> ParseDoubleParam(const GameParams& params, std::string_view name, double min,
                                        double max) {
  NASHNET_ASSIGN_OR_RETURN(std::string_view text, ParamText(params, name));
  NASHNET_ASSIGN_OR_RETURN(double value, ParseDoubleText(name, text));
  if (value < min || value > max) {
    return BadValue(name, text, absl::StrCat("is out of range [", min, ", ", max, "]"));
  }
  return value;
}

absl::StatusOr<std::vector<int64_t>> ParseIntListParam(const GameParams& params,
                                                       std::string_view name, int64_t min,
                                                       int64_t max) {
  NASHNET_ASSIGN_OR_RETURN(std::string_view text, ParamText(params, name));
  std::vector<int64_t> values;
  for (absl::string_view item : absl::StrSplit(Av(text), ',')) {
    NASHNET_ASSIGN_OR_RETURN(int64_t value, ParseIntText(name, Sv(item), min, max));
    values.push_back(value);
  }
  return values;
}

absl::StatusOr<std::vector<double>> ParseDoubleList(std::string_view name, std::string_view text) {
  std::vector<double> values;
  for (absl::string_view item : absl::StrSplit(Av(text), ',')) {
    NASHNET_ASSIGN_OR_RETURN(double value, ParseDoubleText(name, Sv(item)));
    values.push_back(value);
  }
  return values;
}

std::string CanonicalGameName(std::string_view name, const GameParams& params) {
  if (params.empty()) return std::string(name);
  return absl::StrCat(Av(name), "(", absl::StrJoin(params, ",", absl::PairFormatter("=")), ")");
}

}  // namespace nashnet::games::catalogue_internal

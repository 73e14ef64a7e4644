#include "cli/cli_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace nashnet::cli {
namespace {

absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Display width of UTF-8 text (counts code points, not bytes).
std::size_t Width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

int ReportError(std::string_view message, int exit_code) {
  const std::string line = absl::StrReplaceAll(Av(message), {{"\r\n", "; "}, {"\n", "; "}});
  std::fprintf(stderr, "nashnet: error: %s\n", line.c_str());
  return exit_code;
}

int ReportError(const absl::Status& status, int exit_code) {
  return ReportError(std::string_view(status.message().data(), status.message().size()), exit_code);
}

absl::StatusOr<KeyValue> ParseKeyValue(std::string_view flag, std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Av(flag), " '", Av(text), "': expected KEY=VALUE"));
  }
  KeyValue kv{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
  if (kv.key.find_first_of(" \t") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(Av(flag), " '", Av(text), "': the key may not contain spaces"));
  }
  return kv;
}

std::string Cell(double value) {
  if (std::isnan(value)) return "-";
  return absl::StrFormat("%.4g", value);
}

std::string Table::Render(int indent) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line(static_cast<std::size_t>(indent), ' ');
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] - Width(row[c]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace nashnet::cli

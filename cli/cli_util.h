// Small pieces shared by the `nashnet` commands: exit codes, one-line error reports, KEY=VALUE
// flags, number cells and plain-text tables.
//
//   absl::StatusOr<KeyValue> kv = ParseKeyValue("--param", "beta=0.6");
//   if (!kv.ok()) return ReportError(kv.status(), kExitUsage);
//   Table t({"player", "regret"});
//   t.AddRow({"0", Cell(1.5)});
//   std::fputs(t.Render().c_str(), stdout);
//
// Thread safety: free functions and a value type; ReportError writes to stderr.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet::cli {

// Exit codes of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;  // the run itself failed (I/O, a learner's fault, ...)
inline constexpr int kExitUsage = 2;      // bad command line, run file, game or parameter

// Prints "nashnet: error: <message>" on one line of stderr (newlines in the message become
// "; ") and returns `exit_code`.
int ReportError(const absl::Status& status, int exit_code);
int ReportError(std::string_view message, int exit_code);

struct KeyValue {
  std::string key;
  std::string value;
};

// Splits "KEY=VALUE" (key non-empty, no spaces around '='); `flag` names the flag in errors:
// "--param 'beta': expected KEY=VALUE".
[[nodiscard]] absl::StatusOr<KeyValue> ParseKeyValue(std::string_view flag, std::string_view text);

// A number for a table cell: %.4g, "-" for NaN.
[[nodiscard]] std::string Cell(double value);

// A left-aligned plain-text table with a header row; columns separated by two spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Every row, each line indented by `indent` spaces and ended by a newline.
  [[nodiscard]] std::string Render(int indent = 0) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace nashnet::cli

#include "server/report/rounds_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <span>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/record/string_view_compat.h"

namespace nashnet::server {
namespace {

// `text` split at every `sep` (an empty text is one empty field).
std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

// Parses the whole of `field` as a double ("nan" allowed); false otherwise.
bool ParseField(std::string_view field, double* value) {
  if (field == "nan") {
    *value = std::nan("");
    return true;
  }
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, *value);
  return ec == std::errc() && ptr == end && !field.empty();
}

// Checks and keeps rows one line at a time.
class RowParser {
 public:
  // Keeps the rows SelectRows(total_rows, max_points) picks.
  RowParser(std::string_view source, std::string_view expected_header, int64_t total_rows,
            int max_points)
      : source_(source), expected_header_(expected_header) {
    table_.total_rows = total_rows;
    keep_ = SelectRows(total_rows, max_points);
  }
  // Keeps the rows whose round is in `keep_rounds` (increasing).
  RowParser(std::string_view source, std::string_view expected_header, int64_t total_rows,
            std::span<const double> keep_rounds)
      : source_(source), expected_header_(expected_header), by_round_(true) {
    table_.total_rows = total_rows;
    keep_rounds_.assign(keep_rounds.begin(), keep_rounds.end());
  }

  absl::Status Header(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == expected_header_) {
      for (std::string_view c : Split(line, ',')) table_.columns.emplace_back(c);
      table_.values.assign(table_.columns.size(), {});
      for (auto& v : table_.values) v.reserve(keep_.size());
      table_.kept_rows.reserve(keep_.size());
      return absl::OkStatus();
    }
    std::vector<std::string_view> got = Split(line, ',');
    std::vector<std::string_view> want = Split(expected_header_, ',');
    for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
      const std::string_view g = i < got.size() ? got[i] : "(nothing)";
      const std::string_view w = i < want.size() ? want[i] : "(end of line)";
      if (g != w) {
        return Error(1, absl::StrCat("header does not match the record's columns: column ", i + 1,
                                     " is '", Av(g), "', expected '", Av(w), "'"));
      }
    }
    return Error(1, "header does not match the record's columns");
  }

  absl::Status Row(std::string_view line, int64_t line_number) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const int64_t row = line_number - 2;
    bool keep = !by_round_ && next_keep_ < keep_.size() && keep_[next_keep_] == row;
    size_t column = 0;
    size_t start = 0;
    while (true) {
      const size_t comma = line.find(',', start);
      const std::string_view field = line.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (column >= table_.columns.size()) {
        return Error(line_number, absl::StrCat("more than ", table_.columns.size(),
                                               " fields, expected ", table_.columns.size()));
      }
      double value = 0.0;
      if (!ParseField(field, &value)) {
        return Error(line_number, absl::StrCat("column ", table_.columns[column],
                                               ": expected a number, got '", Av(field), "'"));
      }
      if (column == 0) {
        if (!(value > last_round_)) {
          return Error(line_number, absl::StrCat("round ", Av(field), " does not follow round ",
                                                 last_round_, " (rounds must increase)"));
        }
        last_round_ = value;
        if (by_round_) {
          while (next_keep_ < keep_rounds_.size() && keep_rounds_[next_keep_] < value) ++next_keep_;
          keep = next_keep_ < keep_rounds_.size() && keep_rounds_[next_keep_] == value;
        }
      }
      if (keep) table_.values[column].push_back(value);
      ++column;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (column != table_.columns.size()) {
      return Error(line_number, absl::StrCat(column, " fields, expected ", table_.columns.size()));
    }
    if (keep) {
      table_.kept_rows.push_back(row);
      ++next_keep_;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RoundsTable> Finish() && {
    if (table_.total_rows == 0) return Error(2, "no rounds (only the header)");
    return std::move(table_);
  }

  absl::Status Error(int64_t line, std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line, ": ", Av(what)));
  }

 private:
  std::string source_;
  std::string expected_header_;
  RoundsTable table_;
  std::vector<int64_t> keep_;        // rows to keep (by row number) ...
  std::vector<double> keep_rounds_;  // ... or by round, when by_round_
  bool by_round_ = false;
  size_t next_keep_ = 0;  // into keep_ or keep_rounds_
  double last_round_ = 0.0;
};

}  // namespace

const std::vector<double>* RoundsTable::Find(std::string_view name) const {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c] == name) return &values[c];
  }
  return nullptr;
}

std::vector<int64_t> SelectRows(int64_t total_rows, int max_points) {
  std::vector<int64_t> rows;
  if (total_rows <= 0) return rows;
  if (max_points <= 0 || total_rows <= max_points) {
    rows.resize(total_rows);
    for (int64_t i = 0; i < total_rows; ++i) rows[i] = i;
    return rows;
  }
  const int half = std::max(2, max_points / 2);
  const int64_t last = total_rows - 1;
  rows.push_back(0);
  rows.push_back(last);
  for (int k = 0; k < half; ++k) {
    rows.push_back(last * k / (half - 1));
    const double log_row = std::log(static_cast<double>(total_rows)) * k / (half - 1);
    rows.push_back(std::clamp<int64_t>(std::llround(std::exp(log_row)) - 1, 0, last));
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

absl::StatusOr<RoundsTable> ParseRoundsCsv(std::string_view text, std::string_view source_name,
                                           std::string_view expected_header, int max_points) {
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Av(source_name), ":1: empty file, expected the header"));
  }
  std::vector<std::string_view> lines = Split(text, '\n');
  if (lines.back().empty()) lines.pop_back();
  RowParser parser(source_name, expected_header, static_cast<int64_t>(lines.size()) - 1,
                   max_points);
  NASHNET_RETURN_IF_ERROR(parser.Header(lines[0]));
  for (size_t i = 1; i < lines.size(); ++i) {
    NASHNET_RETURN_IF_ERROR(parser.Row(lines[i], static_cast<int64_t>(i) + 1));
  }
  return std::move(parser).Finish();
}

namespace {

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

FilePtr OpenForReading(const std::string& source) {
  return FilePtr(std::fopen(source.c_str(), "rb"), &std::fclose);
}

// Lines in the open file (a last line without '\n' counts), then rewinds it.
int64_t CountLines(std::FILE* file) {
  int64_t lines = 0;
  char last = '\n';
  std::vector<char> buffer(1 << 16);
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file)) > 0) {
    lines += std::count(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n), '\n');
    last = buffer[n - 1];
  }
  if (last != '\n') ++lines;
  std::rewind(file);
  return lines;
}

// Calls on_line(text without '\n', 1-based line number) for every line until it fails.
template <typename OnLine>
absl::Status ForEachLine(std::FILE* file, OnLine on_line) {
  char* line = nullptr;
  size_t capacity = 0;
  int64_t line_number = 0;
  absl::Status status;
  ssize_t length = 0;
  while (status.ok() && (length = ::getline(&line, &capacity, file)) >= 0) {
    ++line_number;
    std::string_view text(line, static_cast<size_t>(length));
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    status = on_line(text, line_number);
  }
  std::free(line);
  return status;
}

// Both passes of ReadRoundsCsv*: count the lines, then parse with make_parser(rows).
template <typename MakeParser>
absl::StatusOr<RoundsTable> ReadWithParser(const std::filesystem::path& path,
                                           MakeParser make_parser) {
  const std::string source = path.string();
  FilePtr file = OpenForReading(source);
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(source, ": cannot read the file (missing?)"));
  }
  const int64_t lines = CountLines(file.get());
  if (lines == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":1: empty file, expected the header"));
  }
  RowParser parser = make_parser(source, lines - 1);
  NASHNET_RETURN_IF_ERROR(ForEachLine(file.get(), [&](std::string_view text, int64_t number) {
    return number == 1 ? parser.Header(text) : parser.Row(text, number);
  }));
  return std::move(parser).Finish();
}

}  // namespace

absl::StatusOr<RoundsTable> ReadRoundsCsv(const std::filesystem::path& path,
                                          std::string_view expected_header, int max_points) {
  return ReadWithParser(path, [&](const std::string& source, int64_t rows) {
    return RowParser(source, expected_header, rows, max_points);
  });
}

absl::StatusOr<RoundsTable> ReadRoundsCsvAtRounds(const std::filesystem::path& path,
                                                  std::string_view expected_header,
                                                  std::span<const double> rounds) {
  return ReadWithParser(path, [&](const std::string& source, int64_t rows) {
    return RowParser(source, expected_header, rows, rounds);
  });
}

absl::StatusOr<std::vector<double>> ReadRecordedRounds(const std::filesystem::path& path) {
  const std::string source = path.string();
  FilePtr file = OpenForReading(source);
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(source, ": cannot read the file (missing?)"));
  }
  std::vector<double> rounds;
  NASHNET_RETURN_IF_ERROR(ForEachLine(file.get(), [&](std::string_view text, int64_t number) {
    if (number == 1) return absl::OkStatus();
    double round = 0.0;
    const std::string_view field = text.substr(0, text.find(','));
    if (!ParseField(field, &round) || !(rounds.empty() || round > rounds.back())) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", number, ": round '", Av(field),
                                                     "' is not a number above the last"));
    }
    rounds.push_back(round);
    return absl::OkStatus();
  }));
  return rounds;
}

}  // namespace nashnet::server

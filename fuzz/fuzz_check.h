// Invariant checks for the fuzz targets: a failed check is a finding. It prints what failed (and
// the detail, built only on failure) and aborts, which libFuzzer reports as a crash, saving the
// input as an artifact.
//
//   NASHNET_FUZZ_CHECK(again.ok(), again.status().ToString());
//
// Thread safety: free functions, no shared state (libFuzzer runs one input at a time).
#pragma once

#include <google/protobuf/util/message_differencer.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace nashnet::fuzz {

[[noreturn]] inline void Fail(const char* condition, const std::string& detail) {
  std::fprintf(stderr, "\n=== fuzz invariant failed: %s\n%s\n", condition, detail.c_str());
  std::abort();
}

// With NASHNET_FUZZ_VERBOSE set, targets print why an input was rejected or accepted (to check
// what a seed corpus reaches: `NASHNET_FUZZ_VERBOSE=1 fuzz_nfg fuzz/corpus/nfg/*`).
inline void Note(std::string_view what) {
  static const bool verbose = std::getenv("NASHNET_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "  %.*s\n", static_cast<int>(what.size()), what.data());
}

// A rejected input: InvalidArgument whose message starts with `prefix` (a file name, a field
// path), as every boundary of nashnet promises (STYLE.md, "Input never aborts").
inline bool IsNamedRejection(const absl::Status& status, std::string_view prefix) {
  return status.code() == absl::StatusCode::kInvalidArgument &&
         absl::StartsWith(status.message(), absl::string_view(prefix.data(), prefix.size()));
}

// "" if `a` and `b` are equal messages, else the differences. Fields compare as proto3 reads
// them: an unset field equals one set to its default (nashnet never tests the presence of a
// spec's sub-messages; spec.yaml writes every block, so `learner: {}` reads back as a set, empty
// learner). Unknown fields (a newer client's) are not compared: no text form carries them.
inline std::string ProtoDifference(const google::protobuf::Message& a,
                                   const google::protobuf::Message& b) {
  std::unique_ptr<google::protobuf::Message> known_a(a.New());
  std::unique_ptr<google::protobuf::Message> known_b(b.New());
  known_a->CopyFrom(a);
  known_b->CopyFrom(b);
  known_a->DiscardUnknownFields();
  known_b->DiscardUnknownFields();
  std::string report;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_message_field_comparison(google::protobuf::util::MessageDifferencer::EQUIVALENT);
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(*known_a, *known_b)) return "";
  return report.empty() ? std::string("(differ)") : report;
}

}  // namespace nashnet::fuzz

#define NASHNET_FUZZ_CHECK(condition, detail)                      \
  do {                                                             \
    if (!(condition)) ::nashnet::fuzz::Fail(#condition, (detail)); \
  } while (0)

// Fuzz target: run files (server/record/run_file.h), YAML text → RunSpec, and the canonical
// spec.yaml writer.
//
// For any bytes: ParseRunFile never crashes, hangs or leaks (yaml-cpp's exceptions included), and a
// rejection is InvalidArgument starting "fuzz.yaml" (its file:line:column). For what it accepts:
// every recorded key location points into the file, and for a complete spec (a game and rounds)
// WriteRunSpecYaml's text parses back to an equal spec (unset sub-messages equal empty ones), and
// writing that spec again gives byte-identical text (run_file.h's contract).

#include "server/record/run_file.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nashnet::fuzz::IsNamedRejection;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = nashnet::server::ParseRunFile(text, "fuzz.yaml");
  if (!file.ok()) {
    nashnet::fuzz::Note(file.status().ToString());
    NASHNET_FUZZ_CHECK(IsNamedRejection(file.status(), "fuzz.yaml"), file.status().ToString());
    return 0;
  }
  // Locations: every key path seen points into the file, and errors naming it get annotated.
  for (const auto& [path, where] : file->locations) {
    NASHNET_FUZZ_CHECK(where.first >= 1 && where.second >= 1, path);
    const absl::Status annotated =
        file->Annotate(absl::InvalidArgumentError(absl::StrCat(path, ": a fault")));
    NASHNET_FUZZ_CHECK(path.find_first_of(" \t") != std::string::npos ||
                           path.find(": ") != std::string::npos ||
                           IsNamedRejection(annotated, "fuzz.yaml:"),
                       absl::StrCat(path, " -> ", annotated.ToString()));
  }
  if (!file->locations.empty()) {
    nashnet::server::RunFile copy = *file;
    const std::string first = copy.locations.begin()->first;
    copy.ForgetLocations(first);
    NASHNET_FUZZ_CHECK(!copy.locations.contains(first), first);
  }

  const nashnet::v1::RunSpec& spec = file->spec;
  nashnet::fuzz::Note(absl::StrCat("accepted: game ", spec.game().name()));
  NASHNET_FUZZ_CHECK(!spec.has_service() || spec.service().ByteSizeLong() != 0,
                     "an all-default service block is kept");
  // The round trip is promised for complete specs (a run file may leave the game and the rounds
  // to command-line flags; run_file.h).
  if (spec.game().name().empty() || spec.rounds() < 1) return 0;
  const std::string canonical = nashnet::server::WriteRunSpecYaml(spec);
  auto again = nashnet::server::ParseRunSpecYaml(canonical, "spec.yaml");
  NASHNET_FUZZ_CHECK(again.ok(), absl::StrCat("the canonical text does not parse: ",
                                              again.status().ToString(), "\n", canonical));
  const std::string difference = nashnet::fuzz::ProtoDifference(spec, *again);
  NASHNET_FUZZ_CHECK(difference.empty(),
                     absl::StrCat("the canonical text reads back different:\n", canonical,
                                  "\nread back:\n", again->DebugString()));
  NASHNET_FUZZ_CHECK(nashnet::server::WriteRunSpecYaml(*again) == canonical,
                     absl::StrCat("the canonical text is not stable:\n", canonical));
  return 0;
}

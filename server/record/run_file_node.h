// Run files from a YAML tree already parsed: the strict reader of run_file.h applied to a node,
// for callers that build a run file out of pieces of another YAML document (a sweep's cells,
// server/sweep/sweep_file.h) and want errors to point into that document.
//
//   YAML::Node cell = ...;   // a mapping whose nodes come from "sweep.yaml"
//   NASHNET_ASSIGN_OR_RETURN(RunFile file, ParseRunFileNode(cell, "sweep.yaml"));
//
// Positions: every node keeps the line and column it had in its own document (yaml-cpp's Mark),
// so errors read "sweep.yaml:12:20: learner.params.gamma0: ..."; a key created in code (no
// position) is located at its value.
//
// Thread safety: a free function; the node must not be modified concurrently.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>

#include "absl/status/statusor.h"
#include "server/record/run_file.h"

namespace nashnet::server {

// As ParseRunFile, on `root` (a mapping); `source_name` prefixes error positions. base_dir ".".
[[nodiscard]] absl::StatusOr<RunFile> ParseRunFileNode(const YAML::Node& root,
                                                       std::string_view source_name);

}  // namespace nashnet::server

// Wire forms of what a match measures: server::RoundMetrics / RunSummary ⇄ the protocol's
// RoundMetrics / GameSummary (nashnet/v1/coordinator.proto). GetGame, WatchGame and GameOver
// carry them; `nashnet run` and the admin verbs read them back to print the same summary table
// and write the same summary.json as `simulate`. Doubles (NaN included) survive the round trip
// bit for bit.
//
//   v1::GameSummary wire;
//   RunSummaryToProto(summary, &wire);
//   RunSummary back = RunSummaryFromProto(wire);   // equal to `summary`, field by field
//
// Thread safety: free functions, no shared state.
#pragma once

#include "nashnet/v1/coordinator.pb.h"
#include "server/round_metrics.h"

namespace nashnet::server {

void RoundMetricsToProto(const RoundMetrics& metrics, v1::RoundMetrics* out);
[[nodiscard]] RoundMetrics RoundMetricsFromProto(const v1::RoundMetrics& metrics);

void RunSummaryToProto(const RunSummary& summary, v1::GameSummary* out);
[[nodiscard]] RunSummary RunSummaryFromProto(const v1::GameSummary& summary);

}  // namespace nashnet::server

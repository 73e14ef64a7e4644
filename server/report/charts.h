// The report's charts (report.h describes the page), each an SvgChart rendered to SVG text.
//
//   std::string svg = ConvergenceChart(data, theory);   // data: LoadRecord; theory:
//   LearnerTheories
//
// Thread safety: free functions over const data.
#pragma once

#include <string>
#include <vector>

#include "server/report/record_data.h"
#include "server/report/theory.h"

namespace nashnet::server {

// R_i(t) of the first `shown` players, log-log, with a dashed line per distinct rate T^α anchored
// at the largest final regret among the players with that rate.
[[nodiscard]] std::string RegretChart(const RecordData& data,
                                      const std::vector<LearnerTheory>& theory, int shown);

// R_i(t)/t of the first `shown` players against log t.
[[nodiscard]] std::string AverageRegretChart(const RecordData& data,
                                             const std::vector<LearnerTheory>& theory, int shown);

// Nash gap, empirical Nash gap and ‖x(t) − a*‖₁ (log) against Γ_t of player 0 (against log t
// without a step schedule), with P1's slope −Δ line when it applies (report.h).
[[nodiscard]] std::string ConvergenceChart(const RecordData& data,
                                           const std::vector<LearnerTheory>& theory);

// Player p's strategy x_p(t) (finite) or point z_p(t) (continuous) against log t: the
// `max_actions` entries with the largest final median.
[[nodiscard]] std::string StrategyChart(const RecordData& data, int p, int max_actions);

}  // namespace nashnet::server

// The readable summary `nashnet simulate` prints at the end of a run: the game's numbers (Nash
// gap, empirical Nash gap, distance to equilibrium) and a table with one row per player
// (algorithm, regret, realized regret, dynamic regret, average payoff, final strategy's top
// entries). With several seeds every number is "median [min, max]" over the seeds.
//
//   std::fputs(RenderRunSummary(plan, summary).c_str(), stdout);
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "server/record/run_record.h"
#include "server/simulation.h"

namespace nashnet::cli {

[[nodiscard]] std::string RenderRunSummary(const server::RunPlan& plan,
                                           const server::RunSummary& summary);

[[nodiscard]] std::string RenderAggregateSummary(const server::RunPlan& plan,
                                                 const server::AggregateSummary& aggregate);

}  // namespace nashnet::cli

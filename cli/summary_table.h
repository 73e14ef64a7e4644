// The readable summary `nashnet simulate` prints at the end of a run: the game's numbers (Nash
// gap, empirical Nash gap, distance to equilibrium) and a table with one row per player
// (algorithm, regret, realized regret, dynamic regret, average payoff, final strategy's top
// entries), wall-clock time and rounds/s. With several seeds every number is "median [min, max]"
// over the seeds. `nashnet run` and `nashnet show` print the same table.
//
//   std::fputs(RenderRunSummary(plan, summary).c_str(), stdout);
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "server/record/run_record.h"
#include "server/simulation.h"

namespace nashnet::cli {

// What the table needs to know of the run besides its numbers.
struct SummaryContext {
  std::string game_name;    // the heading's game (RunPlan: game->name())
  bool continuous = false;  // final strategies are points, not distributions over actions
  v1::RunSpec spec;         // rounds and feedback for the heading
};

// The context of a planned run.
[[nodiscard]] SummaryContext ContextOf(const server::RunPlan& plan);

[[nodiscard]] std::string RenderRunSummary(const SummaryContext& context,
                                           const server::RunSummary& summary);
[[nodiscard]] std::string RenderAggregateSummary(const SummaryContext& context,
                                                 const server::AggregateSummary& aggregate);

[[nodiscard]] std::string RenderRunSummary(const server::RunPlan& plan,
                                           const server::RunSummary& summary);

[[nodiscard]] std::string RenderAggregateSummary(const server::RunPlan& plan,
                                                 const server::AggregateSummary& aggregate);

}  // namespace nashnet::cli

// nashnet: the command line of the nashnet simulator.
//
//   nashnet simulate RUN.yaml [--seeds 8]   in-process runs (simulate_command.h)
//   nashnet run RUN.yaml [same flags]       the same with real processes (run_command.h)
//   nashnet create|list|show|watch|stop     a coordinator's games (admin_commands.h)
//   nashnet games [NAME|FILE.nfg] [--json]  the catalogue (games_command.h)
//   nashnet report DIR [--out FILE]         a run record as one HTML page (report_command.h)
//   nashnet conformance --agent 'CMD ...'   an agent program's protocol conformance
//                                           (conformance_command.h)
//   nashnet sweep SWEEP.yaml [--out DIR]    a grid of runs, resumable (sweep_command.h)
//
// Exit codes: 0 success, 1 a run failed, 2 bad usage or input (one line on stderr says what).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/admin_commands.h"
#include "cli/cli_util.h"
#include "cli/conformance_command.h"
#include "cli/games_command.h"
#include "cli/report_command.h"
#include "cli/run_command.h"
#include "cli/simulate_command.h"
#include "cli/sweep_command.h"

int main(int argc, char** argv) {
  CLI::App app("nashnet: multi-agent learning in repeated games", "nashnet");
  app.require_subcommand(1);
  app.set_version_flag("--version", "nashnet 0.1.0");
  nashnet::cli::SimulateCommand simulate(&app);
  nashnet::cli::RunCommand run(&app);
  nashnet::cli::GamesCommand games(&app);
  nashnet::cli::AdminCommands admin(&app);
  nashnet::cli::ReportCommand report(&app);
  nashnet::cli::ConformanceCommand conformance(&app);
  nashnet::cli::SweepCommand sweep(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return nashnet::cli::ReportError(std::string(e.what()) + " (see nashnet --help)",
                                     nashnet::cli::kExitUsage);
  }
  if (simulate.app()->parsed()) return simulate.Run();
  if (run.app()->parsed()) return run.Run();
  if (games.app()->parsed()) return games.Run();
  if (admin.parsed()) return admin.Run();
  if (report.app()->parsed()) return report.Run();
  if (conformance.app()->parsed()) return conformance.Run();
  if (sweep.app()->parsed()) return sweep.Run();
  return nashnet::cli::ReportError("no command given (see nashnet --help)",
                                   nashnet::cli::kExitUsage);
}

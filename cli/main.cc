// nashnet: the command line of the nashnet simulator.
//
//   nashnet simulate RUN.yaml [--seeds 8 --out runs/x]   in-process runs (simulate_command.h)
//   nashnet games [NAME|FILE.nfg] [--json]               the catalogue (games_command.h)
//
// Exit codes: 0 success, 1 a run failed, 2 bad usage or input (one line on stderr says what).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/cli_util.h"
#include "cli/games_command.h"
#include "cli/simulate_command.h"

int main(int argc, char** argv) {
  CLI::App app("nashnet: multi-agent learning in repeated games", "nashnet");
  app.require_subcommand(1);
  app.set_version_flag("--version", "nashnet 0.1.0");
  nashnet::cli::SimulateCommand simulate(&app);
  nashnet::cli::GamesCommand games(&app);
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
  if (games.app()->parsed()) return games.Run();
  return nashnet::cli::ReportError("no command given (see nashnet --help)",
                                   nashnet::cli::kExitUsage);
}

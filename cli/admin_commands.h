// The admin verbs of `nashnet`, against a running coordinator (its admin RPCs):
//
//   nashnet create RUN.yaml [--id ID] [--seed S] [--record-dir D]   prints the new game's id
//   nashnet list                                          one row per game
//   nashnet show ID [--json]                              status, seats, latest metrics, summary
//   nashnet watch ID [--every K]                          a line per update until the game ends
//   nashnet stop ID                                       ends the game after its current round
//
// Each takes --coordinator ADDR (default 127.0.0.1:50051), the admin token (--admin-token-file F,
// else $NASHNET_ADMIN_TOKEN; --admin-token T works too but shows in `ps`) and the TLS flags
// (--tls-ca F [--tls-cert F --tls-key F] [--tls-server-name N]; channel_tls.h). `create
// --join-token-file F` sets the game's join token (spec.service.join_token) from a file, so it
// need not be in the run file. `show --json`
// prints the GameInfo message in protobuf's JSON mapping (proto field names, every field, enum
// names such as "GAME_STATUS_RUNNING", NaN as "NaN"). `show` and `watch` end with the same summary
// table as `simulate` once the game is over.
//
// Exit codes: 0; 1 the coordinator cannot be reached ("nashnet: cannot reach coordinator at
// ADDR: ...") or answered an error ("nashnet: error: NOT_FOUND: ..."); 2 bad flags or run file.
//
//   AdminCommands admin(&app);
//   ... parse ...
//   if (admin.parsed()) return admin.Run();
//
// Thread safety: one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "cli/coordinator_client.h"
#include "common/tls/channel_tls.h"

namespace nashnet::cli {

class AdminCommands {
 public:
  // Adds the five subcommands to `parent`.
  explicit AdminCommands(CLI::App* parent);

  // Whether one of them was given.
  [[nodiscard]] bool parsed() const;
  // Runs the parsed one; returns the exit code.
  [[nodiscard]] int Run();

 private:
  [[nodiscard]] int Create(CoordinatorClient& client);
  [[nodiscard]] int List(CoordinatorClient& client);
  [[nodiscard]] int Show(CoordinatorClient& client);
  [[nodiscard]] int Watch(CoordinatorClient& client);
  [[nodiscard]] int Stop(CoordinatorClient& client);

  CLI::App* create_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* watch_ = nullptr;
  CLI::App* stop_ = nullptr;
  // Shared by every verb (each registers its own copy of the flags).
  std::string coordinator_ = kDefaultCoordinator;
  std::string admin_token_;
  std::string admin_token_file_;
  tls::ClientTlsOptions tls_;
  std::string join_token_file_;
  std::string run_file_;
  std::string id_;
  std::string record_dir_;
  std::string seed_;
  bool json_ = false;
  int64_t every_ = 0;
};

}  // namespace nashnet::cli

// nashnet_load: the load generator of the service benchmarks (bench/README.md, "Service"). One
// process runs many learner-less agents at once (AgentStream: gRPC callback client reactors spread
// over a handful of channels) against nashnet-coordinator and/or the lockstep baseline — the same
// code against both, so only the server differs.
//
//   nashnet_load create  --target ADDR --games 1 --rounds 20000         # prints the game ids
//   nashnet_load play    --target BASELINE --server-pid P1 --target CANDIDATE --server-pid P2
//                        --games 500 --channels 8 --json out.json        # (one line; load_run.h)
//   nashnet_load summary --target ADDR --game-id g1 --wait 10           # GetGame as JSON
//
// `play` prints one JSON object (and writes it to --json): per side the agent-updates/s of every
// block, the server's CPU µs per update, its RSS idle / with the games / with every agent
// playing, whether sampled games advanced; with two targets the median candidate/baseline ratio.
// Exit 0 when measured, 1 on failure, 2 for bad flags.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "bench/load/load_run.h"
#include "bench/load/load_util.h"

namespace nashnet::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct CommonOptions {
  std::vector<std::string> targets = {"127.0.0.1:50051"};
  std::string admin_token;
  BenchGameOptions game;
  std::vector<std::string> game_params;  // KEY=VALUE
  int games = 1;
};

bool ParseParams(CommonOptions* options) {
  for (const std::string& kv : options->game_params) {
    std::vector<std::string> parts = absl::StrSplit(kv, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty()) {
      std::cerr << "nashnet_load: --game-param: \"" << kv << "\" is not KEY=VALUE\n";
      return false;
    }
    options->game.params[parts[0]] = parts[1];
  }
  return true;
}

int Create(const CommonOptions& common) {
  auto stub = v1::Coordinator::NewStub(MakeChannels(common.targets.front(), 1)[0]);
  std::vector<std::string> ids;
  if (absl::Status status =
          CreateGames(stub.get(), common.admin_token, common.game, common.games, &ids);
      !status.ok()) {
    std::cerr << "nashnet_load: " << status.message() << "\n";
    return 1;
  }
  for (const std::string& id : ids) std::cout << id << "\n";
  return 0;
}

int Play(const CommonOptions& common, LoadOptions options, const std::vector<int>& pids,
         const std::string& json_out) {
  for (size_t i = 0; i < common.targets.size(); ++i) {
    options.sides.push_back({common.targets[i], i < pids.size() ? pids[i] : 0});
  }
  options.admin_token = common.admin_token;
  options.game = common.game;
  options.games = common.games;
  std::string json;
  const absl::Status status = RunLoad(options, &json);
  if (!json.empty()) {
    std::cout << json << std::endl;
    if (!json_out.empty()) std::ofstream(json_out) << json << "\n";
  }
  if (!status.ok()) {
    std::cerr << "nashnet_load: " << status.message() << "\n";
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}

int Summary(const CommonOptions& common, const std::string& game_id, double wait_seconds) {
  auto stub = v1::Coordinator::NewStub(MakeChannels(common.targets.front(), 1)[0]);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(wait_seconds));
  for (;;) {
    grpc::ClientContext context;
    AddAdminToken(common.admin_token, &context);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::GetGameRequest request;
    request.set_game_id(game_id);
    v1::GameInfo info;
    grpc::Status status = stub->GetGame(&context, request, &info);
    if (!status.ok()) {
      std::cerr << "nashnet_load: GetGame " << game_id << ": code " << status.error_code() << ": "
                << status.error_message() << "\n";
      return 1;
    }
    const bool over = info.status() == v1::GAME_STATUS_COMPLETED ||
                      info.status() == v1::GAME_STATUS_STOPPED ||
                      info.status() == v1::GAME_STATUS_FAILED;
    if (over || Clock::now() >= deadline) {
      std::printf(
          "{\"game\": %s, \"status\": %d, \"round\": %lld, \"rounds\": %lld, "
          "\"elapsed_seconds\": %.6f, \"rounds_per_second\": %.3f}\n",
          JsonString(game_id).c_str(), static_cast<int>(info.status()),
          static_cast<long long>(info.round()), static_cast<long long>(info.rounds()),
          info.summary().elapsed_seconds(), info.summary().rounds_per_second());
      return over ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void AddCommon(CLI::App* app, CommonOptions* common, bool many_targets) {
  auto* target = app->add_option("--target,--coordinator", common->targets,
                                 many_targets ? "Server address; give two to compare (baseline "
                                                "first, candidate second)"
                                              : "Server address");
  if (!many_targets) target->expected(1);
  app->add_option("--admin-token", common->admin_token, "Admin token (metadata)");
  app->add_option("--games", common->games, "Games to create (per server)")
      ->check(CLI::PositiveNumber);
  app->add_option("--game", common->game.game, "Catalogue game of the created games");
  app->add_option("--game-param", common->game_params, "Game parameter KEY=VALUE (repeatable)");
  app->add_option("--rounds", common->game.rounds, "Horizon of the created games")
      ->check(CLI::PositiveNumber);
  app->add_option("--record-every", common->game.record_every, "The spec's record_every")
      ->check(CLI::PositiveNumber);
  app->add_option("--seed", common->game.seed, "The spec's seed");
}

}  // namespace
}  // namespace nashnet::bench

int main(int argc, char** argv) {
  using namespace nashnet::bench;  // NOLINT(build/namespaces): main only
  CLI::App app("nashnet_load: load generator of the service benchmarks", "nashnet_load");
  app.require_subcommand(1);
  CommonOptions create_common, play_common, summary_common;
  CLI::App* create = app.add_subcommand("create", "Create games; print their ids");
  AddCommon(create, &create_common, false);

  CLI::App* play = app.add_subcommand("play", "Create games and play them with many agents");
  AddCommon(play, &play_common, true);
  play_common.games = 500;
  LoadOptions load;
  std::vector<int> pids;
  std::string json_out;
  play->add_option("--server-pid", pids, "Server pid per --target (RSS, CPU time)");
  play->add_option("--seats-per-game", load.seats_per_game, "Agents per game");
  play->add_option("--channels", load.channels, "Channels (TCP connections) per server");
  play->add_option("--warmup", load.warmup_seconds, "Seconds each side plays before the blocks");
  play->add_option("--settle", load.settle_seconds, "Seconds after a gate opens, not counted");
  play->add_option("--block", load.block_seconds, "Counted seconds per block");
  play->add_option("--pairs", load.pairs, "Blocks per server");
  play->add_option("--start-timeout", load.start_timeout_seconds, "Seconds to wait for Start");
  play->add_option("--sample-games", load.sample_games, "Games per server polled with GetGame");
  play->add_option("--json", json_out, "Also write the result here");

  std::string game_id;
  double wait = 0;
  CLI::App* summary = app.add_subcommand("summary", "GetGame of one game as JSON");
  AddCommon(summary, &summary_common, false);
  summary->add_option("--game-id", game_id, "Game id")->required();
  summary->add_option("--wait", wait, "Wait up to this many seconds for the game to end");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (CommonOptions* o : {&create_common, &play_common, &summary_common}) {
    if (!ParseParams(o)) return 2;
  }
  if (create->parsed()) return Create(create_common);
  if (play->parsed()) return Play(play_common, load, pids, json_out);
  return Summary(summary_common, game_id, wait);
}

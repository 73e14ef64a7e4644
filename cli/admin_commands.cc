#include "cli/admin_commands.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/cli_util.h"
#include "cli/game_info_table.h"
#include "common/secret_source.h"
#include "server/admission.h"
#include "server/record/number_text.h"
#include "server/record/run_file.h"
#include "server/simulation.h"

namespace nashnet::cli {
namespace {

// --coordinator, the admin token and TLS flags on one verb.
void AddConnectionFlags(CLI::App* app, std::string* coordinator, std::string* admin_token,
                        std::string* admin_token_file, tls::ClientTlsOptions* tls) {
  app->add_option("--coordinator", *coordinator, "Coordinator address host:port")
      ->capture_default_str();
  app->add_option("--admin-token", *admin_token,
                  "Admin token (sent as x-nashnet-admin-token metadata; visible in ps: prefer "
                  "--admin-token-file or $NASHNET_ADMIN_TOKEN)");
  app->add_option("--admin-token-file", *admin_token_file,
                  "Read the admin token from this file (one line)");
  app->add_option("--tls-ca", tls->ca_file,
                  "Connect with TLS, verifying the coordinator against this CA (PEM)");
  app->add_option("--tls-cert", tls->cert_file, "Client certificate for mutual TLS (PEM)");
  app->add_option("--tls-key", tls->key_file, "The private key of --tls-cert (PEM)");
  app->add_option("--tls-server-name", tls->server_name,
                  "The name the coordinator's certificate must carry (default: the host dialled)");
}

}  // namespace

AdminCommands::AdminCommands(CLI::App* parent) {
  create_ = parent->add_subcommand("create", "Create a game on a coordinator; prints its id");
  create_->add_option("run_file", run_file_, "Run file (YAML) of one seed")->required();
  create_->add_option("--id", id_, "Game id [A-Za-z0-9._-]{1,64} (default: generated)");
  create_->add_option("--seed", seed_,
                      "Play this seed (a run file of several seeds needs it; default: its seed)");
  create_->add_option("--record-dir", record_dir_,
                      "Record folder under the coordinator's --records-dir (default: the id)");
  create_->add_option("--join-token-file", join_token_file_,
                      "Agents must present the token in this file (sets service.join_token)");
  list_ = parent->add_subcommand("list", "List a coordinator's games");
  show_ = parent->add_subcommand("show", "Show one game: status, seats, metrics, summary");
  show_->add_option("id", id_, "Game id")->required();
  show_->add_flag("--json", json_, "Print the GameInfo message as JSON");
  watch_ = parent->add_subcommand("watch", "Follow one game's metrics until it ends");
  watch_->add_option("id", id_, "Game id")->required();
  watch_->add_option("--every", every_, "An update every K rounds (0: about 200 in all)")
      ->check(CLI::NonNegativeNumber);
  stop_ = parent->add_subcommand("stop", "Stop one game after its current round");
  stop_->add_option("id", id_, "Game id")->required();
  for (CLI::App* app : {create_, list_, show_, watch_, stop_}) {
    AddConnectionFlags(app, &coordinator_, &admin_token_, &admin_token_file_, &tls_);
  }
}

bool AdminCommands::parsed() const {
  return create_->parsed() || list_->parsed() || show_->parsed() || watch_->parsed() ||
         stop_->parsed();
}

int AdminCommands::Run() {
  absl::StatusOr<std::string> admin_token = ResolveSecret({.flag = "--admin-token",
                                                           .value = admin_token_,
                                                           .file_flag = "--admin-token-file",
                                                           .file = admin_token_file_,
                                                           .env = "NASHNET_ADMIN_TOKEN"});
  if (!admin_token.ok()) return ReportError(admin_token.status(), kExitUsage);
  absl::StatusOr<tls::ChannelSecurity> security = tls::ChannelSecurity::Load(tls_);
  if (!security.ok()) return ReportError(security.status(), kExitUsage);
  CoordinatorClientOptions options{
      .address = coordinator_, .admin_token = *admin_token, .security = *security};
  if (absl::Status st = options.Validate(); !st.ok()) return ReportError(st, kExitUsage);
  tls::DropTlsHandshakeLogs();  // a failed handshake is reported once (CoordinatorClient::Report)
  CoordinatorClient client(options);
  if (create_->parsed()) return Create(client);
  if (list_->parsed()) return List(client);
  if (show_->parsed()) return Show(client);
  if (watch_->parsed()) return Watch(client);
  return Stop(client);
}

int AdminCommands::Create(CoordinatorClient& client) {
  absl::StatusOr<server::RunFile> file = server::ReadRunFile(run_file_);
  if (!file.ok()) return ReportError(file.status(), kExitUsage);
  if (!join_token_file_.empty()) {
    absl::StatusOr<std::string> token = ReadSecretFile("--join-token-file", join_token_file_);
    if (!token.ok()) return ReportError(token.status(), kExitUsage);
    file->spec.mutable_service()->set_join_token(*token);
  }
  if (!seed_.empty()) {
    absl::StatusOr<uint64_t> seed = server::ParseUint64(seed_);
    if (!seed.ok()) return ReportError(absl::StrCat("--seed: ", seed.status().message()), 2);
    file->spec.set_seed(*seed);
    file->spec.set_seeds(1);
    file->ForgetLocations("seed");
    file->ForgetLocations("seeds");
  }
  // Checked here first, as the coordinator will (a game file is in the spec already: the reader
  // put it there), so that mistakes point into the file (file:line:column) — unless the game is
  // too big to build here for a check (the coordinator admits or refuses it by its estimate).
  absl::StatusOr<server::GameCost> cost = server::EstimateGameCost(file->spec, {.hosted = true});
  if (!cost.ok() || cost->total_bytes() <= server::GameLimits{}.max_game_bytes) {
    absl::StatusOr<server::RunPlan> plan = server::PlanRun(file->spec);
    if (!plan.ok()) return ReportError(file->Annotate(plan.status()), kExitUsage);
  }
  if (file->spec.seeds() > 1) {
    return ReportError(
        absl::StrCat(file->Where("seeds"), "seeds: a game is one seed, this run has ",
                     file->spec.seeds(), " (pick one with --seed S, or use `nashnet run` for all)"),
        kExitUsage);
  }
  v1::CreateGameRequest request;
  *request.mutable_spec() = file->spec;
  request.set_game_id(id_);
  request.set_record_dir(record_dir_);
  absl::StatusOr<v1::CreateGameResponse> response = client.CreateGame(request);
  if (!response.ok()) return client.Report(response.status());
  std::printf("%s\n", response->game_id().c_str());
  std::fflush(stdout);
  return kExitOk;
}

int AdminCommands::List(CoordinatorClient& client) {
  absl::StatusOr<v1::ListGamesResponse> games = client.ListGames();
  if (!games.ok()) return client.Report(games.status());
  if (games->games().empty()) {
    std::printf("no games on %s\n", client.address().c_str());
  } else {
    std::fputs(RenderGameList(games->games()).c_str(), stdout);
  }
  std::fflush(stdout);
  return kExitOk;
}

int AdminCommands::Show(CoordinatorClient& client) {
  absl::StatusOr<v1::GameInfo> info = client.GetGame(id_);
  if (!info.ok()) return client.Report(info.status());
  if (json_) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    std::string json;
    if (auto st = google::protobuf::util::MessageToJsonString(*info, &json, options); !st.ok()) {
      return ReportError(absl::StrCat("cannot print the game as JSON: ", st.ToString()),
                         kExitRunFailed);
    }
    if (json.empty() || json.back() != '\n') json.push_back('\n');
    std::fputs(json.c_str(), stdout);
  } else {
    std::fputs(RenderGameInfo(*info).c_str(), stdout);
  }
  std::fflush(stdout);
  return kExitOk;
}

int AdminCommands::Watch(CoordinatorClient& client) {
  std::unique_ptr<GameWatch> watch = client.Watch(id_, every_);
  v1::GameUpdate update, last;
  bool any = false;
  while (watch->Read(&update)) {
    std::fputs(RenderUpdateLine(update).c_str(), stdout);
    std::fflush(stdout);
    last = update;
    any = true;
  }
  if (absl::Status st = watch->Finish(); !st.ok()) return client.Report(st);
  if (any && last.has_summary()) {
    absl::StatusOr<v1::GameInfo> info = client.GetGame(id_);
    const v1::RunSpec spec = info.ok() ? info->spec() : v1::RunSpec();
    std::fputs(absl::StrCat("\n", RenderGameSummary(spec, last.metrics(), last.summary())).c_str(),
               stdout);
    std::fflush(stdout);
  }
  return kExitOk;
}

int AdminCommands::Stop(CoordinatorClient& client) {
  absl::StatusOr<v1::GameInfo> info = client.StopGame(id_);
  if (!info.ok()) return client.Report(info.status());
  std::printf("%s %s at round %lld/%lld\n", info->game_id().c_str(),
              std::string(GameStatusName(info->status())).c_str(),
              static_cast<long long>(info->round()), static_cast<long long>(info->rounds()));
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace nashnet::cli

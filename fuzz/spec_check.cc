// Fuzz target: CreateGame's spec check — a serialized RunSpec (CreateGameRequest.spec, as a client
// sends it) through what Coordinator::DoCreateGame does before it builds a game: the request
// bounds (CheckCreateGameBounds), one seed per game, admission, then PlanRun (server/simulation.h)
// and CheckServiceSpec (server/service/hosted_game.h).
//
// For any bytes: nothing crashes, hangs or leaks, and a rejection is InvalidArgument naming a field
// of the spec ("rounds: ...", "game.params: ...", "service.local_seats[1]: ..."). A spec the
// coordinator accepts is written into its record as spec.yaml (WriteRunSpecYaml of the planned
// spec): that text must read back to an equal spec, and write back byte-identical.
//
// Game files travel as text in game.nfg; a `.nfg` name without its text is refused (the
// coordinator opens no game path). PlanRun resolves paths against an empty scratch folder, so a
// path that slipped through would fail to open rather than read a file.
//
// Admission first, as Coordinator::Admit does it: EstimateGameCost and CheckGameLimits, here with
// small limits (kFuzzLimits: 64 MiB and 10^7 operations a round) so that the fuzzer explores
// instead of building big games. A spec refused there must be ResourceExhausted naming a spec
// field ("game.params.players: cournot with 1000000 players needs ..."); an estimate that fails
// must fail as PlanRun does (InvalidArgument naming a field). What is admitted is planned, and
// PlanRun must not fail with ResourceExhausted (the estimate would have missed a cost).
//
// HARNESS CAP (time, not memory): the metric trackers of a finite game enumerate up to 10^6 pure
// profiles for its pure equilibria — bounded, but seconds per input in this build — so finite
// games with more than kMaxProfiles pure profiles are skipped after admission.
#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"
#include "games/catalogue/registry.h"
#include "games/footprint.h"
#include "games/nfg.h"
#include "server/admission.h"
#include "server/record/run_file.h"
#include "server/service/hosted_game.h"
#include "server/service/request_bounds.h"
#include "server/simulation.h"

namespace nashnet::fuzz {
namespace {

std::filesystem::path* games_dir = nullptr;  // an empty scratch folder (LLVMFuzzerInitialize)

constexpr int64_t kMaxProfiles = 4096;  // the harness cap (see the file comment)
const server::GameLimits kFuzzLimits{.max_game_bytes = int64_t{64} << 20, .max_round_work = 1e7};

// Π_i |A_i| of an admitted spec's finite game (0 for a continuous one), as admission priced it.
int64_t PureProfiles(const v1::RunSpec& spec) {
  const v1::GameSpec& game = spec.game();
  const games::GameParams params(game.params().begin(), game.params().end());
  absl::StatusOr<games::GameFootprint> footprint =
      game.nfg().empty()
          ? games::LoadFootprint(games::BuiltinGameRegistry(), game.name(), params,
                                 games_dir->string())
          : games::NfgFootprint(game.nfg(), "game.nfg", static_cast<int64_t>(game.nfg().size()));
  if (!footprint.ok() || footprint->kind != games::ActionKind::kFinite) return 0;
  return footprint->profiles;
}

// Whether `message` starts with a field of RunSpec ("rounds: ...", "players[2].algorithm: ...").
bool NamesASpecField(std::string_view message) {
  const size_t end = message.find_first_of(".[:");
  if (end == std::string_view::npos) return false;
  const std::string_view field = message.substr(0, end);
  for (std::string_view known : {"name", "game", "learner", "players", "feedback", "rounds", "seed",
                                 "seeds", "record_every", "service"}) {
    if (field == known) return true;
  }
  return false;
}

void RemoveGamesDir() {
  std::error_code ignored;
  if (games_dir != nullptr) std::filesystem::remove_all(*games_dir, ignored);
}

}  // namespace
}  // namespace nashnet::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  namespace fuzz = nashnet::fuzz;
  google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in a string field: parse fails, logs
  std::string pattern = (std::filesystem::temp_directory_path() / "nashnet-fuzz-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  fuzz::games_dir = new std::filesystem::path(pattern);
  std::atexit(fuzz::RemoveGamesDir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = nashnet::fuzz;
  namespace server = nashnet::server;
  nashnet::v1::RunSpec spec;
  if (!spec.ParseFromArray(data, static_cast<int>(size))) return 0;
  // The coordinator's checks before planning (Coordinator::DoCreateGame).
  nashnet::v1::CreateGameRequest request;
  *request.mutable_spec() = spec;
  if (absl::Status bounds = server::CheckCreateGameBounds(request); !bounds.ok()) {
    fuzz::Note(bounds.ToString());
    // Spec fields by their path in the spec ("game.params key: ..."), its name as "spec.name".
    std::string_view message(bounds.message().data(), bounds.message().size());
    if (message.substr(0, 5) == "spec.") message.remove_prefix(5);
    NASHNET_FUZZ_CHECK(
        bounds.code() == absl::StatusCode::kInvalidArgument && fuzz::NamesASpecField(message),
        bounds.ToString());
    return 0;
  }
  if (spec.seeds() > 1) return 0;  // InvalidArgument "seeds: ..." (DoCreateGame)

  // Admission (Coordinator::Admit).
  absl::StatusOr<server::GameCost> cost =
      server::EstimateGameCost(spec, {.hosted = true, .base_dir = *fuzz::games_dir});
  if (!cost.ok()) {
    fuzz::Note(absl::StrCat("not priced: ", cost.status().ToString()));
    NASHNET_FUZZ_CHECK(cost.status().code() == absl::StatusCode::kInvalidArgument &&
                           fuzz::NamesASpecField(std::string_view(cost.status().message().data(),
                                                                  cost.status().message().size())),
                       cost.status().ToString());
    return 0;
  }
  if (absl::Status limits = server::CheckGameLimits(*cost, fuzz::kFuzzLimits); !limits.ok()) {
    fuzz::Note(limits.ToString());
    NASHNET_FUZZ_CHECK(limits.code() == absl::StatusCode::kResourceExhausted &&
                           fuzz::NamesASpecField(
                               std::string_view(limits.message().data(), limits.message().size())),
                       limits.ToString());
    return 0;
  }
  if (fuzz::PureProfiles(spec) > fuzz::kMaxProfiles) {
    fuzz::Note("over the harness cap (pure profiles)");
    return 0;
  }

  absl::StatusOr<server::RunPlan> plan = server::PlanRun(spec, *fuzz::games_dir);
  absl::Status status = plan.ok() ? server::CheckServiceSpec(*plan) : plan.status();
  if (!status.ok()) {
    fuzz::Note(status.ToString());
    NASHNET_FUZZ_CHECK(status.code() != absl::StatusCode::kResourceExhausted,
                       absl::StrCat("admitted, then refused by PlanRun: ", status.ToString()));
    NASHNET_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument &&
                           fuzz::NamesASpecField(
                               std::string_view(status.message().data(), status.message().size())),
                       status.ToString());
    return 0;
  }

  fuzz::Note(absl::StrCat("accepted: ", plan->game->name()));
  // Accepted: the record's spec.yaml reads back.
  const std::string text = server::WriteRunSpecYaml(plan->spec);
  absl::StatusOr<nashnet::v1::RunSpec> again = server::ParseRunSpecYaml(text, "spec.yaml");
  NASHNET_FUZZ_CHECK(again.ok(), absl::StrCat("the spec.yaml of an accepted spec does not parse: ",
                                              again.status().ToString(), "\n", text));
  const std::string difference = nashnet::fuzz::ProtoDifference(plan->spec, *again);
  NASHNET_FUZZ_CHECK(difference.empty(),
                     absl::StrCat("spec.yaml reads back different:\n", text, "\nread back:\n",
                                  again->DebugString(), "\ndifferences:\n", difference));
  NASHNET_FUZZ_CHECK(server::WriteRunSpecYaml(*again) == text,
                     absl::StrCat("spec.yaml is not stable:\n", text));
  return 0;
}

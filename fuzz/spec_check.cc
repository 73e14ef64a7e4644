// Fuzz target: CreateGame's spec check — a serialized RunSpec (CreateGameRequest.spec, as a client
// sends it) through PlanRun (server/simulation.h) and CheckServiceSpec
// (server/service/hosted_game.h), with the coordinator's rule for untrusted game paths first.
//
// For any bytes: nothing crashes, hangs or leaks, and a rejection is InvalidArgument naming a field
// of the spec ("rounds: ...", "game.params: ...", "service.local_seats[1]: ..."). A spec the
// coordinator accepts is written into its record as spec.yaml (WriteRunSpecYaml of the planned
// spec): that text must read back to an equal spec, and write back byte-identical.
//
// .nfg games: relative paths resolve against a scratch folder holding a few small games (made in
// LLVMFuzzerInitialize, removed at exit): "pd.nfg", "three.nfg", "outcome.nfg".
//
// HARNESS CAP — remove once cost admission exists (issue 11, "Admission and bounds"): the catalogue
// accepts games of up to 10^6 players, and PlanRun builds the game and every player's learner
// before anything is admitted, so one input could ask for gigabytes and the fuzzer would report an
// out-of-memory instead of exploring. Until the coordinator refuses such specs itself (in
// milliseconds, without allocating), HarnessCapRefuses() skips, before planning, specs whose size
// parameters exceed small caps: players, links, actions, bumps and network edges <= 32 each,
// finite routing games <= 4096 pure profiles (Match::Create enumerates them for the pure
// equilibria), random games' payoff tensors <= 4096 entries, kernel-da grid <= 4 and hda
// max_level <= 12. With admission in place, delete HarnessCapRefuses and check instead that a huge
// spec is refused RESOURCE_EXHAUSTED.
#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fuzz/fuzz_check.h"
#include "server/record/run_file.h"
#include "server/service/game_directory.h"
#include "server/service/hosted_game.h"
#include "server/simulation.h"

namespace nashnet::fuzz {
namespace {

// The harness cap (see the file comment).
constexpr int64_t kMaxCount = 32;  // players, links, actions (each), bumps, edges
// Pure profiles of a finite game: Match::Create enumerates them for the pure equilibria (up to
// 10^6, tens of microseconds each in this build, so seconds per input).
constexpr int64_t kMaxProfiles = 4096;
constexpr int64_t kMaxRandomEntries = 4096;  // random_generic / random_potential: N × Π|A_i|
constexpr double kMaxKernelGrid = 4;         // kernel-da: grid^d cells per player
constexpr double kMaxHdaLevel = 12;          // hda: 2^max_level·d cell coordinates per player

// The integers of game parameter `name` ("3" or "2,3,4"); {fallback} if it is absent; {} if it is
// not a list of integers (the game rejects it).
std::vector<int64_t> IntegerParam(const v1::RunSpec& spec, const std::string& name,
                                  int64_t fallback) {
  const auto it = spec.game().params().find(name);
  if (it == spec.game().params().end()) return {fallback};
  std::vector<int64_t> values;
  for (absl::string_view item : absl::StrSplit(it->second, ',')) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(item), &v)) return {};
    values.push_back(v);
  }
  return values;
}

// base^exponent, saturating above `cap` (to cap + 1).
int64_t SaturatingPower(int64_t base, int64_t exponent, int64_t cap) {
  int64_t result = 1;
  for (int64_t k = 0; k < exponent && result <= cap; ++k) result *= std::max<int64_t>(base, 1);
  return std::min(result, cap + 1);
}

bool LearnerCapRefuses(const v1::LearnerSpec& learner) {
  for (const auto& [name, value] : learner.params()) {
    if (name == "grid" && value > kMaxKernelGrid) return true;
    if (name == "max_level" && value > kMaxHdaLevel) return true;
  }
  return false;
}

bool HarnessCapRefuses(const v1::RunSpec& spec) {
  const std::string& game = spec.game().name();
  // The catalogue's default player counts: 10 for the routing games, else 2.
  const bool routing =
      game == "pigou" || game == "braess" || game == "parallel_links" || game == "network";
  const std::vector<int64_t> players = IntegerParam(spec, "players", routing ? 10 : 2);
  const std::vector<int64_t> links = IntegerParam(spec, "links", 3);
  const std::vector<int64_t> actions = IntegerParam(spec, "actions", 2);
  for (const std::vector<int64_t>* values : {&players, &links, &actions}) {
    for (int64_t v : *values) {
      if (v > kMaxCount) return true;
    }
  }
  for (int64_t v : IntegerParam(spec, "bumps", 5)) {
    if (v > kMaxCount) return true;
  }
  const int64_t n = players.empty() ? 1 : players.front();
  if (routing) {
    // Routes: pigou 2, braess 3, parallel_links one per link; a network's edge count stands in
    // for its route count (Braess's network, the default, has 5 edges and 3 routes).
    int64_t routes = game == "pigou" ? 2 : game == "braess" ? 3 : 5;
    if (game == "parallel_links" && !links.empty()) routes = links.front();
    if (game == "network") {
      const auto edges = spec.game().params().find("edges");
      if (edges != spec.game().params().end()) {
        routes =
            static_cast<int64_t>(std::count(edges->second.begin(), edges->second.end(), ';')) + 1;
      }
      if (routes > kMaxCount) return true;
    }
    if (SaturatingPower(routes, n, kMaxProfiles) > kMaxProfiles) return true;
  }
  if (absl::StartsWith(game, "random_") && !actions.empty()) {
    // One count for every player, or one per player.
    int64_t entries = std::max<int64_t>(n, 1);
    for (int64_t k = 0; k < std::max<int64_t>(n, 1) && entries <= kMaxRandomEntries; ++k) {
      const size_t at = actions.size() == 1 ? 0 : static_cast<size_t>(k);
      entries *= at < actions.size() ? std::max<int64_t>(actions[at], 1) : 1;
    }
    if (entries > kMaxRandomEntries) return true;
  }
  if (LearnerCapRefuses(spec.learner())) return true;
  for (const v1::LearnerSpec& player : spec.players()) {
    if (LearnerCapRefuses(player)) return true;
  }
  return false;
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

std::filesystem::path* games_dir = nullptr;

void RemoveGamesDir() {
  std::error_code ignored;
  if (games_dir != nullptr) std::filesystem::remove_all(*games_dir, ignored);
}

void WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
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
  fuzz::WriteFile(*fuzz::games_dir / "pd.nfg",
                  "NFG 1 R \"PD\" { \"Row\" \"Column\" } { 2 2 }\n3 3 5 0 0 5 1 1\n");
  fuzz::WriteFile(*fuzz::games_dir / "three.nfg",
                  "NFG 1 R \"three\" { \"A\" \"B\" \"C\" } { 2 3 2 }\n"
                  "1 0 2  0 1 1  2 2 0  1 1 1  0 0 3  3 1 0  1 2 1  2 0 0  0 3 1  1 1 2  2 1 1  "
                  "0 2 2\n");
  fuzz::WriteFile(*fuzz::games_dir / "outcome.nfg",
                  "NFG 1 R \"outcomes\" { \"1\" \"2\" } { { \"a\" \"b\" } { \"x\" \"y\" \"z\" } }\n"
                  "{ { \"\" 1, -1 } { \"\" -1, 1 } }\n1 2 2 0 1 2\n");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = nashnet::fuzz;
  namespace server = nashnet::server;
  nashnet::v1::RunSpec spec;
  if (!spec.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (fuzz::HarnessCapRefuses(spec)) {
    fuzz::Note("over the harness cap");
    return 0;
  }

  // The coordinator's rules before planning (Coordinator::DoCreateGame): one seed per game, and
  // an untrusted client's game path stays inside the folder it resolves against.
  if (spec.seeds() > 1) return 0;
  // GameSpec.nfg (a game file's text carried in the spec) is not read by PlanRun yet: issue 9 is
  // adding it. Until then a spec carrying it is skipped (it would be accepted, and its game text
  // dropped from spec.yaml). Remove this line once PlanRun reads the field.
  if (!spec.game().nfg().empty()) return 0;
  const std::string& game_name = spec.game().name();
  if (absl::StrContains(game_name, "/") || absl::EndsWith(game_name, ".nfg")) {
    if (!server::ValidateRecordDir(game_name, "game.name").ok()) return 0;
  }

  absl::StatusOr<server::RunPlan> plan = server::PlanRun(spec, *fuzz::games_dir);
  absl::Status status = plan.ok() ? server::CheckServiceSpec(*plan) : plan.status();
  if (!status.ok()) {
    fuzz::Note(status.ToString());
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

// Fuzz target: the Gambit .nfg reader (games/nfg.h), payoff and outcome versions, and the writer.
//
// For any bytes: ParseNfg never crashes, hangs or leaks, and a rejection is InvalidArgument
// starting "fuzz.nfg:" (its file:line:column). For what it accepts, in both file versions:
// WriteNfg's text parses back to the same game (labels equal, payoffs equal bit for bit) and
// writing that game again gives the same text.
#include "games/nfg.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"

namespace nashnet::fuzz {
namespace {

// Where two games differ ("" if they are the same game, labels and payoff bits included).
std::string Difference(const games::NormalFormGame& a, const games::NormalFormGame& b) {
  const games::NormalFormGameData& x = a.data();
  const games::NormalFormGameData& y = b.data();
  if (x.title != y.title) return absl::StrCat("title '", x.title, "' vs '", y.title, "'");
  if (x.comment != y.comment) return "comment";
  if (x.player_names != y.player_names) return "player names";
  if (x.num_actions != y.num_actions) return "strategy counts";
  if (x.strategy_names != y.strategy_names) return "strategy names";
  for (int i = 0; i < a.num_players(); ++i) {
    const Eigen::VectorXd& p = a.payoffs(i);
    const Eigen::VectorXd& q = b.payoffs(i);
    if (p.size() != q.size() ||
        std::memcmp(p.data(), q.data(), sizeof(double) * static_cast<size_t>(p.size())) != 0) {
      return absl::StrCat("payoffs of player ", i + 1);
    }
  }
  return "";
}

}  // namespace
}  // namespace nashnet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nashnet::games::NfgVersion;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto game = nashnet::games::ParseNfg(text, "fuzz.nfg");
  if (!game.ok()) {
    nashnet::fuzz::Note(game.status().ToString());
    NASHNET_FUZZ_CHECK(nashnet::fuzz::IsNamedRejection(game.status(), "fuzz.nfg:"),
                       game.status().ToString());
    return 0;
  }
  nashnet::fuzz::Note(absl::StrCat("accepted: ", (*game)->num_players(), " players, ",
                                   (*game)->num_profiles(), " profiles"));
  for (const NfgVersion version : {NfgVersion::kPayoff, NfgVersion::kOutcome}) {
    const char* name = version == NfgVersion::kPayoff ? "payoff" : "outcome";
    const std::string written = nashnet::games::WriteNfg(**game, version);
    auto again = nashnet::games::ParseNfg(written, "written.nfg");
    NASHNET_FUZZ_CHECK(again.ok(), absl::StrCat("the ", name, " version written does not parse: ",
                                                again.status().ToString(), "\n", written));
    const std::string difference = nashnet::fuzz::Difference(**game, **again);
    NASHNET_FUZZ_CHECK(
        difference.empty(),
        absl::StrCat("the ", name, " version read back differs: ", difference, "\n", written));
    NASHNET_FUZZ_CHECK(nashnet::games::WriteNfg(**again, version) == written,
                       absl::StrCat("writing the ", name, " version again changes it\n", written));
  }
  return 0;
}

// The Gambit corpus (../shared/games/gambit/: Gambit's own 60 example games): every file loads,
// its pure equilibria equal those computed independently with exact rationals
// (pure_equilibria.json), both written versions read back identical, and the payoff kernels agree
// with a brute-force sum on every game. Skips when the shared folder is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/rng.h"
#include "games/equilibrium.h"
#include "games/nfg.h"

namespace nashnet::games {
namespace {

namespace fs = std::filesystem;

#ifdef NASHNET_SHARED_DIR
const char kGambitDir[] = NASHNET_SHARED_DIR "/games/gambit/";
#else
const char kGambitDir[] = "";
#endif

// Every game of the corpus, by file name; empty (and the test skips) without the shared folder.
class GambitCorpus : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    games_ = new std::map<std::string, std::shared_ptr<const NormalFormGame>>();
    load_errors_ = new std::vector<std::string>();
    if (kGambitDir[0] == '\0' || !fs::is_directory(kGambitDir)) return;
    for (const auto& entry : fs::directory_iterator(kGambitDir)) {
      if (entry.path().extension() != ".nfg") continue;
      auto game = ReadNfgFile(entry.path().string());
      if (game.ok()) {
        (*games_)[entry.path().filename().string()] = *game;
      } else {
        load_errors_->push_back(std::string(game.status().message()));
      }
    }
  }
  static void TearDownTestSuite() {
    delete games_;
    delete load_errors_;
  }
  void SetUp() override {
    if (games_->empty() && load_errors_->empty()) {
      GTEST_SKIP() << "no Gambit corpus at " << kGambitDir;
    }
  }
  static const NormalFormGame& Get(const std::string& name) {
    auto it = games_->find(name);
    EXPECT_NE(it, games_->end()) << name;
    return *it->second;
  }
  // Profiles of the pure equilibria, 1-based as Gambit writes them, sorted.
  static std::vector<std::vector<int>> OneBasedEquilibria(const std::string& name) {
    auto eqs = PureEquilibria(Get(name));
    EXPECT_TRUE(eqs.ok());
    std::vector<std::vector<int>> out;
    for (const PureEquilibrium& e : *eqs) {
      std::vector<int> p = e.profile;
      for (int& a : p) ++a;
      out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::map<std::string, std::shared_ptr<const NormalFormGame>>* games_;
  static std::vector<std::string>* load_errors_;
};

std::map<std::string, std::shared_ptr<const NormalFormGame>>* GambitCorpus::games_ = nullptr;
std::vector<std::string>* GambitCorpus::load_errors_ = nullptr;

TEST_F(GambitCorpus, EverySixtyFilesLoad) {
  EXPECT_TRUE(load_errors_->empty()) << load_errors_->front();
  EXPECT_EQ(games_->size() + load_errors_->size(), 60u);
  EXPECT_EQ(games_->size(), 60u);
}

TEST_F(GambitCorpus, PureEquilibriaMatchTheExactRationalReference) {
  std::ifstream in(std::string(kGambitDir) + "pure_equilibria.json");
  ASSERT_TRUE(in) << "pure_equilibria.json missing";
  const nlohmann::json reference = nlohmann::json::parse(in);
  EXPECT_EQ(reference.size(), games_->size());
  int strict_seen = 0, weak_seen = 0;
  for (const auto& [name, game] : *games_) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(reference.contains(name));
    const nlohmann::json& ref = reference[name];
    EXPECT_EQ(ref["players"].get<int>(), game->num_players());
    EXPECT_EQ(ref["strategies"].get<std::vector<int>>(), game->data().num_actions);
    auto eqs = PureEquilibria(*game);
    ASSERT_TRUE(eqs.ok());
    // The reference lists player 1 slowest; ours are in Gambit order: compare by profile.
    std::map<PureProfile, const PureEquilibrium*> ours;
    for (const PureEquilibrium& e : *eqs) ours[e.profile] = &e;
    ASSERT_EQ(ours.size(), ref["pure_equilibria"].size());
    for (const nlohmann::json& r : ref["pure_equilibria"]) {
      const auto profile = r["profile"].get<PureProfile>();
      ASSERT_TRUE(ours.count(profile)) << r.dump();
      const PureEquilibrium& e = *ours[profile];
      EXPECT_EQ(e.strict, r["strict"].get<bool>()) << r.dump();
      // The reference gaps are exact rationals printed as decimals; ours are differences of
      // correctly rounded doubles: a few ulps of the payoffs apart, far below 1e-9 relative.
      const double gap = r["gap"].get<double>();
      EXPECT_NEAR(e.gap, gap, 1e-9 * std::max(1.0, std::abs(gap))) << r.dump();
      (e.strict ? strict_seen : weak_seen)++;
    }
  }
  EXPECT_GT(strict_seen, 30);  // the corpus exercises both kinds
  EXPECT_GT(weak_seen, 5);
}

TEST_F(GambitCorpus, KnownEquilibriaFromGambitsDocumentation) {
  using P = std::vector<std::vector<int>>;
  EXPECT_EQ(OneBasedEquilibria("pd.nfg"), (P{{2, 2}}));
  EXPECT_EQ(OneBasedEquilibria("coord3.nfg"), (P{{1, 1}, {2, 2}, {3, 3}}));
  EXPECT_EQ(OneBasedEquilibria("3x3x3.nfg"), (P{{1, 2, 1}, {2, 3, 3}}));
  EXPECT_EQ(OneBasedEquilibria("8x8.nfg"), (P{{4, 6}, {6, 3}, {7, 2}}));
  EXPECT_EQ(OneBasedEquilibria("2x2x2x2.nfg"), (P{{1, 1, 1, 2}, {2, 1, 2, 1}}));
  EXPECT_EQ(OneBasedEquilibria("tests-2x2x2_nfg_from_local_max_cut_2_pure_1_mixed_eq.nfg"),
            (P{{1, 2, 1}, {2, 1, 2}}));
}

TEST_F(GambitCorpus, CoordinationPayoffAndOutcomeVersionsAreTheSameGame) {
  const NormalFormGame& payoff = Get("tests-coordination_4x4_payoff.nfg");
  const NormalFormGame& outcome = Get("tests-coordination_4x4_outcome.nfg");
  EXPECT_EQ(payoff.data().num_actions, (std::vector<int>{4, 4}));
  EXPECT_EQ(payoff.data().payoffs, outcome.data().payoffs);
  EXPECT_EQ(outcome.data().strategy_names[1][3], "2-4");
}

TEST_F(GambitCorpus, LabelsCommentsAndRationalsAreRead) {
  EXPECT_EQ(Get("pd.nfg").data().title, "Two person Prisoner's Dilemma game");
  EXPECT_EQ(Get("perfect3.nfg").data().num_actions, (std::vector<int>{3, 3, 1}));
  EXPECT_EQ(Get("sww1.nfg").data().player_names, (std::vector<std::string>{"", ""}));
  const std::string& comment =
      Get("tests-2x2x2_nfg_from_local_max_cut_2_pure_1_mixed_eq.nfg").data().comment;
  EXPECT_EQ(comment.rfind("\n- This comes from a local max cut instance:", 0), 0u) << comment;
  EXPECT_EQ(Get("todd3.nfg").payoffs(0)[5], 3.0 / 19.0);  // "3/19", correctly rounded
  EXPECT_EQ(Get("e07.nfg").payoffs(0)[0], 7.6);           // "7.600000" from a D file
}

TEST_F(GambitCorpus, BothWrittenVersionsReadBackIdentical) {
  for (const auto& [name, game] : *games_) {
    for (NfgVersion version : {NfgVersion::kPayoff, NfgVersion::kOutcome}) {
      SCOPED_TRACE(name + (version == NfgVersion::kPayoff ? " (payoff)" : " (outcome)"));
      auto back = ParseNfg(WriteNfg(*game, version), name);
      ASSERT_TRUE(back.ok()) << back.status();
      const NormalFormGameData& a = game->data();
      const NormalFormGameData& b = (*back)->data();
      EXPECT_EQ(a.title, b.title);
      EXPECT_EQ(a.comment, b.comment);
      EXPECT_EQ(a.player_names, b.player_names);
      EXPECT_EQ(a.strategy_names, b.strategy_names);
      ASSERT_EQ(a.payoffs.size(), b.payoffs.size());
      for (size_t i = 0; i < a.payoffs.size(); ++i) {
        ASSERT_EQ(a.payoffs[i].size(), b.payoffs[i].size());
        EXPECT_EQ(std::memcmp(a.payoffs[i].data(), b.payoffs[i].data(),
                              a.payoffs[i].size() * sizeof(double)),
                  0);
      }
    }
  }
}

TEST_F(GambitCorpus, KernelsAgreeWithBruteForceAndNashGapVanishesAtPureEquilibria) {
  for (const auto& [name, game] : *games_) {
    SCOPED_TRACE(name);
    const int n = game->num_players();
    Rng rng(MixSeed(1, std::hash<std::string>()(name)));
    MixedProfile x(n);
    for (int i = 0; i < n; ++i) {
      x[i].resize(game->num_actions(i));
      for (double& p : x[i]) p = rng.Uniform() + 0.05;
      x[i] /= x[i].sum();
    }
    std::vector<Eigen::VectorXd> v;
    game->MixedPayoffVectors(x, &v);
    for (int i = 0; i < n; ++i) {
      Eigen::VectorXd expected = Eigen::VectorXd::Zero(game->num_actions(i));
      for (int64_t k = 0; k < game->num_profiles(); ++k) {
        const PureProfile a = game->ProfileAt(k);
        double w = 1.0;
        for (int j = 0; j < n; ++j) w *= j == i ? 1.0 : x[j][a[j]];
        expected[a[i]] += w * game->payoffs(i)[k];
      }
      // Sums of at most 64 terms bounded by the payoff range: 1e-12 relative is ~5000 ulps.
      const double scale =
          std::max(std::abs(game->payoff_range().min), std::abs(game->payoff_range().max));
      EXPECT_LE((v[i] - expected).lpNorm<Eigen::Infinity>(), 1e-12 * std::max(1.0, scale)) << i;
    }
    auto eqs = PureEquilibria(*game);
    ASSERT_TRUE(eqs.ok());
    for (const PureEquilibrium& e : *eqs) {
      MixedProfile pure(n);
      for (int i = 0; i < n; ++i)
        pure[i] = Eigen::VectorXd::Unit(game->num_actions(i), e.profile[i]);
      EXPECT_EQ(NashGap(*game, pure), 0.0);
      EXPECT_EQ(L1DistanceToPure(pure, e.profile), 0.0);
    }
  }
}

}  // namespace
}  // namespace nashnet::games

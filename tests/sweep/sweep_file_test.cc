// Sweep files: how a grid expands into cells, and exact messages for bad files.
#include "server/sweep/sweep_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/record/run_file.h"

namespace nashnet::server {
namespace {

constexpr char kSmall[] = R"(name: small
base:
  rounds: 300
  record_every: 10
  feedback: {model: noisy, sigma: 0.5}
  seed: 7
seeds: 2
games:
  - prisoners_dilemma
  - {game: rock_paper_scissors, rounds: 500, label: rps}
learners:
  - hedge
  - {algorithm: hedge-lr, params: {eta0: [0.5, 1], eta_exponent: 0.5}}
)";

TEST(SweepFile, ExpandsGamesTimesLearnersTimesParameterListsTimesSeeds) {
  absl::StatusOr<SweepFile> sweep = ParseSweepFile(kSmall, "s.yaml");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->name, "small");
  std::vector<std::string> ids;
  for (const SweepCell& c : sweep->cells) ids.push_back(c.id);
  const std::vector<std::string> expected = {
      "prisoners_dilemma__hedge__seed-7",
      "prisoners_dilemma__hedge__seed-8",
      "prisoners_dilemma__hedge-lr-eta0=0.5-eta_exponent=0.5__seed-7",
      "prisoners_dilemma__hedge-lr-eta0=0.5-eta_exponent=0.5__seed-8",
      "prisoners_dilemma__hedge-lr-eta0=1-eta_exponent=0.5__seed-7",
      "prisoners_dilemma__hedge-lr-eta0=1-eta_exponent=0.5__seed-8",
      "rps__hedge__seed-7",
      "rps__hedge__seed-8",
      "rps__hedge-lr-eta0=0.5-eta_exponent=0.5__seed-7",
      "rps__hedge-lr-eta0=0.5-eta_exponent=0.5__seed-8",
      "rps__hedge-lr-eta0=1-eta_exponent=0.5__seed-7",
      "rps__hedge-lr-eta0=1-eta_exponent=0.5__seed-8"};
  EXPECT_EQ(ids, expected);
  const SweepCell& c = sweep->cells[10];
  EXPECT_EQ(c.game_label, "rps");
  EXPECT_EQ(c.learner_label, "hedge-lr-eta0=1-eta_exponent=0.5");
  EXPECT_EQ(c.params, "eta0=1;eta_exponent=0.5");
  EXPECT_EQ(c.seed, 7u);
  EXPECT_EQ(c.run.spec.game().name(), "rock_paper_scissors");
  EXPECT_EQ(c.run.spec.rounds(), 500);  // the game entry overrides base
  EXPECT_EQ(c.run.spec.record_every(), 10);
  EXPECT_EQ(c.run.spec.seed(), 7u);
  EXPECT_EQ(c.run.spec.seeds(), 1);
  EXPECT_EQ(c.run.spec.feedback().sigma(), 0.5);
  EXPECT_EQ(c.run.spec.learner().algorithm(), "hedge-lr");
  EXPECT_EQ(c.run.spec.learner().params().at("eta0"), 1.0);
  EXPECT_EQ(c.run.spec.name(), "small/rps/hedge-lr-eta0=1-eta_exponent=0.5");
  EXPECT_EQ(sweep->cells[0].run.spec.rounds(), 300);
  EXPECT_EQ(sweep->cells[0].params, "");
  absl::StatusOr<std::vector<RunPlan>> plans = PlanSweep(*sweep);
  ASSERT_TRUE(plans.ok()) << plans.status();
  EXPECT_EQ(plans->size(), 12u);
}

TEST(SweepFile, GridsShareBaseAndSeedsAndBaseSuppliesTheMissingAxis) {
  absl::StatusOr<SweepFile> sweep = ParseSweepFile(R"(base: {rounds: 100, learner: hedge, seed: 1}
grids:
  - {games: [prisoners_dilemma, {name: braess, params: {players: 4}}]}
  - games: [{game: {name: online_bumps, params: {dimension: 2}}, feedback: bandit}]
    learners: [kernel-da, {algorithm: hda, label: HDA}]
)",
                                                   "g.yaml");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  std::vector<std::string> ids;
  for (const SweepCell& c : sweep->cells) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"prisoners_dilemma__hedge__seed-1",
                                           "braess-players=4__hedge__seed-1",
                                           "online_bumps-dimension=2__kernel-da__seed-1",
                                           "online_bumps-dimension=2__HDA__seed-1"}));
  EXPECT_EQ(sweep->name, "sweep");
  EXPECT_EQ(sweep->cells[3].run.spec.feedback().model(), v1::FEEDBACK_MODEL_BANDIT);
  EXPECT_EQ(sweep->cells[1].run.spec.game().params().at("players"), "4");
  absl::StatusOr<std::vector<RunPlan>> plans = PlanSweep(*sweep);
  ASSERT_TRUE(plans.ok()) << plans.status();
}

TEST(SweepFile, AListOfHorizonsIsAnAxisWhoseCellsShareTheGameLabel) {
  absl::StatusOr<SweepFile> sweep = ParseSweepFile(R"(base: {rounds: 100, seed: 1, feedback: bandit}
seeds: 2
games:
  - {game: {name: online_drift, params: {nu: 0.5}}, rounds: [400, 800, 1600], label: drift}
  - {game: online_bumps, label: bumps}
learners: [hda]
)",
                                                   "h.yaml");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  std::vector<std::string> ids;
  std::vector<int64_t> rounds;
  for (const SweepCell& c : sweep->cells) {
    ids.push_back(c.id);
    rounds.push_back(c.run.spec.rounds());
  }
  EXPECT_EQ(ids,
            (std::vector<std::string>{"drift__hda__T-400__seed-1", "drift__hda__T-400__seed-2",
                                      "drift__hda__T-800__seed-1", "drift__hda__T-800__seed-2",
                                      "drift__hda__T-1600__seed-1", "drift__hda__T-1600__seed-2",
                                      "bumps__hda__seed-1", "bumps__hda__seed-2"}));
  // The list replaces base's rounds (one `rounds` key per cell); other entries keep base's.
  EXPECT_EQ(rounds, (std::vector<int64_t>{400, 400, 800, 800, 1600, 1600, 100, 100}));
  EXPECT_EQ(sweep->cells[4].game_label, "drift");
  EXPECT_EQ(sweep->cells[4].run.spec.name(), "sweep/drift/hda");
  absl::StatusOr<std::vector<RunPlan>> plans = PlanSweep(*sweep);
  ASSERT_TRUE(plans.ok()) << plans.status();
  EXPECT_EQ((*plans)[5].match.rounds, 1600);
}

TEST(SweepFile, BadFilesNameTheFileLineColumnAndField) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"base: {rounds: 100}\ngames: [prisoners_dilemma]\nlearners:\n"
       "  - {algorithm: hedge, params: {gamma0: [0.1, abc]}}",
       "bad.yaml:4:47: learner.params.gamma0: expected a number, got 'abc'"},
      {"base: {rounds: 100}\ngames: [prisoners_dilemma, nope_game]\nlearners: [hedge]",
       "bad.yaml:2:28: game.name: unknown game 'nope_game'; known games: prisoners_dilemma, "
       "coordination, battle_of_the_sexes, stag_hunt, matching_pennies, rock_paper_scissors, "
       "shapley, random_generic, random_potential, pigou, braess, parallel_links, network, "
       "cournot, online_bumps, online_drift"},
      {"base: {rounds: 100}\ngames: [prisoners_dilemma]\nlearners: [hedgy]",
       "bad.yaml:3:12: learner.algorithm: unknown algorithm 'hedgy' (known for finite games: "
       "hedge, hedge-lr, bandit-hedge)"},
      {"base: {rounds: 100, seeds: 3}\ngames: [prisoners_dilemma]",
       "bad.yaml:1:21: base.seeds: give the sweep's top-level `seeds` (each seed is a cell of "
       "its own)"},
      {"base: {rounds: 100}\ncolors: 3",
       "bad.yaml:2:1: colors: unknown key (known: name, base, seeds, games, learners, grids)"},
      {"base: {rounds: 100}\nseeds: 0\ngames: [prisoners_dilemma]",
       "bad.yaml:2:8: seeds: must be in [1, 1000000]"},
      {"base: {rounds: 100}\ngames: [prisoners_dilemma, prisoners_dilemma]\nlearners: [hedge]",
       "bad.yaml:2:28: games[1]: cell 'prisoners_dilemma__hedge__seed-0' (games[1] × "
       "learners[0]) repeats the cell of games[0] × learners[0]: give the game or learner a "
       "distinct `label:`"},
      {"base: {rounds: 100}\ngames: [prisoners_dilemma]\n"
       "learners: [{algorithm: hedge, params: {gama0: 0.1}}]",
       "bad.yaml:3:40: learner.params.gama0: unknown parameter of hedge (its parameters: "
       "gamma0, beta)"},
      {"games: [prisoners_dilemma]\nlearners: [hedge]",
       "bad.yaml:1:9: games[0]: no horizon: give base's (or the game's) `rounds`"},
      {"base: {rounds: 100}\ngames: [{game: prisoners_dilemma, feedback: {model: nosy}}]\n"
       "learners: [hedge]",
       "bad.yaml:2:53: feedback.model: unknown model 'nosy' (known: full, noisy, "
       "counterfactual, bandit)"},
      {"base: {rounds: 100}\ngames: [prisoners_dilemma]\n"
       "learners: [{algorithm: hedge, params: {gamma0: []}}]",
       "bad.yaml:3:48: learners[0].params.gamma0: an empty list of values"},
      {"base: {rounds: 100}\ngames: [prisoners_dilemma]\nlearners: []",
       "bad.yaml:3:11: learners: expected a non-empty list of learners"},
      {"base: {rounds: 100}\ngames: [{game: prisoners_dilemma, seed: 3}]",
       "bad.yaml:2:35: games[0].seed: a game entry may override base's feedback, rounds, "
       "record_every and service, not this"},
      {"base: {rounds: 100, players: [hedge]}",
       "bad.yaml:1:21: base.players: per-player learners are not part of a sweep (each learner "
       "plays every seat)"},
      {"base: {rounds: 100}\ngames: [a]\ngrids: []",
       "bad.yaml:2:1: give either `grids` or top-level `games`/`learners`, not both"},
      {"base: [1, 2]", "bad.yaml:1:7: base: expected a run file's mapping"},
      {"games: [{game: prisoners_dilemma, rounds: []}]",
       "bad.yaml:1:43: games[0].rounds: an empty list of horizons"},
      {"games: [{game: prisoners_dilemma, rounds: [10, [20]]}]",
       "bad.yaml:1:48: games[0].rounds[1]: expected a horizon (an integer)"},
      {"games: [{game: prisoners_dilemma, rounds: [10, 20, 10]}]",
       "bad.yaml:1:52: games[0].rounds[2]: 10 is listed twice"},
      {"games: [{game: prisoners_dilemma, rounds: [10, x]}]",
       "bad.yaml:1:48: rounds: expected an integer, got 'x'"},
      {"", "bad.yaml: empty sweep file (expected a mapping: base, games, learners, seeds, ...)"},
      {"base: {rounds: 100\n", "bad.yaml:2:1: YAML syntax error: end of map flow not found"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<SweepFile> sweep = ParseSweepFile(c.text, "bad.yaml");
    absl::Status status = sweep.status();
    if (sweep.ok()) status = PlanSweep(*sweep).status();
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    EXPECT_EQ(status.message(), c.message);
  }
}

TEST(SweepFile, LabelsKeepOnlyPlainCharacters) {
  EXPECT_EQ(SweepLabel("a b/c:d=1.5-x_y"), "a_b_c_d=1.5-x_y");
  EXPECT_EQ(SweepLabel(""), "_");
}

}  // namespace
}  // namespace nashnet::server

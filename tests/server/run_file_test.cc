// Run files: strict YAML parsing into a RunSpec (errors with file:line:column and the key path)
// and the canonical writer that every run record's spec.yaml comes from.
#include "server/record/run_file.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"

namespace nashnet::server {
namespace {

using google::protobuf::util::MessageDifferencer;

TEST(RunFile, ParsesEveryField) {
  const char* text = R"(# a full run file
name: pd-noisy
game:
  name: braess
  params: {players: 100, seed: 7}
learner:
  algorithm: hedge
  params: {gamma0: 0.1, beta: 0.6}
players:
  - {algorithm: hedge-lr, params: {eta0: 2}}
  - {}
  - bandit-hedge
feedback: {model: noisy, noise: uniform, sigma: 0.5}
rounds: 1e5
seed: 18446744073709551615
seeds: 8
record_every: 10
)";
  absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(text, "run.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "pd-noisy");
  EXPECT_EQ(spec->game().name(), "braess");
  EXPECT_EQ(spec->game().params().at("players"), "100");
  EXPECT_EQ(spec->game().params().at("seed"), "7");
  EXPECT_EQ(spec->learner().algorithm(), "hedge");
  EXPECT_EQ(spec->learner().params().at("gamma0"), 0.1);
  EXPECT_EQ(spec->learner().params().at("beta"), 0.6);
  ASSERT_EQ(spec->players_size(), 3);
  EXPECT_EQ(spec->players(0).algorithm(), "hedge-lr");
  EXPECT_EQ(spec->players(0).params().at("eta0"), 2.0);
  EXPECT_EQ(spec->players(1).algorithm(), "");
  EXPECT_EQ(spec->players(2).algorithm(), "bandit-hedge");
  EXPECT_EQ(spec->feedback().model(), v1::FEEDBACK_MODEL_NOISY);
  EXPECT_EQ(spec->feedback().noise(), v1::NOISE_DISTRIBUTION_UNIFORM);
  EXPECT_EQ(spec->feedback().sigma(), 0.5);
  EXPECT_EQ(spec->rounds(), 100000);
  EXPECT_EQ(spec->seed(), 18446744073709551615ULL);
  EXPECT_EQ(spec->seeds(), 8);
  EXPECT_EQ(spec->record_every(), 10);
}

TEST(RunFile, AcceptsShorthandsForGameLearnerAndFeedback) {
  absl::StatusOr<v1::RunSpec> spec =
      ParseRunSpecYaml("game: prisoners_dilemma\nlearner: hedge-lr\nfeedback: bandit\nrounds: 5\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->game().name(), "prisoners_dilemma");
  EXPECT_TRUE(spec->game().params().empty());
  EXPECT_EQ(spec->learner().algorithm(), "hedge-lr");
  EXPECT_EQ(spec->feedback().model(), v1::FEEDBACK_MODEL_BANDIT);
  EXPECT_EQ(spec->rounds(), 5);
}

TEST(RunFile, RecordsWhereEveryKeyIs) {
  absl::StatusOr<RunFile> file =
      ParseRunFile("game: pd\nfeedback:\n  model: noisy\n  sigma: 0.5\n", "run.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->Where("feedback.sigma"), "run.yaml:4:3: ");
  // A later error naming a field (as PlanRun's do) gets the position prepended.
  const absl::Status annotated =
      file->Annotate(absl::InvalidArgumentError("feedback.sigma: must be > 0 for noisy"));
  EXPECT_EQ(annotated.message(), "run.yaml:4:3: feedback.sigma: must be > 0 for noisy");
  EXPECT_EQ(file->Where("game.params.n"), "run.yaml:1:1: ");  // nearest located ancestor
  file->ForgetLocations("feedback");                          // e.g. overridden by --feedback
  EXPECT_EQ(file->Where("feedback.sigma"), "");
  EXPECT_EQ(file->Where("game"), "run.yaml:1:1: ");
}

struct BadCase {
  const char* text;
  const char* message;  // the whole error message, position first
};

TEST(RunFile, RejectsBadInputNamingFileLineColumnAndKey) {
  const BadCase cases[] = {
      {"game: pd\nrounds: 10\nfeedback:\n  model: nosy\n",
       "run.yaml:4:10: feedback.model: unknown model 'nosy' (known: full, noisy, counterfactual, "
       "bandit)"},
      {"game: pd\nroundz: 10\n",
       "run.yaml:2:1: roundz: unknown key (known: name, game, learner, players, feedback, rounds, "
       "seed, seeds, record_every)"},
      {"game: {name: pd, parms: {}}\n",
       "run.yaml:1:18: game.parms: unknown key (known: name, params)"},
      {"game: pd\nrounds: [1, 2]\n", "run.yaml:2:9: rounds: expected an integer, got a list"},
      {"game: pd\nrounds: 100x\n", "run.yaml:2:9: rounds: expected an integer, got '100x'"},
      {"game: pd\nrounds: 0\n", "run.yaml:2:9: rounds: must be at least 1"},
      {"game: pd\nrounds: 1.5\n", "run.yaml:2:9: rounds: expected an integer, got '1.5'"},
      {"game: pd\nseed: -1\n", "run.yaml:2:7: seed: expected a non-negative integer, got '-1'"},
      {"game: pd\nlearner:\n  algorithm: hedge\n  params:\n    beta: 0.6abc\n",
       "run.yaml:5:11: learner.params.beta: expected a number, got '0.6abc'"},
      {"game: pd\nlearner: {params: {beta: .nan}}\n",
       "run.yaml:2:26: learner.params.beta: expected a number, got '.nan'"},
      {"game: pd\nfeedback: {model: noisy, sigma: -1}\n",
       "run.yaml:2:33: feedback.sigma: must be >= 0 (a standard deviation)"},
      {"game: pd\nfeedback: {noise: pink}\n",
       "run.yaml:2:19: feedback.noise: unknown noise distribution 'pink' (known: gaussian, "
       "uniform)"},
      {"game: pd\nrounds: 5\nrounds: 6\n", "run.yaml:3:1: rounds: duplicate key"},
      {"game: {params: {n: 3}}\n", "run.yaml:1:7: game.name: missing"},
      {"game:\n", "run.yaml:1:1: game: expected a string, got nothing"},
      {"players: {algorithm: hedge}\n",
       "run.yaml:1:10: players: expected a list of learners, one per player"},
      {"players:\n  - {algorithm: hedge, eta: 1}\n",
       "run.yaml:2:24: players[0].eta: unknown key (known: algorithm, params)"},
      {"- game\n- pd\n", "run.yaml:1:1: expected a mapping of keys (game: ..., ...)"},
      {"", "run.yaml: empty run file (expected a mapping of keys: game, rounds, ...)"},
      {"game: pd\n---\ngame: rps\n",
       "run.yaml: 2 YAML documents (---); a run file holds exactly one"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(c.text, "run.yaml");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(spec.status().message()), c.message);
  }
}

TEST(RunFile, ReportsYamlSyntaxErrorsWithPosition) {
  absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml("game: pd\nrounds: [1, 2\n", "run.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(spec.status().message(), "run.yaml:"));
  EXPECT_NE(spec.status().message().find("YAML syntax error"), absl::string_view::npos);
}

v1::RunSpec FullSpec() {
  v1::RunSpec spec;
  spec.set_name("quotes \" and \\ and\nnewline, ünïcödé: {not: a map}");
  spec.mutable_game()->set_name("games/my game.nfg");
  (*spec.mutable_game()->mutable_params())["players"] = "1000";
  (*spec.mutable_game()->mutable_params())["latency"] = "x^2 + 1";
  (*spec.mutable_game()->mutable_params())["empty"] = "";
  spec.mutable_learner()->set_algorithm("hedge");
  (*spec.mutable_learner()->mutable_params())["gamma0"] = 0.1;
  (*spec.mutable_learner()->mutable_params())["beta"] = 1.0 / 3.0;
  (*spec.mutable_learner()->mutable_params())["tiny"] = 1e-300;
  (*spec.mutable_learner()->mutable_params())["negative"] = -2.5e17;
  spec.add_players();
  v1::LearnerSpec* second = spec.add_players();
  second->set_algorithm("bandit-hedge");
  (*second->mutable_params())["epsilon0"] = 0.05;
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_COUNTERFACTUAL);
  spec.mutable_feedback()->set_noise(v1::NOISE_DISTRIBUTION_UNIFORM);
  spec.mutable_feedback()->set_sigma(0.7);
  spec.set_rounds(123456789012);
  spec.set_seed(18446744073709551615ULL);
  spec.set_seeds(50);
  spec.set_record_every(7);
  return spec;
}

TEST(RunFileWriter, ParsesBackToAnEqualSpec) {
  for (const v1::RunSpec& spec : {FullSpec(), v1::RunSpec()}) {
    const std::string text = WriteRunSpecYaml(spec);
    SCOPED_TRACE(text);
    absl::StatusOr<v1::RunSpec> parsed = ParseRunSpecYaml(text, "spec.yaml");
    if (spec.rounds() == 0) {
      // An empty spec has rounds 0, which no run file may say: the writer still writes it.
      ASSERT_FALSE(parsed.ok());
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(MessageDifferencer::Equals(*parsed, spec));
    EXPECT_EQ(WriteRunSpecYaml(*parsed), text);  // byte-stable
  }
}

TEST(RunFileWriter, WritesEveryFieldWithSortedKeys) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name("rock_paper_scissors");
  spec.mutable_learner()->set_algorithm("hedge-lr");
  (*spec.mutable_learner()->mutable_params())["eta0"] = 1.5;
  (*spec.mutable_learner()->mutable_params())["b"] = 1e-12;
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
  spec.set_rounds(1000);
  spec.set_seed(3);
  spec.set_seeds(1);
  spec.set_record_every(1);
  EXPECT_EQ(WriteRunSpecYaml(spec),
            "# nashnet run spec (canonical form; a run file for `nashnet simulate`)\n"
            "feedback:\n"
            "  model: full\n"
            "  noise: default\n"
            "  sigma: 0\n"
            "game:\n"
            "  name: \"rock_paper_scissors\"\n"
            "  params: {}\n"
            "learner:\n"
            "  algorithm: \"hedge-lr\"\n"
            "  params:\n"
            "    \"b\": 1e-12\n"
            "    \"eta0\": 1.5\n"
            "name: \"\"\n"
            "players: []\n"
            "record_every: 1\n"
            "rounds: 1000\n"
            "seed: 3\n"
            "seeds: 1\n");
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("nashnet_run_file_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(RunFile, ReadsFilesAndResolvesNfgPathsAgainstTheirFolder) {
  TempDir dir;
  const std::filesystem::path file = dir.path() / "run.yaml";
  std::ofstream(file) << "game: games/pd.nfg\nrounds: 10\n";
  absl::StatusOr<RunFile> run = ReadRunFile(file);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->base_dir, dir.path());
  EXPECT_EQ(run->source_name, file.string());
  ResolveGamePath(run->base_dir, &run->spec);
  EXPECT_EQ(run->spec.game().name(), (dir.path() / "games" / "pd.nfg").string());

  v1::RunSpec catalogue;
  catalogue.mutable_game()->set_name("braess");
  ResolveGamePath(dir.path(), &catalogue);
  EXPECT_EQ(catalogue.game().name(), "braess");

  absl::StatusOr<RunFile> missing = ReadRunFile(dir.path() / "nope.yaml");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nashnet::server

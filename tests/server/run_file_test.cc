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
       "seed, seeds, record_every, service)"},
      {"game: {name: pd, parms: {}}\n",
       "run.yaml:1:18: game.parms: unknown key (known: name, nfg, params)"},
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

// Found by fuzz/run_file.cc: yaml-cpp 0.7 reads an empty document at a ',' outside a flow
// collection again and again, allocating a node each time, so YAML::LoadAll never returned (a
// three-byte run file hung `nashnet simulate` until it ran out of memory).
TEST(RunFile, RejectsACommaOutsideAFlowCollectionInsteadOfHanging) {
  const BadCase cases[] = {
      {"{},",
       "run.yaml:1:3: YAML syntax error: unexpected ',' outside a flow collection ([...] or "
       "{...})"},
      {",",
       "run.yaml:1:1: YAML syntax error: unexpected ',' outside a flow collection ([...] or "
       "{...})"},
      {"\"pd\" ,",
       "run.yaml:1:6: YAML syntax error: unexpected ',' outside a flow collection "
       "([...] or {...})"},
      {"game: pd\n---\n[],\n",
       "run.yaml:3:3: YAML syntax error: unexpected ',' outside a flow "
       "collection ([...] or {...})"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(c.text, "run.yaml");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(spec.status().message()), c.message);
  }
  // A comma where YAML allows one still reads.
  absl::StatusOr<v1::RunSpec> spec =
      ParseRunSpecYaml("name: a, b\ngame: {name: pd, params: {}}\nrounds: 3\n", "run.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "a, b");
  EXPECT_EQ(spec->rounds(), 3);
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

v1::RunSpec FullSpecWithService() {
  v1::RunSpec spec = FullSpec();
  v1::ServiceSpec* service = spec.mutable_service();
  service->set_round_deadline_ms(9223372036854775807LL);
  service->set_straggler(v1::STRAGGLER_POLICY_DEFAULT_ACTION);
  service->set_default_action(2);
  service->set_evict_after(5);
  service->set_join_token("tok \"en\"\n");
  service->add_local_seats(3);
  service->add_local_seats(0);  // order kept: the spec says which seats, the writer keeps it
  return spec;
}

TEST(RunFileWriter, ParsesBackToAnEqualSpec) {
  v1::RunSpec only_token = FullSpec();
  only_token.mutable_service()->set_join_token("t");
  for (const v1::RunSpec& spec : {FullSpec(), FullSpecWithService(), only_token, v1::RunSpec()}) {
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

TEST(RunFile, ParsesTheServiceBlock) {
  absl::StatusOr<RunFile> file = ParseRunFile(R"(game: pd
rounds: 10
service:
  round_deadline_ms: 2500
  straggler: repeat_last
  default_action: 1
  evict_after: 4
  join_token: s3cret
  local_seats: [0, 2]
)",
                                              "run.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  const v1::ServiceSpec& service = file->spec.service();
  EXPECT_EQ(service.round_deadline_ms(), 2500);
  EXPECT_EQ(service.straggler(), v1::STRAGGLER_POLICY_REPEAT_LAST);
  EXPECT_EQ(service.default_action(), 1);
  EXPECT_EQ(service.evict_after(), 4);
  EXPECT_EQ(service.join_token(), "s3cret");
  ASSERT_EQ(service.local_seats_size(), 2);
  EXPECT_EQ(service.local_seats(0), 0);
  EXPECT_EQ(service.local_seats(1), 2);
  EXPECT_EQ(file->Where("service.local_seats[1]"), "run.yaml:9:20: ");

  for (const char* name : {"wait", "default_action", "default"}) {
    SCOPED_TRACE(name);
    absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(
        absl::StrCat("game: pd\nrounds: 1\nservice: {straggler: ", name, ", evict_after: 1}\n"));
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_EQ(StragglerPolicyName(spec->service().straggler()), name);
  }
}

TEST(RunFile, AnAllDefaultServiceBlockIsNoBlock) {
  // So that the writer (which leaves default blocks out) round-trips whatever the parser returns.
  for (const char* text : {"game: pd\nservice:\n", "game: pd\nservice: {}\n",
                           "game: pd\nservice: {local_seats: [], straggler: default}\n"}) {
    SCOPED_TRACE(text);
    absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(text);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_FALSE(spec->has_service());
  }
}

TEST(RunFile, RejectsBadServiceBlocksNamingFileLineColumnAndKey) {
  const BadCase cases[] = {
      {"game: pd\nservice: {deadline: 5}\n",
       "run.yaml:2:11: service.deadline: unknown key (known: round_deadline_ms, straggler, "
       "default_action, evict_after, join_token, local_seats)"},
      {"game: pd\nservice: fast\n",
       "run.yaml:2:10: service: expected a mapping (round_deadline_ms, straggler, default_action, "
       "evict_after, join_token, local_seats)"},
      {"game: pd\nservice: {round_deadline_ms: -1}\n",
       "run.yaml:2:30: service.round_deadline_ms: must be at least 0"},
      {"game: pd\nservice: {round_deadline_ms: 1.5}\n",
       "run.yaml:2:30: service.round_deadline_ms: expected an integer, got '1.5'"},
      {"game: pd\nservice: {evict_after: -3}\n",
       "run.yaml:2:24: service.evict_after: must be at least 0"},
      {"game: pd\nservice: {evict_after: 2147483648}\n",
       "run.yaml:2:24: service.evict_after: must be at most 2147483647"},
      {"game: pd\nservice: {default_action: -1}\n",
       "run.yaml:2:27: service.default_action: must be at least 0"},
      {"game: pd\nservice: {straggler: skip}\n",
       "run.yaml:2:22: service.straggler: unknown straggler policy 'skip' (known: wait, "
       "repeat_last, default_action)"},
      {"game: pd\nservice: {straggler: [wait]}\n",
       "run.yaml:2:22: service.straggler: expected a straggler policy, got a list"},
      {"game: pd\nservice: {join_token: {a: b}}\n",
       "run.yaml:2:23: service.join_token: expected a string, got a mapping"},
      {"game: pd\nservice: {local_seats: 0}\n",
       "run.yaml:2:24: service.local_seats: expected a list of seat indices, e.g. [0, 2]"},
      {"game: pd\nservice:\n  local_seats: [0, 2, 0]\n",
       "run.yaml:3:23: service.local_seats[2]: seat 0 listed twice"},
      {"game: pd\nservice:\n  local_seats: [1, -1]\n",
       "run.yaml:3:20: service.local_seats[1]: must be at least 0"},
      {"game: pd\nservice:\n  local_seats: [a]\n",
       "run.yaml:3:17: service.local_seats[0]: expected an integer, got 'a'"},
      {"game: pd\nservice:\n  evict_after: 1\n  evict_after: 2\n",
       "run.yaml:4:3: service.evict_after: duplicate key"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(c.text, "run.yaml");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(spec.status().message()), c.message);
  }
}

TEST(RunFileWriter, WritesTheServiceBlockOnlyWhenItIsNotTheDefault) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name("braess");
  spec.set_rounds(10);
  const std::string without = WriteRunSpecYaml(spec);
  EXPECT_EQ(without.find("service"), std::string::npos);
  spec.mutable_service();  // present but all default: still nothing to say
  EXPECT_EQ(WriteRunSpecYaml(spec), without);
  spec.mutable_service()->add_local_seats(1);
  spec.mutable_service()->add_local_seats(0);
  spec.mutable_service()->set_straggler(v1::STRAGGLER_POLICY_REPEAT_LAST);
  EXPECT_EQ(WriteRunSpecYaml(spec), without +
                                        "service:\n"
                                        "  default_action: 0\n"
                                        "  evict_after: 0\n"
                                        "  join_token: \"\"\n"
                                        "  local_seats: [1, 0]\n"
                                        "  round_deadline_ms: 0\n"
                                        "  straggler: repeat_last\n");
}

// Found by fuzz/spec_check.cc: a CreateGame spec whose service block held only fields unknown to
// this version (a newer client's) was written with an all-default `service:` block, which reads
// back as no block, so spec.yaml changed on a second write.
TEST(RunFileWriter, IgnoresUnknownFieldsWhenDecidingOnTheServiceBlock) {
  v1::RunSpec spec;
  spec.mutable_game()->set_name("braess");
  spec.set_rounds(10);
  const std::string without = WriteRunSpecYaml(spec);
  spec.mutable_service()
      ->GetReflection()
      ->MutableUnknownFields(spec.mutable_service())
      ->AddVarint(99, 1);
  ASSERT_NE(spec.service().ByteSizeLong(), 0u);
  EXPECT_EQ(WriteRunSpecYaml(spec), without);
}

// Found by fuzz/run_file.cc: YAML allows an implicit key of at most 1024 characters, so a
// parameter name longer than that (or one whose escapes make it so) was written as a key no
// parser reads back. The writer uses the explicit form (`? "key"` / `: value`) for those.
TEST(RunFileWriter, WritesLongParameterNamesAsExplicitKeys) {
  const std::string long_name = std::string(600, 'k') + std::string(200, '\x1c');  // 1400 quoted
  v1::RunSpec spec;
  spec.mutable_game()->set_name("braess");
  (*spec.mutable_game()->mutable_params())[long_name] = "1";
  (*spec.mutable_game()->mutable_params())["players"] = "4";
  spec.mutable_learner()->set_algorithm("hedge");
  (*spec.mutable_learner()->mutable_params())[long_name] = 0.5;
  spec.add_players()->set_algorithm("hedge-lr");
  (*spec.mutable_players(0)->mutable_params())[long_name] = 2.0;
  spec.set_rounds(10);
  const std::string text = WriteRunSpecYaml(spec);
  EXPECT_NE(text.find("    ? \"kkk"), std::string::npos) << text;
  EXPECT_NE(text.find("\"\n    : \"1\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"\n      : 2\n"), std::string::npos) << text;           // players[0].params
  EXPECT_NE(text.find("    \"players\": \"4\"\n"), std::string::npos) << text;  // short: implicit
  absl::StatusOr<v1::RunSpec> parsed = ParseRunSpecYaml(text, "spec.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(MessageDifferencer::Equivalent(*parsed, spec));  // feedback: written, so set
  EXPECT_EQ(WriteRunSpecYaml(*parsed), text);
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

TEST(RunFile, ReadsFilesAndTheGameFileTheyNameRelativeToTheirFolder) {
  TempDir dir;
  const std::string nfg = "NFG 1 R \"PD\" { \"1\" \"2\" } { 2 2 }\n9 9 10 0 0 10 1 1\n";
  std::filesystem::create_directories(dir.path() / "games");
  std::ofstream(dir.path() / "games" / "pd.nfg") << nfg;
  const std::filesystem::path file = dir.path() / "run.yaml";
  for (const char* game : {"game: games/pd.nfg\n", "game: {name: ./games/../games/pd.nfg}\n"}) {
    SCOPED_TRACE(game);
    std::ofstream(file) << game << "rounds: 10\n";
    absl::StatusOr<RunFile> run = ReadRunFile(file);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->base_dir, dir.path());
    EXPECT_EQ(run->source_name, file.string());
    // The file travels with the spec: its text, and its base name as the label.
    EXPECT_EQ(run->spec.game().name(), "pd.nfg");
    EXPECT_EQ(run->spec.game().nfg(), nfg);
  }

  // A missing game file: NotFound, pointing at `game` in the run file and naming the path.
  std::ofstream(file) << "rounds: 10\ngame: games/nope.nfg\n";
  absl::StatusOr<RunFile> missing_game = ReadRunFile(file);
  EXPECT_EQ(missing_game.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(
      missing_game.status().message(),
      absl::StrCat(file.string(), ":2:1: game.name: ", (dir.path() / "games" / "nope.nfg").string(),
                   ": cannot open the .nfg file")))
      << missing_game.status();
  std::ofstream(file) << "rounds: 10\ngame: games\n";  // a catalogue name: no file is read
  EXPECT_EQ(ReadRunFile(file)->spec.game().nfg(), "");
  std::filesystem::create_directories(dir.path() / "x");
  std::ofstream(file) << "rounds: 10\ngame: {name: x/}\n";
  absl::StatusOr<RunFile> folder = ReadRunFile(file);
  EXPECT_EQ(std::string(folder.status().message()),
            absl::StrCat(file.string(), ":2:8: game.name: ", (dir.path() / "x/").string(),
                         ": is a folder, not a .nfg file"));

  absl::StatusOr<RunFile> missing = ReadRunFile(dir.path() / "nope.yaml");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nashnet::server

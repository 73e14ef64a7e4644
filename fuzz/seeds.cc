// fuzz_seeds: writes the generated part of the seed corpus (serialized protocol messages).
//
//   build/fuzz/fuzz/bin/fuzz_seeds fuzz/corpus
//
// reads fuzz/corpus/run_file/*.yaml and writes
//   fuzz/corpus/spec_check/<file>.pb   each run file's RunSpec, serialized (plus a few specs made
//                                      here: the harness's .nfg games, service blocks);
//   fuzz/corpus/wire/<name>.bin        protocol messages made with the wire encoders, prefixed by
//                                      the selector byte fuzz/wire.cc reads (kind | (d + 1) << 2).
// The output is deterministic: rerunning it rewrites the same bytes.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agents/wire/wire.h"
#include "server/record/run_file.h"

namespace nashnet::fuzz {
namespace {

namespace fs = std::filesystem;

bool Write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) std::fprintf(stderr, "cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

// The message's bytes, map entries in key order (protobuf otherwise orders them by hash, which
// differs from run to run).
std::string Serialize(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

// fuzz/wire.cc's input: the selector byte, then the message.
bool WriteWire(const fs::path& dir, const std::string& name, int kind, int dimension,
               const google::protobuf::Message& message) {
  std::string bytes(1, static_cast<char>(kind | ((dimension + 1) << 2)));
  bytes += Serialize(message);
  return Write(dir / (name + ".bin"), bytes);
}

bool WriteSpecSeeds(const fs::path& corpus) {
  bool ok = true;
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(corpus / "run_file")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  for (const fs::path& file : files) {
    absl::StatusOr<server::RunFile> run = server::ReadRunFile(file);
    if (!run.ok()) {  // a seed of what the parser rejects
      std::fprintf(stderr, "no spec from %s\n", file.c_str());
      continue;
    }
    // The harness resolves .nfg games against its scratch folder of small games.
    if (server::IsNfgPath(run->spec.game().name())) {
      run->spec.mutable_game()->set_name(fs::path(run->spec.game().name()).filename().string());
    }
    ok &= Write(corpus / "spec_check" / (file.stem().string() + ".pb"), Serialize(run->spec));
  }
  v1::RunSpec spec;
  spec.mutable_game()->set_name("three.nfg");
  spec.set_rounds(100);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  spec.mutable_service()->add_local_seats(1);
  spec.mutable_service()->set_straggler(v1::STRAGGLER_POLICY_DEFAULT_ACTION);
  spec.mutable_service()->set_default_action(1);
  ok &= Write(corpus / "spec_check" / "nfg_three.pb", Serialize(spec));
  spec.Clear();
  spec.mutable_game()->set_name("outcome.nfg");
  spec.set_rounds(5);
  spec.set_seeds(1);
  spec.set_seed(42);
  spec.mutable_learner()->set_algorithm("hedge-lr");
  (*spec.mutable_learner()->mutable_params())["eta0"] = 0.25;
  spec.mutable_service()->set_join_token("token");
  spec.mutable_service()->set_round_deadline_ms(500);
  spec.mutable_service()->set_evict_after(2);
  ok &= Write(corpus / "spec_check" / "nfg_outcome.pb", Serialize(spec));
  spec.Clear();
  spec.mutable_game()->set_name("cournot");
  (*spec.mutable_game()->mutable_params())["players"] = "3";
  spec.set_rounds(10);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
  for (int seat : {0, 1, 2}) spec.mutable_service()->add_local_seats(seat);
  ok &= Write(corpus / "spec_check" / "cournot_all_local.pb", Serialize(spec));
  // Findings (tests/server/run_file_test.cc): a service block holding only an unknown field.
  spec.Clear();
  spec.mutable_game()->set_name("matching_pennies");
  spec.set_rounds(3);
  spec.mutable_service()
      ->GetReflection()
      ->MutableUnknownFields(spec.mutable_service())
      ->AddVarint(99, 1);
  ok &= Write(corpus / "spec_check" / "finding_unknown_service_field.pb", Serialize(spec));
  // A continuous game with a negative default action (tests/service/coordinator_game_test.cc).
  spec.Clear();
  spec.mutable_game()->set_name("cournot");
  spec.set_rounds(10);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  spec.mutable_service()->set_default_action(-1);
  ok &= Write(corpus / "spec_check" / "finding_negative_default_action.pb", Serialize(spec));
  return ok;
}

bool WriteWireSeeds(const fs::path& dir) {
  bool ok = true;
  // Finite game, 3 actions.
  agents::MixedStrategy finite;
  finite.probabilities = Eigen::Vector3d(0.25, 0.5, 0.25);
  agents::Action index;
  index.index = 1;
  index.probability = 0.5;
  v1::AgentMessage agent;
  agents::ActionToProto(7, index, &finite, agent.mutable_action());
  ok &= WriteWire(dir, "action_index", 0, 0, agent);
  agents::ActionToProto(8, index, nullptr, agent.mutable_action());
  ok &= WriteWire(dir, "action_index_bare", 0, 0, agent);
  ok &= WriteWire(dir, "strategy_finite", 2, 0, agent.action().strategy());

  // Continuous game in d = 2, a strategy over 2 cells.
  agents::MixedStrategy cells;
  cells.probabilities = Eigen::Vector2d(0.75, 0.25);
  cells.cell_lower.resize(2, 2);
  cells.cell_lower << 0.0, 0.5, 0.0, 0.0;
  cells.cell_upper.resize(2, 2);
  cells.cell_upper << 0.5, 1.0, 1.0, 1.0;
  agents::Action point;
  point.point = Eigen::Vector2d(0.125, 0.875);
  point.probability = 1.5;
  agents::ActionToProto(3, point, &cells, agent.mutable_action());
  ok &= WriteWire(dir, "action_point", 0, 2, agent);
  v1::MixedStrategy strategy;
  agents::MixedStrategyToProto(cells, &strategy);
  ok &= WriteWire(dir, "strategy_cells", 2, 2, strategy);

  v1::AgentMessage join;
  join.mutable_join()->set_game_id("g1");
  join.mutable_join()->set_seat(1);
  join.mutable_join()->set_agent_name("seed");
  join.mutable_join()->set_join_token("s3cret");
  ok &= WriteWire(dir, "join", 0, 0, join);

  // The agent's side: Joined views, Feedback, History.
  agents::PlayerView view;
  view.player = 1;
  view.num_players = 3;
  view.num_actions = 3;
  view.payoff_range = {.min = -1.0, .max = 2.0};
  view.feedback = agents::FeedbackModel::kNoisy;
  view.horizon = 1000;
  view.seed = 99;
  v1::CoordinatorMessage joined;
  joined.mutable_joined()->set_game_id("g1");
  joined.mutable_joined()->set_seat(1);
  agents::PlayerViewToProto(view, joined.mutable_joined()->mutable_view());
  ok &= WriteWire(dir, "joined_finite", 1, 0, joined);
  ok &= WriteWire(dir, "view_finite", 3, 0, joined.joined().view());
  view.num_actions = 0;
  view.box.lower = Eigen::Vector2d(0.0, -1.0);
  view.box.upper = Eigen::Vector2d(1.0, 1.0);
  view.feedback = agents::FeedbackModel::kBandit;
  agents::PlayerViewToProto(view, joined.mutable_joined()->mutable_view());
  ok &= WriteWire(dir, "joined_continuous", 1, 2, joined);
  ok &= WriteWire(dir, "view_continuous", 3, 2, joined.joined().view());

  agents::Feedback feedback;
  feedback.round = 7;
  feedback.payoff = 0.5;
  feedback.payoff_vector = Eigen::Vector3d(0.5, -1.0, 2.0);
  v1::CoordinatorMessage message;
  agents::FeedbackToProto(feedback, index, false, message.mutable_feedback());
  ok &= WriteWire(dir, "feedback_vector", 1, 0, message);
  feedback.payoff_vector.resize(0);
  agents::FeedbackToProto(feedback, point, true, message.mutable_feedback());
  ok &= WriteWire(dir, "feedback_point", 1, 2, message);

  v1::CoordinatorMessage history;
  for (int t = 1; t <= 2; ++t) {
    v1::HistoryRound* round = history.mutable_history()->add_rounds();
    round->set_round(t);
    agents::ActionToProto(t, index, &finite, round->mutable_action());
    feedback.round = t;
    feedback.payoff_vector = Eigen::Vector3d(1.0, 0.0, -1.0);
    agents::FeedbackToProto(feedback, index, t == 2, round->mutable_feedback());
  }
  history.mutable_history()->set_last(true);
  ok &= WriteWire(dir, "history", 1, 0, history);
  return ok;
}

}  // namespace
}  // namespace nashnet::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <repo>/fuzz/corpus\n", argv[0]);
    return 2;
  }
  const std::filesystem::path corpus = argv[1];
  bool ok = nashnet::fuzz::WriteSpecSeeds(corpus);
  ok &= nashnet::fuzz::WriteWireSeeds(corpus / "wire");
  return ok ? 0 : 1;
}

// lockstep_client: the baseline agent process of the service benchmarks — it plays like
// nashnet-agent (sync ClientReaderWriter, one stream, one thread: Join, then per round an Action
// with the played index, the strategy vector of |A_i| probabilities and the probability, then read
// the Feedback) but has no learner: the strategy is uniform and the index cycles.
//
//   lockstep_client --target 127.0.0.1:PORT --game g1 --seat 0
//   # at GameOver prints one JSON line: {"game": "g1", "seat": 0, "rounds": R, "seconds": S, ...}
//
// Works against nashnet-coordinator as well as lockstep_server (same protocol).
// Exit 0 at GameOver, 1 on a failed stream, 2 for bad flags.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "grpcpp/grpcpp.h"
#include "nashnet/v1/coordinator.grpc.pb.h"

namespace {

using nashnet::v1::AgentMessage;
using nashnet::v1::CoordinatorMessage;

int Run(const std::string& target, const std::string& game_id, int seat) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  auto stub = nashnet::v1::Coordinator::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Play(&context);

  AgentMessage out;
  nashnet::v1::Join* join = out.mutable_join();
  join->set_game_id(game_id);
  if (seat >= 0) join->set_seat(seat);
  join->set_agent_name("lockstep_client");
  join->set_algorithm("none");
  if (!stream->Write(out)) return 1;

  CoordinatorMessage in;
  int num_actions = 0;
  int64_t horizon = 0;
  int64_t next_round = 0;
  int64_t rounds = 0;
  int errors = 0;
  bool over = false;
  auto start = std::chrono::steady_clock::now();
  while (!over && stream->Read(&in)) {
    switch (in.kind_case()) {
      case CoordinatorMessage::kJoined:
        num_actions = in.joined().view().num_actions();
        horizon = in.joined().view().horizon();
        if (in.joined().started()) next_round = in.joined().next_round();
        break;
      case CoordinatorMessage::kStart:
        next_round = in.start().round();
        start = std::chrono::steady_clock::now();
        break;
      case CoordinatorMessage::kFeedback:
        ++rounds;
        next_round = in.feedback().round() + 1;
        break;
      case CoordinatorMessage::kGameOver:
        over = true;
        next_round = 0;
        break;
      case CoordinatorMessage::kError:
        ++errors;
        std::cerr << "lockstep_client: round " << in.error().round() << ": " << in.error().message()
                  << "\n";
        break;
      default:
        break;
    }
    if (horizon > 0 && next_round > horizon) next_round = 0;  // GameOver follows
    if (next_round > 0 && num_actions > 0) {
      // The Action of round `next_round`, as nashnet-agent sends it (reused message).
      nashnet::v1::Action* action = out.mutable_action();
      action->set_round(next_round);
      action->set_index(static_cast<int>(next_round % num_actions));
      auto* probabilities = action->mutable_strategy()->mutable_probabilities();
      probabilities->Resize(num_actions, 0.0);
      for (int k = 0; k < num_actions; ++k) probabilities->Set(k, 1.0 / num_actions);
      action->set_probability(1.0 / num_actions);
      stream->Write(out);  // on failure read on: Finish() with unread messages blocks for ever
      next_round = 0;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stream->WritesDone();
  const grpc::Status status = stream->Finish();
  if (!over || !status.ok()) {
    std::cerr << "lockstep_client: game " << game_id << " seat " << seat << ": stream ended ("
              << status.error_code() << ": " << status.error_message() << ") after " << rounds
              << " rounds\n";
    return 1;
  }
  std::printf(
      "{\"game\": \"%s\", \"seat\": %d, \"rounds\": %lld, \"seconds\": %.6f, "
      "\"rounds_per_second\": %.3f, \"errors\": %d}\n",
      game_id.c_str(), seat, static_cast<long long>(rounds), seconds,
      seconds > 0 ? rounds / seconds : 0.0, errors);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("lockstep_client: a learner-less agent for the service benchmarks",
               "lockstep_client");
  std::string target = "127.0.0.1:50051";
  std::string game_id;
  int seat = -1;
  app.add_option("--target,--coordinator", target, "Server address");
  app.add_option("--game", game_id, "Game id")->required();
  app.add_option("--seat", seat, "Seat (default: the first free one)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return Run(target, game_id, seat);
}

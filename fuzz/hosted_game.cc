// Fuzz target: Join/Action handling on a hosted game — HostedGame::Join, OnAction, StreamGone,
// StreamWritable and Stop driven by a fuzzed sequence of agent messages over fake streams
// (server/service/fake_seat_stream.h), with fake time (FakeClock) for deadlines and evictions, as
// the coordinator's PlayReactor drives them (its checks before Join: a game id, the request
// bounds of CheckJoinBounds, the game's id).
//
// Input, read front to back: byte 0 picks the game (bits 0-1: prisoners' dilemma,
// rock-paper-scissors, a 3-player Braess routing game, 2-player Cournot), the feedback (bits 2-3:
// full, bandit, noisy, full; Cournot always bandit), the straggler policy (bits 4-5), a join token
// (bit 6) and a local seat 0 (bit 7); byte 1 the horizon (1 + value % 12 rounds) and the round
// deadline (100 ms × (1 + high nibble)); byte 2 evict_after (value % 4). Then operations, one byte
// each (low 3 bits: what; the rest: which agent) and their arguments: a Join (made from a flags
// byte — game id, seat, token, a resume token of an earlier Joined, learner round, algorithm — or a
// serialized Join), an Action (well formed for the current round, or a serialized Action), a stream
// that ends, time that passes, a stream that stops or resumes reading, StopGame.
// fuzz/corpus/hosted_game/ holds whole games written this way (fuzz/corpus/make_hosted_game.py).
//
// For any bytes: nothing crashes, hangs, leaks or trips a sanitizer, and
//   - a refused Join is an error other than INTERNAL/UNKNOWN, with a message, and leaves its
//     stream untouched; on an accepted one, nothing but Errors (answers to Actions sent too early)
//     comes before Joined (which may come a round later, or never: a GameOver if the game ended
//     with the round the agent came in on);
//   - on every stream, Feedback rounds strictly increase and never pass the horizon, nothing
//     follows a GameOver, and at most one GameOver is sent;
//   - the game never plays past its horizon;
//   - the coordinator then crashes (the game object dropped, whatever the disk thread had is on
//     disk) and a new one recovers the game from its record folder: it succeeds and has played
//     exactly the rounds the first one had (the journal holds every resolved round once flushed).
#include "server/service/hosted_game.h"

#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"
#include "games/continuous_game.h"
#include "games/finite_game.h"
#include "server/fake_clock.h"
#include "server/service/fake_seat_stream.h"
#include "server/service/record_writer.h"
#include "server/service/request_bounds.h"
#include "server/service/seat_budget.h"
#include "server/simulation.h"

namespace nashnet::fuzz {
namespace {

using server::FakeSeatStream;
using server::HostedGame;

constexpr int kMaxOperations = 96;
const char* const kToken = "join-secret";

// What lives across inputs: the io_context's thread, the disk thread, fake time, a scratch folder.
struct Host {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  server::RecordWriter writer;
  server::FakeClock clock;
  std::filesystem::path root;
};
Host* host = nullptr;

void RemoveRoot() {
  std::error_code ignored;
  if (host != nullptr) std::filesystem::remove_all(host->root, ignored);
}

// Runs `f` on the game's strand and waits for it.
void OnStrand(HostedGame& game, const std::function<void()>& f) {
  std::promise<void> done;
  boost::asio::dispatch(game.strand(), [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

// Waits until the disk thread ran everything posted so far and the strand what it handed back.
void Settle(HostedGame* game, int passes = 3) {
  for (int k = 0; k < passes; ++k) {
    std::promise<void> done;
    host->writer.Post([&] { done.set_value(); });
    done.get_future().wait();
    if (game != nullptr) OnStrand(*game, [] {});
  }
}

// The input, read front to back (so that seeds are easy to write by hand); zeros once it is used
// up.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  [[nodiscard]] size_t remaining_bytes() const { return size_ - at_; }
  [[nodiscard]] uint8_t Byte() { return at_ < size_ ? data_[at_++] : 0; }
  // The next `n` bytes (fewer at the end).
  [[nodiscard]] std::string Bytes(size_t n) {
    n = std::min(n, remaining_bytes());
    std::string out(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

struct Agent {
  std::unique_ptr<FakeSeatStream> stream = std::make_unique<FakeSeatStream>();
  int seat = -1;      // after a successful Join
  bool gone = false;  // StreamGone told, or ended by the game
};

v1::RunSpec SpecFrom(Input& in) {
  const auto shape = in.Byte();
  const auto more = in.Byte();
  v1::RunSpec spec;
  switch (shape & 3) {
    case 0:
      spec.mutable_game()->set_name("prisoners_dilemma");
      break;
    case 1:
      spec.mutable_game()->set_name("rock_paper_scissors");
      break;
    case 2:
      spec.mutable_game()->set_name("braess");
      (*spec.mutable_game()->mutable_params())["players"] = "3";
      break;
    default:
      spec.mutable_game()->set_name("cournot");
      (*spec.mutable_game()->mutable_params())["players"] = "2";
      break;
  }
  switch ((shape >> 2) & 3) {
    case 1:
      spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
      break;
    case 2:
      spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_NOISY);
      spec.mutable_feedback()->set_sigma(0.1);
      break;
    default:
      break;
  }
  if (spec.game().name() == "cournot") {
    // A payoff function has no wire form: remote seats of a continuous game get bandit feedback.
    spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_BANDIT);
  }
  v1::ServiceSpec* service = spec.mutable_service();
  service->set_straggler(static_cast<v1::StragglerPolicy>((shape >> 4) & 3));
  if ((shape & 0x40) != 0) service->set_join_token(kToken);
  if ((shape & 0x80) != 0) service->add_local_seats(0);
  spec.set_rounds(1 + more % 12);
  service->set_round_deadline_ms(100 * (1 + (more >> 4)));
  service->set_evict_after(in.Byte() % 4);
  spec.set_seed(7);
  return spec;
}

// The resume token of some earlier Joined (or "").
std::string SomeResumeToken(const std::vector<Agent>& agents, uint8_t pick) {
  std::vector<std::string> tokens;
  for (const Agent& a : agents) {
    for (const v1::CoordinatorMessage& m : a.stream->messages) {
      if (m.has_joined()) tokens.push_back(m.joined().resume_token());
    }
  }
  return tokens.empty() ? "" : tokens[pick % tokens.size()];
}

// A Join as an agent would build it, from the input.
v1::Join MadeJoin(Input& in, const std::vector<Agent>& agents) {
  v1::Join join;
  const auto flags = in.Byte();
  join.set_game_id((flags & 1) != 0 ? "g1" : "other");
  if ((flags & 2) != 0) join.set_seat(static_cast<int>(in.Byte() % 5) - 1);
  if ((flags & 4) != 0) join.set_join_token((flags & 8) != 0 ? kToken : "wrong");
  if ((flags & 16) != 0) join.set_resume_token(SomeResumeToken(agents, flags));
  if ((flags & 32) != 0) join.set_learner_round(in.Byte() % 16);
  if ((flags & 64) != 0) join.set_algorithm("hedge");
  return join;
}

void CheckJoinAnswer(const absl::StatusOr<int>& seat, const Agent& agent) {
  Note(seat.ok() ? absl::StrCat("joined seat ", *seat) : seat.status().ToString());
  if (!seat.ok()) {
    const absl::StatusCode code = seat.status().code();
    NASHNET_FUZZ_CHECK(code != absl::StatusCode::kInternal && code != absl::StatusCode::kUnknown &&
                           !seat.status().message().empty(),
                       seat.status().ToString());
    NASHNET_FUZZ_CHECK(
        agent.stream->messages.empty() && !agent.stream->ended,
        absl::StrCat("a refused Join touched its stream: ", seat.status().ToString()));
    return;
  }
}

// What every stream received so far keeps the protocol's promises.
void CheckStreams(const std::vector<Agent>& agents, int64_t horizon) {
  for (const Agent& a : agents) {
    // Joined first (it may wait: a seat whose round the straggler policy already played gets it
    // once the round is resolved); before it, only the in-band Errors answering Actions the agent
    // sent too early — or the GameOver of a game that ended with that very round.
    for (const v1::CoordinatorMessage& m : a.stream->messages) {
      if (m.has_joined() || m.has_game_over()) break;
      NASHNET_FUZZ_CHECK(m.has_error(), absl::StrCat("a message before Joined: ", m.DebugString()));
    }
    int64_t last_feedback = 0;
    int game_overs = 0;
    for (const v1::CoordinatorMessage& m : a.stream->messages) {
      NASHNET_FUZZ_CHECK(game_overs == 0,
                         absl::StrCat("a message after GameOver: ", m.DebugString()));
      if (m.has_feedback()) {
        const int64_t round = m.feedback().round();
        NASHNET_FUZZ_CHECK(round > last_feedback && round <= horizon,
                           absl::StrCat("Feedback of round ", round, " after round ", last_feedback,
                                        " (horizon ", horizon, ")"));
        last_feedback = round;
      }
      if (m.has_game_over()) ++game_overs;
    }
  }
}

// A well-formed Action of `agent`'s seat for the game's current round.
v1::Action MadeAction(Input& in, HostedGame& game, const server::RunPlan& plan, int seat) {
  v1::GameInfo info;
  OnStrand(game, [&] { game.FillInfo(&info); });
  v1::Action action;
  action.set_round(info.round() + 1);
  const auto pick = in.Byte();
  if (const auto* finite = dynamic_cast<const games::FiniteGame*>(plan.game.get())) {
    const int n = finite->num_actions(seat);
    action.set_index(pick % n);
    if ((pick & 0x80) == 0) {  // required for full and noisy feedback
      for (int k = 0; k < n; ++k) action.mutable_strategy()->add_probabilities(1.0 / n);
    }
  } else if (const auto* continuous = dynamic_cast<const games::ContinuousGame*>(plan.game.get())) {
    const games::Box box = continuous->action_box(seat);
    for (int k = 0; k < box.dimension(); ++k) {
      action.mutable_point()->add_coordinates(box.lower[k] +
                                              (box.upper[k] - box.lower[k]) * pick / 255.0);
    }
  }
  return action;
}

void Play(const uint8_t* data, size_t size) {
  Input in(data, size);
  const v1::RunSpec spec = SpecFrom(in);
  absl::StatusOr<server::RunPlan> plan = server::PlanRun(spec);
  NASHNET_FUZZ_CHECK(plan.ok(), plan.status().ToString());
  NASHNET_FUZZ_CHECK(server::CheckServiceSpec(*plan).ok(), spec.DebugString());
  const std::filesystem::path dir = host->root / "g1";
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);

  server::SeatBudget budget(64);
  auto config = [&] {
    server::HostedGameConfig c;
    c.id = "g1";
    c.plan = *plan;
    c.record_dir = dir;
    c.relative_record_dir = "g1";
    c.io = &host->io;
    c.writer = &host->writer;
    c.budget = &budget;
    c.clock = &host->clock;
    c.journal.flush = std::chrono::milliseconds(1);
    return c;
  };
  absl::StatusOr<std::shared_ptr<HostedGame>> created = HostedGame::Create(config());
  NASHNET_FUZZ_CHECK(created.ok(), created.status().ToString());
  std::shared_ptr<HostedGame> game = *created;
  OnStrand(*game, [&] { game->Begin(); });

  std::vector<Agent> agents;
  const int64_t horizon = spec.rounds();
  for (int op = 0; op < kMaxOperations && in.remaining_bytes() > 0; ++op) {
    const auto kind = in.Byte();
    Agent* live = nullptr;  // some stream that holds a seat
    {
      std::vector<Agent*> holding;
      for (Agent& a : agents) {
        if (a.seat >= 0 && !a.gone && !a.stream->ended) holding.push_back(&a);
      }
      if (!holding.empty()) live = holding[(kind >> 3) % holding.size()];
    }
    switch (kind % 8) {
      case 0:
      case 1: {  // a Join, made or raw
        v1::Join join;
        if (kind % 8 == 0) {
          join = MadeJoin(in, agents);
        } else if (!join.ParseFromString(in.Bytes(in.Byte()))) {
          break;  // undecodable: the reactor ends the stream before any game sees it
        }
        // PlayReactor::OnJoin's checks before the game.
        if (join.game_id().empty()) break;
        if (absl::Status bounds = server::CheckJoinBounds(join); !bounds.ok()) {
          NASHNET_FUZZ_CHECK(bounds.code() == absl::StatusCode::kInvalidArgument,
                             bounds.ToString());
          break;
        }
        if (join.game_id() != "g1") break;  // NOT_FOUND
        agents.emplace_back();
        Agent& agent = agents.back();
        absl::StatusOr<int> seat;
        OnStrand(*game, [&] { seat = game->Join(agent.stream.get(), join); });
        CheckJoinAnswer(seat, agent);
        if (seat.ok()) agent.seat = *seat;
        break;
      }
      case 2:
      case 3: {  // an Action, well formed or raw
        if (live == nullptr) break;
        v1::Action action;
        if (kind % 8 == 2) {
          action = MadeAction(in, *game, *plan, live->seat);
        } else if (!action.ParseFromString(in.Bytes(in.Byte()))) {
          break;
        }
        OnStrand(*game, [&] { game->OnAction(live->seat, live->stream.get(), action); });
        break;
      }
      case 4:  // the agent's stream ends
        if (live == nullptr) break;
        live->gone = true;
        OnStrand(*game, [&] { game->StreamGone(live->seat, live->stream.get()); });
        break;
      case 5:  // time passes (deadlines, evictions, the journal's flush)
        OnStrand(*game,
                 [&] { host->clock.Advance(std::chrono::milliseconds(10 * (1 + in.Byte()))); });
        break;
      case 6:  // a reader stops, or catches up
        if (live == nullptr) break;
        live->stream->full = !live->stream->full;
        if (!live->stream->full) {
          OnStrand(*game, [&] { game->StreamWritable(live->seat, live->stream.get()); });
        }
        break;
      default:  // StopGame, rarely
        if ((kind >> 3) != 0) break;
        OnStrand(*game, [&] { game->Stop(nullptr); });
        break;
    }
    Settle(game.get(), /*passes=*/1);  // what the disk thread hands back is seen an op later
    CheckStreams(agents, horizon);
    NASHNET_FUZZ_CHECK(game->rounds_played() <= horizon,
                       absl::StrCat(game->rounds_played(), " rounds of ", horizon));
  }

  // The coordinator crashes once the journal's flush is due; a new one recovers the game.
  OnStrand(*game, [&] { host->clock.Advance(std::chrono::milliseconds(2)); });
  Settle(game.get());
  const int64_t played = game->rounds_played();
  Note(absl::StrCat("played ", played, " of ", horizon, " rounds; ", agents.size(), " streams"));
  game.reset();
  absl::StatusOr<std::shared_ptr<HostedGame>> recovered = HostedGame::Recover(config());
  NASHNET_FUZZ_CHECK(recovered.ok(), recovered.status().ToString());
  OnStrand(**recovered, [&] { (*recovered)->Begin(); });
  Settle(recovered->get());
  NASHNET_FUZZ_CHECK(
      (*recovered)->rounds_played() == played,
      absl::StrCat("played ", played, " rounds, recovered ", (*recovered)->rounds_played()));
  OnStrand(**recovered, [&] { (*recovered)->Stop(nullptr); });
  Settle(recovered->get());
  recovered->reset();
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace nashnet::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  namespace fuzz = nashnet::fuzz;
  google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in a string field: parse fails, logs
  // Record folders on a tmpfs where there is one: every game syncs its journal's header.
  const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                         ? "/dev/shm"
                                         : std::filesystem::temp_directory_path();
  std::string pattern = (base / "nashnet-fuzz-hosted-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  fuzz::host = new fuzz::Host;
  fuzz::host->root = pattern;
  std::atexit(fuzz::RemoveRoot);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nashnet::fuzz::Play(data, size);
  return 0;
}

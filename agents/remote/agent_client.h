// AgentClient: one learner playing one seat of a game on a nashnet coordinator over
// Coordinator.Play (the engine of the nashnet-agent executable).
//
// The client joins, builds its learner from Joined.view with agents::MakeLearner (seeded with
// view.seed, so it plays exactly what an in-process LocalSeat would) — the seat's learner from
// Joined.learner (algorithm and parameters of the spec), unless the options name one of its own —
// then plays lockstep: for each round t it sends Action{t, a(t), x(t), P(a(t))} and reads
// Feedback{t}, calling learner->Update in the order server::Simulate does (strategy() → Act() →
// Update()). In-band Errors are logged with their round and play goes on.
//
// Faults: a broken stream, UNAVAILABLE (a draining coordinator) or an eviction
// (DEADLINE_EXCEEDED) is retried with exponential backoff (100 ms doubling to 5 s), presenting the
// seat's resume token and the rounds its learner has absorbed, until `max_retry_seconds` pass
// without progress; any other non-OK status is fatal and returned. On a resume the coordinator
// may send the seat's history (coordinator.proto): the client replays it by its contract — one
// draw per round, an update unless substituted — after rebuilding the learner from its seed when
// told to reset (a fresh process, or a learner ahead of the coordinator's journal). So a restarted
// process with a state file (`state_file`) continues exactly where the killed one stopped. The run
// ends at GameOver, whose summary the result keeps.
//
//   AgentClient client({.coordinator = "127.0.0.1:50051", .game_id = "g1", .seat = 0});
//   absl::StatusOr<AgentResult> result = client.Run();
//   if (result.ok()) std::printf("%lld rounds\n", (long long)result->game_over.rounds_played());
//
// Thread safety: none; Run() blocks the calling thread, which alone drives the client (one
// stream, one thread: the sync gRPC client API).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/learner.h"
#include "common/tls/channel_tls.h"
#include "nashnet/v1/coordinator.grpc.pb.h"

namespace nashnet::agents {

struct AgentClientOptions {
  std::string coordinator;  // the coordinator's address, HOST:PORT
  std::string game_id;      // the game to join
  std::optional<int> seat;  // 0-based; unset = the first free remote seat
  // The learner (hedge, hedge-lr, bandit-hedge, kernel-da, hda); empty = DefaultAlgorithm(view).
  std::string algorithm;
  LearnerParams params;      // learner parameters (ALGORITHMS.md's defaults for the others)
  std::string name;          // agent name shown by the coordinator (Join.agent_name)
  std::string join_token;    // the game's join token, if it has one
  std::string resume_token;  // takes back the seat this token was issued for
  // Keeps the game, seat and resume token across processes (agent_state_file.h): a restarted
  // agent with the same file takes its seat back; one whose file says the game is over returns
  // at once (AgentResult::already_over). Empty: none.
  std::string state_file;
  double max_retry_seconds = 300;        // give up after this long without progress
  double initial_backoff_seconds = 0.1;  // the first wait before reconnecting
  double max_backoff_seconds = 5;        // the backoff doubles up to this
  int max_message_bytes = 4 << 20;       // largest CoordinatorMessage accepted
  // Plaintext or TLS (tls::ChannelSecurity::Load of --tls-ca ...). A TLS failure is fatal.
  tls::ChannelSecurity security;
  // Called with each Joined (the first and every resume), e.g. to print the resume token.
  std::function<void(const v1::Joined&)> on_joined;
  // Receives one line (no newline) per notable event: in-band Errors, reconnects. Default: the
  // line to stderr prefixed "nashnet-agent: ".
  std::function<void(const std::string&)> log;

  // InvalidArgument naming the field: empty coordinator / game id, negative seat, a retry or
  // backoff time that is negative or not finite, initial backoff 0 or above the maximum, a
  // message limit < 1 KiB.
  [[nodiscard]] absl::Status Validate() const;
};

// What an agent saw of its game.
struct AgentResult {
  std::string game_id;
  int seat = -1;
  std::string algorithm;           // the learner that played
  std::string resume_token;        // the last one the coordinator issued
  v1::GameOver game_over;          // reason, rounds played, the game's summary
  int64_t feedback_rounds = 0;     // Feedback messages received
  int64_t updates = 0;             // learner updates (feedback rounds that were not substituted)
  int64_t substituted_rounds = 0;  // Feedback with `substituted` set
  int64_t errors = 0;              // in-band Errors received
  int reconnects = 0;              // successful re-joins after a broken stream
  int64_t replayed_rounds = 0;     // History rounds replayed (resumes)
  int resets = 0;                  // times the learner was rebuilt from its seed on a resume
  bool already_over = false;       // the state file said the game had ended: nothing was played
};

// The default learner for a view, as PlanRun chooses it: hda for continuous games, bandit-hedge
// for finite games with bandit feedback, hedge otherwise.
[[nodiscard]] std::string DefaultAlgorithm(const PlayerView& view);

class AgentClient {
 public:
  explicit AgentClient(AgentClientOptions options);
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // Plays the game to its end. The coordinator's fatal status (NOT_FOUND, UNAUTHENTICATED,
  // INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, ...) is returned
  // as is; UNAVAILABLE once the retries ran out; InvalidArgument for bad options, a bad view or a
  // learner that cannot be built. Call once.
  [[nodiscard]] absl::StatusOr<AgentResult> Run();

  // After Run failed: whether the failure was the learner (MakeLearner refused the algorithm or
  // its parameters for the joined game) rather than the coordinator or the network.
  [[nodiscard]] bool learner_failed() const { return learner_failed_; }

 private:
  struct Session;
  // One connection: Join, then play until GameOver or the stream breaks. Sets *joined once a
  // Joined arrived. OK only after GameOver.
  absl::Status PlaySession(bool* joined);
  absl::Status OnJoined(const v1::Joined& joined, Session* session);
  absl::Status OnHistory(const v1::History& history, Session* session);
  absl::Status OnFeedback(const v1::Feedback& feedback, Session* session);
  // Builds the learner afresh from its seed (the first Joined, or a reset).
  absl::Status BuildLearner(const v1::Joined& joined);
  // The learner takes round `round`'s feedback: one draw for the round if none was made, then an
  // update unless substituted (the replay contract of coordinator.proto).
  void Absorb(const v1::Feedback& feedback);
  // After Joined (and its history): act for `next` (or resend the pending draw).
  void Continue(int64_t next, Session* session);
  absl::Status SaveState(bool finished);
  // Draws the action of `round` and sends it (kept in action_message_ for a resend on resume).
  bool Act(int64_t round, Session* session);
  void Log(const std::string& line) const;

  AgentClientOptions options_;
  AgentResult result_;
  PlayerView view_;
  std::unique_ptr<Learner> learner_;
  int64_t pending_round_ = 0;  // the round of the last Action sent without Feedback yet (0: none)
  int64_t learner_round_ = 0;  // the last round whose feedback the learner absorbed
  int64_t next_round_ = 0;     // Joined.next_round, while its history is replayed
  bool replaying_ = false;     // History messages are expected
  bool started_seen_ = false;  // Joined.started of the current session
  bool game_over_ = false;
  bool started_ = false;         // a Start (or a Joined with started) was received
  bool dropped_resume_ = false;  // the refused resume token was dropped once already
  bool learner_failed_ = false;
  // Reused every round: the hot loop allocates nothing for finite games.
  v1::AgentMessage action_message_;
  v1::CoordinatorMessage incoming_;
  Feedback feedback_;
};

}  // namespace nashnet::agents

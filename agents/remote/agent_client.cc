#include "agents/remote/agent_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agents/remote/agent_state_file.h"
#include "agents/wire/wire.h"
#include "common/status_macros.h"

namespace nashnet::agents {
namespace {

using Clock = std::chrono::steady_clock;

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// A broken connection rather than the coordinator's verdict: worth a reconnect. UNAVAILABLE is
// what gRPC reports for a refused / reset connection (and a draining coordinator); the others are
// how a stream torn down mid-flight (RST_STREAM, a killed peer) can surface. ABORTED is not: the
// seat was resumed by another connection (two agents with one token would otherwise take it from
// each other for ever).
// DEADLINE_EXCEEDED is an eviction (missed deadlines): the seat waits for its token's holder.
bool Retryable(const absl::Status& status, bool has_token) {
  if (tls::IsTlsFailure(status)) return false;  // a certificate does not get better by retrying
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
      return true;
    case absl::StatusCode::kDeadlineExceeded:
      return has_token;
    default:
      return false;
  }
}

std::string StatusText(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

absl::Status CheckSeconds(double value, const char* field) {
  if (!std::isfinite(value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is not a non-negative number of seconds"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AgentClientOptions::Validate() const {
  if (coordinator.empty()) return absl::InvalidArgumentError("coordinator: must not be empty");
  if (game_id.empty()) return absl::InvalidArgumentError("game_id: must not be empty");
  if (seat.has_value() && *seat < 0) {
    return absl::InvalidArgumentError(absl::StrCat("seat: ", *seat, " is negative"));
  }
  NASHNET_RETURN_IF_ERROR(CheckSeconds(max_retry_seconds, "max_retry_seconds"));
  NASHNET_RETURN_IF_ERROR(CheckSeconds(initial_backoff_seconds, "initial_backoff_seconds"));
  NASHNET_RETURN_IF_ERROR(CheckSeconds(max_backoff_seconds, "max_backoff_seconds"));
  if (initial_backoff_seconds == 0 || initial_backoff_seconds > max_backoff_seconds) {
    return absl::InvalidArgumentError(
        absl::StrCat("initial_backoff_seconds: ", initial_backoff_seconds,
                     " must be in (0, max_backoff_seconds = ", max_backoff_seconds, "]"));
  }
  if (max_message_bytes < 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_message_bytes: ", max_message_bytes, " is below 1 KiB"));
  }
  return absl::OkStatus();
}

std::string DefaultAlgorithm(const PlayerView& view) {
  if (!view.finite()) return "hda";
  return view.feedback == FeedbackModel::kBandit ? "bandit-hedge" : "hedge";
}

// One connection's gRPC objects (a fresh channel per attempt: the client's own backoff decides
// when to retry, not the channel's reconnect timer).
struct AgentClient::Session {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CoordinatorMessage>> stream;

  // The stream's final status (after a failed Read or Write).
  absl::Status Finish() { return FromGrpc(stream->Finish()); }
};

AgentClient::AgentClient(AgentClientOptions options) : options_(std::move(options)) {
  result_.game_id = options_.game_id;
  result_.algorithm = options_.algorithm;
  result_.resume_token = options_.resume_token;
  action_message_.mutable_action();  // the oneof stays on `action` from here on
}

AgentClient::~AgentClient() = default;

void AgentClient::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "nashnet-agent: %s\n", line.c_str());
  }
}

absl::Status AgentClient::SaveState(bool finished) {
  if (options_.state_file.empty()) return absl::OkStatus();
  AgentState state;
  state.game_id = result_.game_id;
  state.seat = result_.seat;
  state.resume_token = result_.resume_token;
  state.finished = finished;
  if (finished) {
    switch (result_.game_over.reason()) {
      case v1::GAME_OVER_REASON_COMPLETED:
        state.reason = "completed";
        break;
      case v1::GAME_OVER_REASON_STOPPED:
        state.reason = "stopped";
        break;
      default:
        state.reason = "failed";
        break;
    }
  }
  return SaveAgentState(options_.state_file, state);
}

absl::StatusOr<AgentResult> AgentClient::Run() {
  NASHNET_RETURN_IF_ERROR(options_.Validate());
  if (!options_.state_file.empty()) {
    NASHNET_ASSIGN_OR_RETURN(std::optional<AgentState> state, LoadAgentState(options_.state_file));
    if (state.has_value()) {
      if (state->game_id != options_.game_id) {
        return absl::InvalidArgumentError(
            absl::StrCat("--state-file ", options_.state_file, ": it is for game ", state->game_id,
                         ", not ", options_.game_id, " (use another file)"));
      }
      if (options_.seat.has_value() && *options_.seat != state->seat) {
        return absl::InvalidArgumentError(absl::StrCat("--state-file ", options_.state_file,
                                                       ": it holds seat ", state->seat, ", not ",
                                                       *options_.seat));
      }
      result_.seat = state->seat;
      options_.seat = state->seat;
      if (state->finished) {
        result_.already_over = true;
        Log(absl::StrCat("game ", state->game_id, " seat ", state->seat, " is already over (",
                         state->reason, ", says ", options_.state_file, ")"));
        return result_;
      }
      if (!state->resume_token.empty()) result_.resume_token = state->resume_token;
    }
  }
  const auto max_retry = std::chrono::duration<double>(options_.max_retry_seconds);
  auto backoff = std::chrono::duration<double>(options_.initial_backoff_seconds);
  Clock::time_point failing_since = Clock::now();  // start of the current run of failures
  while (true) {
    bool joined = false;
    const int64_t rounds_before = result_.feedback_rounds;
    const absl::Status status = PlaySession(&joined);
    if (game_over_) return result_;
    if (joined && result_.feedback_rounds > rounds_before) {
      // The connection worked and the game moved: a new window of retries starts now. (A Join
      // alone does not count, or a coordinator failing every stream right after Joined would
      // keep the agent retrying for ever.)
      failing_since = Clock::now();
      backoff = std::chrono::duration<double>(options_.initial_backoff_seconds);
    }
    if (status.ok()) continue;  // cannot happen: PlaySession is OK only after GameOver
    if (status.code() == absl::StatusCode::kInvalidArgument && !started_ && !dropped_resume_ &&
        !result_.resume_token.empty() && absl::StartsWith(status.message(), "join.resume_token")) {
      // Before the start a coordinator may have freed the seat of a vanished agent (and its
      // token): join afresh, once.
      dropped_resume_ = true;
      Log(absl::StrCat("resume token refused before the start (", StatusText(status),
                       "); joining without it"));
      result_.resume_token.clear();
      continue;
    }
    if (!Retryable(status, !result_.resume_token.empty())) return status;
    const auto waited = Clock::now() - failing_since;
    if (waited >= max_retry) {
      return absl::UnavailableError(absl::StrCat("gave up after ", options_.max_retry_seconds,
                                                 " s of retries; last: ", StatusText(status)));
    }
    const auto wait = std::min<std::chrono::duration<double>>(backoff, max_retry - waited);
    Log(absl::StrCat("connection to ", options_.coordinator, ": ", StatusText(status),
                     "; retrying in ", std::lround(wait.count() * 1000), " ms"));
    std::this_thread::sleep_for(wait);
    backoff = std::min(2 * backoff, std::chrono::duration<double>(options_.max_backoff_seconds));
  }
}

absl::Status AgentClient::PlaySession(bool* joined) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetMaxSendMessageSize(options_.max_message_bytes);
  auto channel = options_.security.CreateChannel(options_.coordinator, args);
  auto stub = v1::Coordinator::NewStub(channel);
  Session session;
  session.stream = stub->Play(&session.context);

  v1::AgentMessage join_message;
  v1::Join* join = join_message.mutable_join();
  join->set_game_id(options_.game_id);
  if (options_.seat.has_value()) join->set_seat(*options_.seat);
  join->set_agent_name(options_.name);
  if (!options_.algorithm.empty()) {
    // Its own learner: say which, so that the record says what played.
    join->set_algorithm(options_.algorithm);
    join->mutable_learner()->set_algorithm(options_.algorithm);
    for (const auto& [name, value] : options_.params) {
      (*join->mutable_learner()->mutable_params())[name] = value;
    }
  }
  join->set_join_token(options_.join_token);
  join->set_resume_token(result_.resume_token);
  join->set_learner_round(learner_ != nullptr ? learner_round_ : 0);
  replaying_ = false;
  // On a failed Write read on anyway: the Reads below end, then Finish() gives the status (a sync
  // Finish() with unread messages blocks for ever).
  session.stream->Write(join_message);

  while (session.stream->Read(&incoming_)) {
    switch (incoming_.kind_case()) {
      case v1::CoordinatorMessage::kJoined:
        if (*joined) {
          session.context.TryCancel();
          session.Finish().IgnoreError();
          return absl::InternalError("protocol: a second Joined on one stream");
        }
        *joined = true;
        NASHNET_RETURN_IF_ERROR(OnJoined(incoming_.joined(), &session));
        break;
      case v1::CoordinatorMessage::kStart:
        started_ = true;
        if (learner_ != nullptr && !replaying_ && pending_round_ != incoming_.start().round()) {
          Act(incoming_.start().round(), &session);  // on failure, read on (see OnFeedback)
        }
        break;
      case v1::CoordinatorMessage::kHistory: {
        const absl::Status status = OnHistory(incoming_.history(), &session);
        if (!status.ok()) return status;
        break;
      }
      case v1::CoordinatorMessage::kFeedback: {
        const absl::Status status = OnFeedback(incoming_.feedback(), &session);
        if (!status.ok()) return status;
        break;
      }
      case v1::CoordinatorMessage::kGameOver:
        result_.game_over = incoming_.game_over();
        game_over_ = true;
        session.stream->WritesDone();
        if (absl::Status st = SaveState(/*finished=*/true); !st.ok())
          Log(std::string(st.message()));
        break;
      case v1::CoordinatorMessage::kError: {
        const v1::Error& error = incoming_.error();
        ++result_.errors;
        Log(absl::StrCat("round ", error.round(), ": coordinator error ",
                         absl::StatusCodeToString(static_cast<absl::StatusCode>(error.code())),
                         ": ", error.message()));
        break;
      }
      case v1::CoordinatorMessage::KIND_NOT_SET:
        Log("ignoring an empty message from the coordinator");
        break;
    }
  }
  const absl::Status status = session.Finish();
  if (game_over_) return absl::OkStatus();  // the game ended; a late transport fault is moot
  if (status.ok()) return absl::UnavailableError("the stream ended without GameOver");
  return status;
}

absl::Status AgentClient::BuildLearner(const v1::Joined& joined) {
  // Its own learner if the options name one; else the seat's learner from the spec; else (an old
  // coordinator that sends none) what the simulator would pick.
  LearnerParams params = options_.params;
  if (options_.algorithm.empty()) {
    if (!joined.learner().algorithm().empty()) {
      result_.algorithm = joined.learner().algorithm();
      params.clear();
      for (const auto& [name, value] : joined.learner().params()) params[name] = value;
    } else {
      result_.algorithm = DefaultAlgorithm(view_);
    }
  } else {
    result_.algorithm = options_.algorithm;
  }
  absl::StatusOr<std::unique_ptr<Learner>> learner = MakeLearner(result_.algorithm, params, view_);
  if (!learner.ok()) {
    learner_failed_ = true;
    return learner.status();
  }
  learner_ = *std::move(learner);
  learner_round_ = 0;
  pending_round_ = 0;
  return absl::OkStatus();
}

absl::Status AgentClient::OnJoined(const v1::Joined& joined, Session* session) {
  result_.seat = joined.seat();
  result_.resume_token = joined.resume_token();
  if (!joined.game_id().empty()) result_.game_id = joined.game_id();
  auto fail = [session](absl::Status status) {
    session->context.TryCancel();  // leaves the seat to another agent
    session->Finish().IgnoreError();
    return status;
  };
  if (learner_ == nullptr) {
    absl::StatusOr<PlayerView> view = PlayerViewFromProto(joined.view());
    if (!view.ok()) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("Joined from the coordinator: ", view.status().message())));
    }
    view_ = *std::move(view);
    if (absl::Status st = BuildLearner(joined); !st.ok()) return fail(st);
  } else {
    ++result_.reconnects;
    if (joined.reset()) {
      // Our learner is ahead of the coordinator's journal (it lost rounds): start again from the
      // seed and replay what the journal holds.
      if (absl::Status st = BuildLearner(joined); !st.ok()) return fail(st);
      ++result_.resets;
    }
  }
  if (absl::Status st = SaveState(/*finished=*/false); !st.ok()) return fail(st);
  if (options_.on_joined) options_.on_joined(joined);
  started_seen_ = joined.started();
  next_round_ = joined.next_round();
  if (joined.replay_from() > 0) {
    if (joined.replay_from() != learner_round_ + 1) {
      return fail(absl::InternalError(
          absl::StrCat("protocol: history from round ", joined.replay_from(),
                       " but the learner has absorbed ", learner_round_, " rounds")));
    }
    replaying_ = true;  // History messages follow; play goes on after the last one
    return absl::OkStatus();
  }
  if (!joined.started()) return absl::OkStatus();  // Start follows
  started_ = true;
  Continue(next_round_, session);
  return absl::OkStatus();
}

absl::Status AgentClient::OnHistory(const v1::History& history, Session* session) {
  if (learner_ == nullptr || !replaying_) {
    session->context.TryCancel();
    session->Finish().IgnoreError();
    return absl::InternalError("protocol: History without a Joined that announced it");
  }
  for (const v1::HistoryRound& round : history.rounds()) {
    if (round.round() != learner_round_ + 1 || round.feedback().round() != round.round()) {
      session->context.TryCancel();
      session->Finish().IgnoreError();
      return absl::InternalError(
          absl::StrCat("protocol: history round ", round.round(), " after round ", learner_round_));
    }
    Absorb(round.feedback());
    ++result_.replayed_rounds;
  }
  if (!history.last()) return absl::OkStatus();
  replaying_ = false;
  if (!started_seen_) return absl::OkStatus();  // Start follows
  started_ = true;
  Continue(next_round_, session);
  return absl::OkStatus();
}

void AgentClient::Absorb(const v1::Feedback& feedback) {
  const int64_t round = feedback.round();
  if (pending_round_ != round) {
    // No action was drawn for this round in this process: draw it now (one draw per round),
    // so that the learner's RNG stays where the original agent's was.
    (void)learner_->strategy();
    (void)learner_->Act();
  }
  if (feedback.substituted()) {
    // The straggler policy played this round for us: the feedback describes an action the learner
    // did not draw (bandit learners would importance-weight a payoff by the probability of their
    // own draw; full-information learners would credit a strategy they did not play), so learning
    // from it would bias the learner. Skip the update; the next round is drawn from x(t) again.
    ++result_.substituted_rounds;
  } else {
    feedback_.round = round;
    feedback_.payoff = feedback.payoff();
    const int n = feedback.payoff_vector_size();
    feedback_.payoff_vector.resize(n);  // no reallocation once the size is known
    for (int k = 0; k < n; ++k) feedback_.payoff_vector[k] = feedback.payoff_vector(k);
    learner_->Update(feedback_);
    ++result_.updates;
  }
  learner_round_ = round;
  pending_round_ = 0;
}

void AgentClient::Continue(int64_t next, Session* session) {
  if (view_.horizon > 0 && next > view_.horizon) return;  // GameOver follows
  if (next == pending_round_) {
    // The coordinator still expects the action it may not have got: resend the same draw (a new
    // Act() would advance the learner's RNG and break the reproducible trajectory).
    action_message_.mutable_action()->set_round(next);
    session->stream->Write(action_message_);  // on failure, read on (see PlaySession)
    return;
  }
  // A failed Write means the stream is ending: keep reading (a GameOver may be waiting, and a
  // sync Finish() with unread messages blocks for ever); the read loop's end reports the status.
  Act(next, session);
}

absl::Status AgentClient::OnFeedback(const v1::Feedback& feedback, Session* session) {
  if (learner_ == nullptr || replaying_) {
    session->context.TryCancel();
    session->Finish().IgnoreError();
    return absl::InternalError(learner_ == nullptr ? "protocol: Feedback before Joined"
                                                   : "protocol: Feedback during History");
  }
  if (feedback.round() <= learner_round_) return absl::OkStatus();  // stale, already absorbed
  if (feedback.round() != learner_round_ + 1) {
    session->context.TryCancel();
    session->Finish().IgnoreError();
    return absl::InternalError(absl::StrCat("protocol: Feedback for round ", feedback.round(),
                                            " after round ", learner_round_));
  }
  ++result_.feedback_rounds;
  Absorb(feedback);
  Continue(feedback.round() + 1, session);
  return absl::OkStatus();
}

bool AgentClient::Act(int64_t round, Session* session) {
  const MixedStrategy& strategy = learner_->strategy();
  const Action action = learner_->Act();
  ActionToProto(round, action, &strategy, action_message_.mutable_action());
  pending_round_ = round;
  return session->stream->Write(action_message_);
}

}  // namespace nashnet::agents

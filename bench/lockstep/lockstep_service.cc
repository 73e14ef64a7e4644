#include "bench/lockstep/lockstep_service.h"

#include <chrono>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "games/finite_game.h"
#include "server/simulation.h"

namespace nashnet::bench {

class PlayReactor;

// One game: its shape (fixed at CreateGame) and its lockstep state (guarded by `mu`).
struct LockstepGame {
  std::string id;
  int num_players = 0;
  std::vector<int> num_actions;  // per player
  double payoff_min = 0.0;
  double payoff_max = 1.0;
  v1::FeedbackModel feedback = v1::FEEDBACK_MODEL_FULL;
  int64_t horizon = 0;
  uint64_t seed = 0;

  std::mutex mu;
  std::vector<PlayReactor*> seats;  // null = free (or the stream is done)
  int joined = 0;
  bool started = false;
  int64_t round = 0;  // rounds played
  int acted = 0;      // seats whose Action of round + 1 arrived
  std::vector<int> played;
  std::vector<char> has_acted;
  v1::GameStatus status = v1::GAME_STATUS_WAITING;
  std::chrono::steady_clock::time_point start_time;
  std::chrono::steady_clock::time_point end_time;

  [[nodiscard]] bool vector_feedback() const { return feedback != v1::FEEDBACK_MODEL_BANDIT; }

  void FillSummary(v1::GameSummary* summary) const {
    const double elapsed = std::chrono::duration<double>(end_time - start_time).count();
    summary->set_rounds(round);
    summary->set_seed(seed);
    summary->set_elapsed_seconds(elapsed);
    summary->set_rounds_per_second(elapsed > 0 ? static_cast<double>(round) / elapsed : 0.0);
  }
};

namespace {

// What a locked section decided to do to a stream once the game's mutex is released.
struct PendingOp {
  PlayReactor* reactor;
  const v1::CoordinatorMessage* write;  // null: Finish(status)
  grpc::Status status;
};
using PendingOps = absl::InlinedVector<PendingOp, 4>;

}  // namespace

// One agent's Play stream. Before Join only its own (sequential) reactions touch it; after Join
// its outbox fields are guarded by its game's mutex, and StartWrite / Finish are issued after
// that mutex is released (RunOps), so no gRPC call is made under a lock.
class PlayReactor final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::CoordinatorMessage> {
 public:
  explicit PlayReactor(const LockstepService* service) : service_(service) { StartRead(&in_); }

  void OnReadDone(bool ok) override {
    if (game_ == nullptr) {
      if (!ok) {
        Finish(grpc::Status::CANCELLED);
      } else {
        HandleJoin();
      }
      return;
    }
    PendingOps ops;
    bool read_again = false;
    {
      std::lock_guard lock(game_->mu);
      if (!ok) {
        // The agent half-closed or vanished: after GameOver this is the normal end.
        RequestFinish(grpc::Status::OK, /*drain=*/true, &ops);
      } else if (!in_.has_action()) {
        RequestFinish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "a second Join"), false,
                      &ops);
      } else {
        read_again = HandleActionLocked(&ops);
      }
    }
    RunOps(ops);
    if (read_again) StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    PendingOps ops;
    {
      std::lock_guard lock(game_->mu);
      writing_ = false;
      head_ = (head_ + 1) % kSlots;
      --count_;
      if (!ok) {
        count_ = 0;
        if (!finish_requested_) {
          finish_requested_ = true;
          finish_status_ = grpc::Status::CANCELLED;
        }
      }
      MaybeIssueLocked(&ops);
    }
    RunOps(ops);
  }

  void OnDone() override {
    if (game_ != nullptr) {
      std::lock_guard lock(game_->mu);
      if (game_->seats[seat_] == this) game_->seats[seat_] = nullptr;
    }
    delete this;
  }

  // Queues a message (game mutex held); returns the slot to fill, or null if the stream is
  // finishing or its outbox is full (cannot happen in lockstep; the message is dropped).
  v1::CoordinatorMessage* SlotLocked() {
    if (finish_requested_ || count_ == kSlots) return nullptr;
    return &slots_[(head_ + count_++) % kSlots];
  }

  // After filling slots: starts a write or the finish if the stream is idle (game mutex held).
  void MaybeIssueLocked(PendingOps* ops) {
    if (writing_ || finished_) return;
    if (count_ > 0) {
      writing_ = true;
      ops->push_back({this, &slots_[head_], grpc::Status::OK});
    } else if (finish_requested_) {
      finished_ = true;
      ops->push_back({this, nullptr, finish_status_});
    }
  }

  // Ends the stream with `status` once the in-flight write (and, if `drain`, the queued ones)
  // completed (game mutex held).
  void RequestFinish(grpc::Status status, bool drain, PendingOps* ops) {
    if (!finish_requested_) {
      finish_requested_ = true;
      finish_status_ = std::move(status);
      if (!drain) count_ = writing_ ? 1 : 0;
    }
    MaybeIssueLocked(ops);
  }

  static void RunOps(const PendingOps& ops) {
    for (const PendingOp& op : ops) {
      if (op.write != nullptr) {
        op.reactor->StartWrite(op.write);
      } else {
        op.reactor->Finish(op.status);
      }
    }
  }

 private:
  static constexpr int kSlots = 3;

  void HandleJoin() {
    if (!in_.has_join()) {
      Finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "Action before Join"));
      return;
    }
    const v1::Join& join = in_.join();
    std::shared_ptr<LockstepGame> game = service_->Find(join.game_id());
    if (game == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("join.game_id: no game \"", join.game_id(), "\"")));
      return;
    }
    PendingOps ops;
    {
      std::lock_guard lock(game->mu);
      int seat = -1;
      if (join.has_seat()) {
        if (join.seat() >= 0 && join.seat() < game->num_players &&
            game->seats[join.seat()] == nullptr) {
          seat = join.seat();
        }
      } else {
        for (int s = 0; s < game->num_players && seat < 0; ++s) {
          if (game->seats[s] == nullptr) seat = s;
        }
      }
      if (seat < 0 || game->started) {
        ops.push_back({this, nullptr,
                       grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no such free seat")});
      } else {
        game_ = std::move(game);
        seat_ = seat;
        LockstepGame& g = *game_;
        g.seats[seat] = this;
        v1::Joined* joined = SlotLocked()->mutable_joined();
        joined->set_game_id(g.id);
        joined->set_seat(seat);
        v1::PlayerView* view = joined->mutable_view();
        view->set_player(seat);
        view->set_num_players(g.num_players);
        view->set_num_actions(g.num_actions[seat]);
        view->set_payoff_min(g.payoff_min);
        view->set_payoff_max(g.payoff_max);
        view->set_feedback(g.feedback);
        view->set_horizon(g.horizon);
        view->set_seed(g.seed + static_cast<uint64_t>(seat));
        joined->set_resume_token(absl::StrCat(g.id, "/", seat));
        joined->set_next_round(1);
        MaybeIssueLocked(&ops);
        if (++g.joined == g.num_players) {
          g.started = true;
          g.status = v1::GAME_STATUS_RUNNING;
          g.start_time = std::chrono::steady_clock::now();
          for (PlayReactor* r : g.seats) {
            if (r == nullptr) continue;
            if (v1::CoordinatorMessage* slot = r->SlotLocked()) {
              slot->mutable_start()->set_round(1);
              r->MaybeIssueLocked(&ops);
            }
          }
        }
      }
    }
    const bool joined = game_ != nullptr;
    RunOps(ops);
    if (joined) StartRead(&in_);
  }

  // An Action arrived (game mutex held). Returns whether to read on.
  bool HandleActionLocked(PendingOps* ops) {
    LockstepGame& g = *game_;
    const v1::Action& action = in_.action();
    if (!g.started || g.status != v1::GAME_STATUS_RUNNING || action.round() != g.round + 1 ||
        g.has_acted[seat_]) {
      RequestFinish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                 absl::StrCat("action.round: ", action.round(), " is not round ",
                                              g.round + 1)),
                    false, ops);
      return false;
    }
    g.played[seat_] = action.index();
    g.has_acted[seat_] = 1;
    if (++g.acted < g.num_players) return true;
    // Every seat acted: answer each with a Feedback of the real size (no game work).
    ++g.round;
    g.acted = 0;
    std::fill(g.has_acted.begin(), g.has_acted.end(), 0);
    const bool over = g.round == g.horizon;
    if (over) {
      g.status = v1::GAME_STATUS_COMPLETED;
      g.end_time = std::chrono::steady_clock::now();
    }
    for (int s = 0; s < g.num_players; ++s) {
      PlayReactor* r = g.seats[s];
      if (r == nullptr) continue;
      if (v1::CoordinatorMessage* slot = r->SlotLocked()) {
        v1::Feedback* feedback = slot->mutable_feedback();
        feedback->set_round(g.round);
        feedback->set_payoff(0.5);
        if (g.vector_feedback()) {
          auto* vector = feedback->mutable_payoff_vector();
          vector->Resize(g.num_actions[s], 0.0);
          for (int k = 0; k < g.num_actions[s]; ++k) vector->Set(k, 0.25 + 0.5 * (k & 1));
        }
        feedback->set_index(g.played[s]);
      }
      if (over) {
        if (v1::CoordinatorMessage* slot = r->SlotLocked()) {
          v1::GameOver* game_over = slot->mutable_game_over();
          game_over->set_reason(v1::GAME_OVER_REASON_COMPLETED);
          game_over->set_rounds_played(g.round);
          g.FillSummary(game_over->mutable_summary());
        }
        r->RequestFinish(grpc::Status::OK, /*drain=*/true, ops);
      } else {
        r->MaybeIssueLocked(ops);
      }
    }
    return true;
  }

  const LockstepService* service_;
  v1::AgentMessage in_;
  std::shared_ptr<LockstepGame> game_;  // set once joined
  int seat_ = -1;
  // The outbox: a ring of reused messages; slots_[head_] is in flight while writing_.
  v1::CoordinatorMessage slots_[kSlots];
  int head_ = 0;
  int count_ = 0;
  bool writing_ = false;
  bool finish_requested_ = false;
  bool finished_ = false;
  grpc::Status finish_status_;
};

LockstepService::LockstepService() = default;
LockstepService::~LockstepService() = default;

std::shared_ptr<LockstepGame> LockstepService::Find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = games_.find(id);
  return it == games_.end() ? nullptr : it->second;
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::CoordinatorMessage>* LockstepService::Play(
    grpc::CallbackServerContext* /*context*/) {
  return new PlayReactor(this);
}

grpc::ServerUnaryReactor* LockstepService::CreateGame(grpc::CallbackServerContext* context,
                                                      const v1::CreateGameRequest* request,
                                                      v1::CreateGameResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<server::RunPlan> plan =
      server::PlanRun(request->spec(), std::filesystem::current_path());
  if (!plan.ok()) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(plan.status().message())));
    return reactor;
  }
  const auto* finite = dynamic_cast<const games::FiniteGame*>(plan->game.get());
  if (finite == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "game.name: the lockstep baseline takes finite games only"));
    return reactor;
  }
  auto game = std::make_shared<LockstepGame>();
  game->id =
      request->game_id().empty() ? absl::StrCat("g", next_id_.fetch_add(1)) : request->game_id();
  game->num_players = finite->num_players();
  for (int i = 0; i < game->num_players; ++i) game->num_actions.push_back(finite->num_actions(i));
  game->payoff_min = finite->payoff_range().min;
  game->payoff_max = finite->payoff_range().max;
  game->feedback = plan->spec.feedback().model();
  game->horizon = plan->spec.rounds();
  game->seed = plan->spec.seed();
  game->seats.assign(game->num_players, nullptr);
  game->played.assign(game->num_players, 0);
  game->has_acted.assign(game->num_players, 0);
  {
    std::lock_guard lock(mu_);
    if (!games_.emplace(game->id, game).second) {
      reactor->Finish(grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                                   absl::StrCat("game_id: \"", game->id, "\" exists")));
      return reactor;
    }
  }
  response->set_game_id(game->id);
  response->set_record_dir(game->id);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* LockstepService::GetGame(grpc::CallbackServerContext* context,
                                                   const v1::GetGameRequest* request,
                                                   v1::GameInfo* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<LockstepGame> game = Find(request->game_id());
  if (game == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 absl::StrCat("game_id: no game \"", request->game_id(), "\"")));
    return reactor;
  }
  {
    std::lock_guard lock(game->mu);
    response->set_game_id(game->id);
    response->set_status(game->status);
    response->set_round(game->round);
    response->set_rounds(game->horizon);
    if (game->status == v1::GAME_STATUS_COMPLETED) game->FillSummary(response->mutable_summary());
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace nashnet::bench

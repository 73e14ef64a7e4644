// HostedGame: the service spec's checks, building a game (match, seats, round loop), creating its
// record, and recovering a game from its journal. The round loop's listener is in
// hosted_game.cc, joins and history in hosted_game_join.cc, the end of a game in
// hosted_game_end.cc.
#include <sys/random.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agents/wire/wire.h"
#include "common/status_macros.h"
#include "server/journal/journal_file.h"
#include "server/journal/record_env.h"
#include "server/local_seat.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
#include "server/service/asio_clock.h"
#include "server/service/game_record.h"
#include "server/service/hosted_game.h"
#include "server/service/hosted_game_internal.h"

namespace nashnet::server {
namespace {

constexpr int64_t kDefaultDeadlineMs = 10000;
constexpr int64_t kDefaultEvictAfter = 3;
// Bounds on the spec's durations and counts, so that `now + deadline` and the eviction count
// stay far from overflow.
constexpr int64_t kMaxRoundDeadlineMs = 86400000;  // a day
constexpr int32_t kMaxEvictAfter = 1000000;
// Rounds an all-local game plays before yielding its strand's thread.
constexpr int64_t kRoundsPerSlice = 256;

uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) != static_cast<ssize_t>(sizeof(seed))) {
    seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return seed;
}

StragglerPolicy ToStragglerPolicy(v1::StragglerPolicy policy) {
  switch (policy) {
    case v1::STRAGGLER_POLICY_REPEAT_LAST:
      return StragglerPolicy::kRepeatLast;
    case v1::STRAGGLER_POLICY_DEFAULT_ACTION:
      return StragglerPolicy::kDefaultAction;
    default:
      return StragglerPolicy::kWait;
  }
}

v1::LearnerSpec LearnerSpecOf(const PlayerLearnerSpec& learner) {
  v1::LearnerSpec spec;
  spec.set_algorithm(learner.algorithm);
  for (const auto& [name, value] : learner.params) (*spec.mutable_params())[name] = value;
  return spec;
}

}  // namespace

absl::Status CheckServiceSpec(const RunPlan& plan) {
  const v1::ServiceSpec& service = plan.spec.service();
  const games::Game& game = *plan.game;
  const int n = game.num_players();
  if (service.round_deadline_ms() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "service.round_deadline_ms: must be >= 0 (0 = 10000), got ", service.round_deadline_ms()));
  }
  if (service.round_deadline_ms() > kMaxRoundDeadlineMs) {
    return absl::InvalidArgumentError(
        absl::StrCat("service.round_deadline_ms: must be <= ", kMaxRoundDeadlineMs,
                     " (a day), got ", service.round_deadline_ms()));
  }
  if (!v1::StragglerPolicy_IsValid(service.straggler())) {
    return absl::InvalidArgumentError(
        absl::StrCat("service.straggler: unknown value ", static_cast<int>(service.straggler())));
  }
  if (service.evict_after() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("service.evict_after: must be >= 0 (0 = 3), got ", service.evict_after()));
  }
  if (service.evict_after() > kMaxEvictAfter) {
    return absl::InvalidArgumentError(absl::StrCat(
        "service.evict_after: must be <= ", kMaxEvictAfter, ", got ", service.evict_after()));
  }
  // Checked for every game (continuous games play the box's centre instead): spec.yaml could not
  // say a negative index.
  if (service.default_action() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "service.default_action: must be >= 0 (an action index), got ", service.default_action()));
  }
  std::set<int> local;
  for (int k = 0; k < service.local_seats_size(); ++k) {
    const int s = service.local_seats(k);
    if (s < 0 || s >= n) {
      return absl::InvalidArgumentError(absl::StrCat("service.local_seats[", k, "]: ", s,
                                                     " is not a seat (game ", game.name(),
                                                     " has seats 0..", n - 1, ")"));
    }
    if (!local.insert(s).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("service.local_seats[", k, "]: seat ", s, " is listed twice"));
    }
  }
  const bool finite = game.action_kind() == games::ActionKind::kFinite;
  auto match = Match::Create(plan.game, plan.match);
  if (!match.ok()) return match.status();
  if (finite) {
    for (int i = 0; i < n; ++i) {
      const int actions = (*match)->ViewFor(i).num_actions;
      if (service.default_action() < 0 || service.default_action() >= actions) {
        return absl::InvalidArgumentError(
            absl::StrCat("service.default_action: ", service.default_action(),
                         " is not an action of player ", i, " (actions 0..", actions - 1, ")"));
      }
    }
  } else if (static_cast<int>(local.size()) < n &&
             plan.match.feedback != agents::FeedbackModel::kBandit) {
    return absl::InvalidArgumentError(
        "feedback.model: continuous games with full, noisy or counterfactual feedback cannot "
        "have remote seats (a payoff function has no wire form); use bandit feedback or make "
        "every seat local (service.local_seats)");
  }
  return absl::OkStatus();
}

HostedGame::HostedGame(HostedGameConfig config)
    : id_(std::move(config.id)),
      plan_(std::move(config.plan)),
      record_dir_(std::move(config.record_dir)),
      relative_record_dir_(std::move(config.relative_record_dir)),
      io_(config.io),
      writer_(config.writer),
      budget_(config.budget),
      service_metrics_(config.metrics),
      env_(config.env != nullptr ? config.env : RecordEnv::Default()),
      journal_(config.journal),
      on_over_(std::move(config.on_over)),
      strand_(boost::asio::make_strand(boost::asio::system_executor())),
      clock_(config.clock),
      batch_(std::make_unique<Batch>()),
      token_rng_(RandomSeed()) {
  // The join token is a secret: it lives in .secrets.json and here, never in the spec we keep.
  join_token_ = plan_.spec.service().join_token();
  plan_.spec.mutable_service()->clear_join_token();
}

HostedGame::~HostedGame() = default;

absl::Status HostedGame::Build() {
  if (clock_ == nullptr) {
    own_clock_ = std::make_unique<AsioClock>(io_, strand_, weak_from_this());
    clock_ = own_clock_.get();
  }
  const RunPlan& plan = plan_;
  const v1::ServiceSpec& service = plan.spec.service();
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<Match> match, Match::Create(plan.game, plan.match));
  RoundLoopConfig config;
  const int n = plan.game->num_players();
  seats_.resize(n);
  config.defaults.resize(n);
  for (int s : service.local_seats()) seats_[s].local = true;
  for (int i = 0; i < n; ++i) {
    Seat& seat = seats_[i];
    const agents::PlayerView view = match->ViewFor(i);
    seat.spec_learner = LearnerSpecOf(plan.learners[i]);
    seat.learner = seat.spec_learner;
    config.remote.push_back(!seat.local);
    seat.dimension = view.box.dimension();  // local seats too: their journaled plays are decoded
    if (seat.local) {
      const PlayerLearnerSpec& l = plan.learners[i];
      NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<agents::Learner> learner,
                               agents::MakeLearner(l.algorithm, l.params, view));
      config.seats.push_back(std::make_unique<LocalSeat>(std::move(learner)));
      continue;
    }
    ++num_remote_;
    config.seats.push_back(std::make_unique<RemoteSeat>(this, i));
    SeatPlay& play = config.defaults[i];
    if (view.finite()) {
      play.action.index = service.default_action();
      play.action.probability = 1.0;
      play.owned.probabilities = Eigen::VectorXd::Zero(view.num_actions);
      play.owned.probabilities[service.default_action()] = 1.0;
      play.strategy = &play.owned;
    } else {
      play.action.point = (view.box.lower + view.box.upper) / 2.0;
    }
  }
  config.match = std::move(match);
  config.clock = clock_;
  config.listener = this;
  RoundLoopOptions& options = config.options;
  options.straggler = ToStragglerPolicy(service.straggler());
  options.deadline = std::chrono::milliseconds(
      service.round_deadline_ms() > 0 ? service.round_deadline_ms() : kDefaultDeadlineMs);
  options.evict_after = service.evict_after() > 0 ? service.evict_after() : kDefaultEvictAfter;
  options.slice_rounds = kRoundsPerSlice;
  NASHNET_ASSIGN_OR_RETURN(loop_, RoundLoop::Create(std::move(config)));
  flush_timer_ = clock_->NewTimer();
  publish_timer_ = clock_->NewTimer();
  last_flush_ = clock_->Now();
  if (service_metrics_ != nullptr) {
    metrics_ = service_metrics_->ForGame(id_, GameShape::Of(*plan.game));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<HostedGame>> HostedGame::Make(HostedGameConfig config) {
  if (config.io == nullptr || config.writer == nullptr || config.budget == nullptr ||
      config.plan.game == nullptr) {
    return absl::InvalidArgumentError("HostedGameConfig: io, writer, budget and plan are needed");
  }
  NASHNET_RETURN_IF_ERROR(CheckServiceSpec(config.plan));
  std::shared_ptr<HostedGame> game(new HostedGame(std::move(config)));
  NASHNET_RETURN_IF_ERROR(game->Build());
  return game;
}

absl::StatusOr<std::shared_ptr<HostedGame>> HostedGame::Create(HostedGameConfig config) {
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<HostedGame> game, Make(std::move(config)));
  for (Seat& seat : game->seats_) {
    if (!seat.local) seat.token = game->NewToken();
  }
  v1::JournalRecord header;
  if (game->journal_.enabled) {
    v1::JournalHeader* h = header.mutable_header();
    h->set_format(1);
    h->set_game_id(game->id_);
    *h->mutable_spec() = game->plan_.spec;
    h->set_record_dir(game->relative_record_dir_);
  }
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<GameRecord> record,
                           GameRecord::Create(game->env_, game->record_dir_, game->plan_.spec,
                                              game->journal_.enabled ? &header : nullptr,
                                              game->plan_.game, game->Secrets()));
  game->record_ = std::move(record);
  return game;
}

GameSecrets HostedGame::Secrets() const {
  GameSecrets secrets;
  secrets.join_token = join_token_;
  for (const Seat& seat : seats_) secrets.seat_tokens.push_back(seat.token);
  return secrets;
}

void HostedGame::Begin() {
  ReportSeats();  // every remote seat vacant until its agent comes (a recovered game's total)
  if (finish_on_begin_) {
    finish_on_begin_ = false;
    Finish();
    return;
  }
  if (num_remote_ == 0 && loop_->TryStart()) Drive();
}

std::string HostedGame::NewToken() {
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx",
                static_cast<unsigned long long>(token_rng_.Next()),
                static_cast<unsigned long long>(token_rng_.Next()));
  return text;
}

}  // namespace nashnet::server

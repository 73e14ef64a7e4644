// HostedGame: the service spec's checks, creation (match, local learners, run record) and seat
// tokens. The round loop is in hosted_game.cc, the end of a game in hosted_game_end.cc.
#include <sys/random.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/metrics/game_metrics.h"
#include "server/metrics/service_metrics.h"
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

uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) != static_cast<ssize_t>(sizeof(seed))) {
    seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return seed;
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
      io_(config.io),
      writer_(config.writer),
      budget_(config.budget),
      service_metrics_(config.metrics),
      on_over_(std::move(config.on_over)),
      strand_(boost::asio::make_strand(boost::asio::system_executor())),
      timer_(*config.io),
      token_rng_(RandomSeed()) {}

HostedGame::~HostedGame() = default;

absl::StatusOr<std::shared_ptr<HostedGame>> HostedGame::Create(HostedGameConfig config) {
  if (config.io == nullptr || config.writer == nullptr || config.budget == nullptr ||
      config.plan.game == nullptr) {
    return absl::InvalidArgumentError("HostedGameConfig: io, writer, budget and plan are needed");
  }
  NASHNET_RETURN_IF_ERROR(CheckServiceSpec(config.plan));
  std::shared_ptr<HostedGame> game(new HostedGame(std::move(config)));
  const RunPlan& plan = game->plan_;
  const v1::ServiceSpec& service = plan.spec.service();
  NASHNET_ASSIGN_OR_RETURN(game->match_, Match::Create(plan.game, plan.match));
  if (service.round_deadline_ms() > 0) game->deadline_ms_ = service.round_deadline_ms();
  if (service.straggler() != v1::STRAGGLER_POLICY_UNSPECIFIED) {
    game->straggler_ = service.straggler();
  }
  game->evict_after_ = service.evict_after() > 0 ? service.evict_after() : kDefaultEvictAfter;
  if (service.round_deadline_ms() == 0) game->deadline_ms_ = kDefaultDeadlineMs;

  const int n = plan.game->num_players();
  game->seats_.resize(n);
  game->feedback_.resize(n);
  for (int s : service.local_seats()) game->seats_[s].local = true;
  for (int i = 0; i < n; ++i) {
    Seat& seat = game->seats_[i];
    const agents::PlayerView view = game->match_->ViewFor(i);
    if (seat.local) {
      const PlayerLearnerSpec& l = plan.learners[i];
      NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<agents::Learner> learner,
                               agents::MakeLearner(l.algorithm, l.params, view));
      seat.local_index = static_cast<int>(game->locals_.size());
      game->locals_.emplace_back(i, std::move(learner));
      continue;
    }
    ++game->num_remote_;
    seat.dimension = view.box.dimension();
    if (view.finite()) {
      seat.default_action.index = service.default_action();
      seat.default_action.probability = 1.0;
      seat.default_strategy.probabilities = Eigen::VectorXd::Zero(view.num_actions);
      seat.default_strategy.probabilities[service.default_action()] = 1.0;
      seat.default_has_strategy = true;
    } else {
      seat.default_action.point = (view.box.lower + view.box.upper) / 2.0;
    }
  }
  NASHNET_ASSIGN_OR_RETURN(RunRecord record, RunRecord::Create(game->record_dir_, plan.spec));
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<RoundsCsvWriter> rounds,
                           record.OpenRounds(plan.match.seed, plan.game));
  game->record_ = std::make_shared<Record>(Record{std::move(record), std::move(rounds)});
  if (game->service_metrics_ != nullptr) {
    game->metrics_ = game->service_metrics_->ForGame(game->id_, GameShape::Of(*plan.game));
  }
  return game;
}

void HostedGame::Begin() {
  if (num_remote_ == 0 && !started_ && !over_) StartPlay();
}

std::string HostedGame::NewToken() {
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx",
                static_cast<unsigned long long>(token_rng_.Next()),
                static_cast<unsigned long long>(token_rng_.Next()));
  return text;
}

}  // namespace nashnet::server

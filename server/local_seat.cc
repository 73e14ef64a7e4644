#include "server/local_seat.h"

#include <utility>

namespace nashnet::server {

LocalSeat::LocalSeat(int player, std::unique_ptr<agents::Learner> learner)
    : player_(player), learner_(std::move(learner)) {}

absl::Status LocalSeat::Play(Match* match) {
  const agents::MixedStrategy& strategy = learner_->strategy();
  const agents::Action action = learner_->Act();
  match->SubmitActionUnchecked(player_, action, &strategy);  // our own learner: valid by design
  return absl::OkStatus();
}

}  // namespace nashnet::server

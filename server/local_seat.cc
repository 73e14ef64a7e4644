#include "server/local_seat.h"

#include <utility>

namespace nashnet::server {

LocalSeat::LocalSeat(std::unique_ptr<agents::Learner> learner) : learner_(std::move(learner)) {}

bool LocalSeat::BeginRound(int64_t /*round*/, SeatPlay* play) {
  play->strategy = &learner_->strategy();
  play->action = learner_->Act();
  return true;
}

void LocalSeat::EndRound(int64_t /*round*/, const SeatPlay& /*play*/, bool /*substituted*/,
                         const agents::Feedback& feedback) {
  learner_->Update(feedback);
}

void LocalSeat::Lose(SeatLoss /*why*/, int64_t /*missed*/) {}

}  // namespace nashnet::server

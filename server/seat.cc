#include "server/seat.h"

namespace nashnet::server {

SeatPlay& SeatPlay::operator=(const SeatPlay& other) {
  if (this == &other) return *this;
  action = other.action;
  if (other.strategy == nullptr) {
    strategy = nullptr;
    return *this;
  }
  owned.probabilities = other.strategy->probabilities;
  owned.cell_lower = other.strategy->cell_lower;
  owned.cell_upper = other.strategy->cell_upper;
  strategy = &owned;
  return *this;
}

}  // namespace nashnet::server

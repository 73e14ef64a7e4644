// FiniteGame: the non-virtual helpers shared by every finite game.
#include "games/finite_game.h"

#include <cstdint>
#include <limits>

namespace nashnet::games {

int64_t FiniteGame::num_profiles() const {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total = 1;
  for (int i = 0; i < num_players(); ++i) {
    const int64_t n = num_actions(i);
    if (n <= 0) return 0;
    if (total > kMax / n) return kMax;  // saturate rather than overflow
    total *= n;
  }
  return total;
}

}  // namespace nashnet::games

#include "games/footprint.h"

#include <algorithm>
#include <map>

namespace nashnet::games {
namespace {

// sizeof(std::string), sizeof(std::vector<T>), sizeof(Eigen::VectorXd) on LP64 libstdc++.
constexpr int64_t kStringBytes = 32;
constexpr int64_t kVectorBytes = 24;
constexpr int64_t kEigenVectorBytes = 16;

}  // namespace

int64_t GameFootprint::total_actions() const {
  int64_t total = 0;
  for (const auto& [actions, count] : action_groups) total += actions * count;
  return total;
}

int64_t GameFootprint::max_actions() const {
  int64_t most = 0;
  for (const auto& [actions, count] : action_groups) most = std::max(most, actions);
  return most;
}

GameFootprint TensorFootprint(const std::vector<int64_t>& num_actions, std::string label) {
  GameFootprint f;
  f.kind = ActionKind::kFinite;
  f.players = static_cast<int64_t>(num_actions.size());
  f.label = std::move(label);
  std::map<int64_t, int64_t> groups;
  int64_t profiles = 1;
  int64_t names = 0;  // strategy-name buffers: one std::string per action ("1", "2", ...)
  for (int64_t a : num_actions) {
    ++groups[a];
    profiles = profiles > GameFootprint::kManyProfiles / std::max<int64_t>(a, 1)
                   ? GameFootprint::kManyProfiles
                   : profiles * a;
    names += HeapBytes(kStringBytes * a);
  }
  f.action_groups.assign(groups.begin(), groups.end());
  f.profiles = profiles;
  const int64_t n = f.players;
  // NormalFormGameData::payoffs (N std::vectors of P doubles) and NormalFormGame::payoffs_ (their
  // Eigen copies); player names ("Player 7" fits std::string's inline buffer) and strategy names.
  const int64_t tensor = n * (kVectorBytes + kEigenVectorBytes + 2 * DoublesBytes(profiles));
  f.game_bytes = tensor + n * kStringBytes + n * kVectorBytes + names;
  // N > 2: MixedPayoffVectors keeps two per-thread buffers of up to P / |A_N| doubles.
  if (n > 2 && !num_actions.empty()) {
    f.game_bytes += 2 * DoublesBytes(profiles / std::max<int64_t>(num_actions.back(), 1));
  }
  // Mixed payoff vectors: each player's tensor contracted with the others' strategies, the first
  // mat-vec reading all P entries and the later ones a shrinking remainder (<= P in all); pure
  // payoff vectors: |A_i| entries per player, each an index computation over N players.
  f.payoff_work = 2.0 * static_cast<double>(n) * static_cast<double>(profiles) +
                  static_cast<double>(n) * static_cast<double>(f.total_actions());
  return f;
}

}  // namespace nashnet::games

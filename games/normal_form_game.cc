// NormalFormGame: construction checks and the payoff-vector kernels (the simulator's hot path).
#include "games/normal_form_game.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nashnet::games {
namespace {

using ConstMatrixMap = Eigen::Map<const Eigen::MatrixXd>;
using ConstVectorMap = Eigen::Map<const Eigen::VectorXd>;
using VectorMap = Eigen::Map<Eigen::VectorXd>;

// Π n_i, or -1 when it overflows int64.
int64_t CheckedProduct(const std::vector<int>& counts) {
  int64_t total = 1;
  for (int n : counts) {
    if (total > std::numeric_limits<int64_t>::max() / n) return -1;
    total *= n;
  }
  return total;
}

std::string DefaultGameName(const std::vector<int>& counts) {
  std::string name = "normal_form(";
  for (size_t i = 0; i < counts.size(); ++i) {
    absl::StrAppend(&name, i == 0 ? "" : "x", counts[i]);
  }
  return name + ")";
}

}  // namespace

absl::StatusOr<std::shared_ptr<const NormalFormGame>> NormalFormGame::Create(
    NormalFormGameData data) {
  const std::vector<int>& counts = data.num_actions;
  if (counts.empty()) {
    return absl::InvalidArgumentError("num_actions: a game needs at least one player");
  }
  const int n = static_cast<int>(counts.size());
  for (int i = 0; i < n; ++i) {
    if (counts[i] < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "num_actions[%d] is %d; every player needs at least one action", i, counts[i]));
    }
  }
  const int64_t profiles = CheckedProduct(counts);
  if (profiles < 0) {
    return absl::InvalidArgumentError("num_actions: the number of pure profiles overflows int64");
  }
  if (data.player_names.empty()) {
    for (int i = 0; i < n; ++i) data.player_names.push_back(absl::StrCat("Player ", i + 1));
  } else if (static_cast<int>(data.player_names.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrFormat("player_names has %d entries for %d players (leave it empty for defaults)",
                        data.player_names.size(), n));
  }
  if (data.strategy_names.empty()) {
    data.strategy_names.resize(n);
    for (int i = 0; i < n; ++i) {
      for (int a = 0; a < counts[i]; ++a) data.strategy_names[i].push_back(absl::StrCat(a + 1));
    }
  } else if (static_cast<int>(data.strategy_names.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "strategy_names has %d entries for %d players (leave it empty for defaults)",
        data.strategy_names.size(), n));
  }
  for (int i = 0; i < n; ++i) {
    if (static_cast<int64_t>(data.strategy_names[i].size()) != counts[i]) {
      return absl::InvalidArgumentError(
          absl::StrFormat("strategy_names[%d] has %d names but num_actions[%d] is %d", i,
                          data.strategy_names[i].size(), i, counts[i]));
    }
  }
  if (static_cast<int>(data.payoffs.size()) != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "payoffs has %d entries for %d players (one tensor per player)", data.payoffs.size(), n));
  }
  for (int i = 0; i < n; ++i) {
    const std::vector<double>& p = data.payoffs[i];
    if (static_cast<int64_t>(p.size()) != profiles) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "payoffs[%d] has %d entries but the game has %d pure profiles", i, p.size(), profiles));
    }
    for (size_t k = 0; k < p.size(); ++k) {
      if (!std::isfinite(p[k])) {
        return absl::InvalidArgumentError(
            absl::StrFormat("payoffs[%d][%d] is %f; payoffs must be finite", i, k, p[k]));
      }
    }
  }
  return std::shared_ptr<const NormalFormGame>(new NormalFormGame(std::move(data)));
}

NormalFormGame::NormalFormGame(NormalFormGameData data)
    : FiniteGame(data.title.empty() ? DefaultGameName(data.num_actions) : data.title),
      data_(std::move(data)) {
  const int n = static_cast<int>(data_.num_actions.size());
  int64_t stride = 1;
  range_ = {.min = std::numeric_limits<double>::infinity(),
            .max = -std::numeric_limits<double>::infinity()};
  for (int i = 0; i < n; ++i) {
    strides_.push_back(stride);
    stride *= data_.num_actions[i];
    payoffs_.push_back(ConstVectorMap(data_.payoffs[i].data(),
                                      static_cast<Eigen::Index>(data_.payoffs[i].size())));
    range_.min = std::min(range_.min, payoffs_[i].minCoeff());
    range_.max = std::max(range_.max, payoffs_[i].maxCoeff());
  }
}

int NormalFormGame::num_players() const { return static_cast<int>(data_.num_actions.size()); }

PayoffRange NormalFormGame::payoff_range() const { return range_; }

int NormalFormGame::num_actions(int player) const { return data_.num_actions[player]; }

const Eigen::VectorXd& NormalFormGame::payoffs(int player) const { return payoffs_[player]; }

int64_t NormalFormGame::ProfileIndex(std::span<const int> profile) const {
  int64_t index = 0;
  for (size_t i = 0; i < strides_.size(); ++i) index += profile[i] * strides_[i];
  return index;
}

PureProfile NormalFormGame::ProfileAt(int64_t index) const {
  PureProfile profile(strides_.size());
  for (size_t i = 0; i < profile.size(); ++i) {
    profile[i] = static_cast<int>(index % data_.num_actions[i]);
    index /= data_.num_actions[i];
  }
  return profile;
}

double NormalFormGame::PurePayoff(int player, std::span<const int> profile) const {
  return payoffs_[player][ProfileIndex(profile)];
}

void NormalFormGame::MixedPayoffVectors(const MixedProfile& x,
                                        std::vector<Eigen::VectorXd>* v) const {
  const int n = num_players();
  v->resize(n);
  const std::vector<int>& counts = data_.num_actions;
  if (n == 2) {
    // v0 = M0·x1 and v1 = M1ᵀ·x0, with M_i(a0, a1) = u_i(a0, a1) column-major (Gambit order).
    (*v)[0].resize(counts[0]);
    (*v)[1].resize(counts[1]);
    (*v)[0].noalias() = ConstMatrixMap(payoffs_[0].data(), counts[0], counts[1]) * x[1];
    (*v)[1].noalias() = ConstMatrixMap(payoffs_[1].data(), counts[0], counts[1]).transpose() * x[0];
    return;
  }
  // N players: contract player i's tensor with every other player's strategy, the slowest-varying
  // players first (a mat-vec on the trailing index), then the fastest (a transposed mat-vec on the
  // leading index). Two reusable per-thread buffers hold the one live intermediate and its result
  // (they keep up to P / n_N doubles per calling thread, so later calls allocate nothing).
  thread_local std::vector<double> buffers[2];
  for (int i = 0; i < n; ++i) {
    const double* src = payoffs_[i].data();
    int64_t size = payoffs_[i].size();
    int next = 0;
    auto target = [&](int64_t length) {
      std::vector<double>& buffer = buffers[next];
      if (static_cast<int64_t>(buffer.size()) < length) buffer.resize(length);
      next ^= 1;
      return buffer.data();
    };
    for (int j = n - 1; j > i; --j) {
      const int64_t rows = size / counts[j];
      double* dst = target(rows);
      VectorMap(dst, rows).noalias() = ConstMatrixMap(src, rows, counts[j]) * x[j];
      src = dst;
      size = rows;
    }
    for (int j = 0; j < i; ++j) {
      const int64_t cols = size / counts[j];
      double* dst = target(cols);
      VectorMap(dst, cols).noalias() = ConstMatrixMap(src, counts[j], cols).transpose() * x[j];
      src = dst;
      size = cols;
    }
    (*v)[i] = ConstVectorMap(src, counts[i]);
  }
}

void NormalFormGame::PurePayoffVectors(std::span<const int> profile,
                                       std::vector<Eigen::VectorXd>* v) const {
  const int n = num_players();
  v->resize(n);
  const int64_t index = ProfileIndex(profile);
  for (int i = 0; i < n; ++i) {
    const int64_t base = index - profile[i] * strides_[i];
    (*v)[i] = Eigen::Map<const Eigen::VectorXd, 0, Eigen::InnerStride<>>(
        payoffs_[i].data() + base, data_.num_actions[i], Eigen::InnerStride<>(strides_[i]));
  }
}

}  // namespace nashnet::games

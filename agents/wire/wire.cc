// Wire forms of the agents' types (see wire.h). Vectors are copied element by element into the
// proto's repeated doubles (and back), so every bit of every double survives, NaN payloads and
// denormals included. The *ToProto functions overwrite every field they own, so a caller may
// reuse one message per round without clearing it (the agent's hot loop does).
#include "agents/wire/wire.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"

namespace nashnet::agents {
namespace {

// Copies n doubles into `out`, reusing its capacity.
void CopyToRepeated(const double* values, Eigen::Index n,
                    google::protobuf::RepeatedField<double>* out) {
  out->Resize(static_cast<int>(n), 0.0);
  double* data = out->mutable_data();
  for (Eigen::Index k = 0; k < n; ++k) data[k] = values[k];
}

template <typename Dense>
void CopyToRepeated(const Dense& values, google::protobuf::RepeatedField<double>* out) {
  CopyToRepeated(values.data(), values.size(), out);
}

Eigen::VectorXd VectorFromRepeated(const google::protobuf::RepeatedField<double>& values) {
  Eigen::VectorXd out(values.size());
  for (int k = 0; k < values.size(); ++k) out[k] = values.Get(k);
  return out;
}

// InvalidArgument naming `field[k]` for the first non-finite entry.
absl::Status CheckFinite(const google::protobuf::RepeatedField<double>& values,
                         absl::string_view field) {
  for (int k = 0; k < values.size(); ++k) {
    if (!std::isfinite(values.Get(k))) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", k, "]: not finite (", values.Get(k), ")"));
    }
  }
  return absl::OkStatus();
}

// MixedStrategyFromProto with the field path of the strategy for error messages.
absl::StatusOr<MixedStrategy> StrategyFromProto(const v1::MixedStrategy& strategy, int dimension,
                                                absl::string_view field) {
  if (dimension < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": dimension ", dimension, " is negative"));
  }
  MixedStrategy out;
  out.probabilities = VectorFromRepeated(strategy.probabilities());
  const int64_t cells = strategy.probabilities_size();
  if (dimension == 0) {
    if (strategy.cell_lower_size() != 0 || strategy.cell_upper_size() != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": a finite game's strategy has no cells (cell_lower has ",
          strategy.cell_lower_size(), " values, cell_upper ", strategy.cell_upper_size(), ")"));
    }
    return out;
  }
  const int64_t expected = cells * dimension;
  for (const auto& [name, values] :
       {std::pair<absl::string_view, const google::protobuf::RepeatedField<double>*>{
            "cell_lower", &strategy.cell_lower()},
        {"cell_upper", &strategy.cell_upper()}}) {
    if (values->size() != expected) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".", name, ": ", values->size(),
                                                     " values, expected cells × d = ", cells, " × ",
                                                     dimension, " = ", expected));
    }
    NASHNET_RETURN_IF_ERROR(CheckFinite(*values, absl::StrCat(field, ".", name)));
  }
  // Column k of the d × cells matrices is cell k's corner: column-major storage is exactly the
  // proto's flattening (cell k at [k*d, k*d+d)).
  out.cell_lower.resize(dimension, cells);
  out.cell_upper.resize(dimension, cells);
  for (int64_t k = 0; k < expected; ++k) {
    out.cell_lower.data()[k] = strategy.cell_lower(static_cast<int>(k));
    out.cell_upper.data()[k] = strategy.cell_upper(static_cast<int>(k));
  }
  return out;
}

}  // namespace

v1::FeedbackModel FeedbackModelToProto(FeedbackModel model) {
  switch (model) {
    case FeedbackModel::kFull:
      return v1::FEEDBACK_MODEL_FULL;
    case FeedbackModel::kNoisy:
      return v1::FEEDBACK_MODEL_NOISY;
    case FeedbackModel::kCounterfactual:
      return v1::FEEDBACK_MODEL_COUNTERFACTUAL;
    case FeedbackModel::kBandit:
      return v1::FEEDBACK_MODEL_BANDIT;
  }
  return v1::FEEDBACK_MODEL_FULL;
}

FeedbackModel FeedbackModelFromProto(v1::FeedbackModel model) {
  switch (model) {
    case v1::FEEDBACK_MODEL_NOISY:
      return FeedbackModel::kNoisy;
    case v1::FEEDBACK_MODEL_COUNTERFACTUAL:
      return FeedbackModel::kCounterfactual;
    case v1::FEEDBACK_MODEL_BANDIT:
      return FeedbackModel::kBandit;
    default:  // UNSPECIFIED (and values from a newer protocol) read as full
      return FeedbackModel::kFull;
  }
}

void PlayerViewToProto(const PlayerView& view, v1::PlayerView* out) {
  out->set_player(view.player);
  out->set_num_players(view.num_players);
  out->set_num_actions(view.num_actions);
  CopyToRepeated(view.box.lower, out->mutable_box()->mutable_lower());
  CopyToRepeated(view.box.upper, out->mutable_box()->mutable_upper());
  out->set_payoff_min(view.payoff_range.min);
  out->set_payoff_max(view.payoff_range.max);
  out->set_feedback(FeedbackModelToProto(view.feedback));
  out->set_horizon(view.horizon);
  out->set_seed(view.seed);
}

absl::StatusOr<PlayerView> PlayerViewFromProto(const v1::PlayerView& view) {
  auto invalid = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat("view.", parts...));
  };
  if (view.num_players() < 1) {
    return invalid("num_players: ", view.num_players(), " (a game has at least one player)");
  }
  if (view.player() < 0 || view.player() >= view.num_players()) {
    return invalid("player: ", view.player(), " is not a player of a ", view.num_players(),
                   "-player game");
  }
  if (view.num_actions() < 0) return invalid("num_actions: ", view.num_actions(), " is negative");
  const v1::Box& box = view.box();
  if (box.lower_size() != box.upper_size()) {
    return invalid("box: lower has ", box.lower_size(), " values, upper ", box.upper_size());
  }
  if (view.num_actions() > 0 && box.lower_size() > 0) {
    return invalid("box: a finite game (num_actions ", view.num_actions(), ") has no box");
  }
  if (view.num_actions() == 0 && box.lower_size() == 0) {
    return invalid("box: a continuous game (num_actions 0) needs a non-empty box");
  }
  NASHNET_RETURN_IF_ERROR(CheckFinite(box.lower(), "view.box.lower"));
  NASHNET_RETURN_IF_ERROR(CheckFinite(box.upper(), "view.box.upper"));
  for (int k = 0; k < box.lower_size(); ++k) {
    if (box.lower(k) > box.upper(k)) {
      return invalid("box: lower[", k, "] = ", box.lower(k), " > upper[", k, "] = ", box.upper(k));
    }
  }
  if (!std::isfinite(view.payoff_min()) || !std::isfinite(view.payoff_max()) ||
      view.payoff_min() > view.payoff_max()) {
    return invalid("payoff_min/payoff_max: [", view.payoff_min(), ", ", view.payoff_max(),
                   "] is not a finite range");
  }
  if (view.horizon() < 0) return invalid("horizon: ", view.horizon(), " is negative");

  PlayerView out;
  out.player = view.player();
  out.num_players = view.num_players();
  out.num_actions = view.num_actions();
  out.box.lower = VectorFromRepeated(box.lower());
  out.box.upper = VectorFromRepeated(box.upper());
  out.payoff_range = {.min = view.payoff_min(), .max = view.payoff_max()};
  out.feedback = FeedbackModelFromProto(view.feedback());
  out.horizon = view.horizon();
  out.seed = view.seed();
  return out;
}

void MixedStrategyToProto(const MixedStrategy& strategy, v1::MixedStrategy* out) {
  CopyToRepeated(strategy.probabilities, out->mutable_probabilities());
  CopyToRepeated(strategy.cell_lower, out->mutable_cell_lower());
  CopyToRepeated(strategy.cell_upper, out->mutable_cell_upper());
}

absl::StatusOr<MixedStrategy> MixedStrategyFromProto(const v1::MixedStrategy& strategy,
                                                     int dimension) {
  return StrategyFromProto(strategy, dimension, "strategy");
}

void ActionToProto(int64_t round, const Action& action, const MixedStrategy* strategy,
                   v1::Action* out) {
  out->set_round(round);
  if (action.point.size() > 0) {
    CopyToRepeated(action.point, out->mutable_point()->mutable_coordinates());
  } else {
    out->set_index(action.index);
  }
  if (strategy != nullptr) {
    MixedStrategyToProto(*strategy, out->mutable_strategy());
  } else {
    out->clear_strategy();
  }
  if (std::isfinite(action.probability)) {
    out->set_probability(action.probability);
  } else {
    out->clear_probability_given();
  }
}

absl::StatusOr<WireAction> ActionFromProto(const v1::Action& action, int dimension) {
  WireAction out;
  out.round = action.round();
  const bool finite = dimension == 0;
  switch (action.played_case()) {
    case v1::Action::kIndex:
      if (!finite) {
        return absl::InvalidArgumentError(absl::StrCat(
            "action.index: the game is continuous (its actions are points in [lower, upper]^",
            dimension, "); send action.point"));
      }
      if (action.index() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("action.index: ", action.index(), " is negative (indices start at 0)"));
      }
      out.action.index = action.index();
      break;
    case v1::Action::kPoint:
      if (finite) {
        return absl::InvalidArgumentError(
            "action.point: the game is finite (its actions are indices); send action.index");
      }
      if (action.point().coordinates().empty()) {
        // Not a point at all (agents::Action tells index from point by the point's size).
        return absl::InvalidArgumentError(absl::StrCat(
            "action.point.coordinates: empty (a point of [lower, upper]^", dimension, ")"));
      }
      NASHNET_RETURN_IF_ERROR(
          CheckFinite(action.point().coordinates(), "action.point.coordinates"));
      out.action.point = VectorFromRepeated(action.point().coordinates());
      break;
    case v1::Action::PLAYED_NOT_SET:
      return absl::InvalidArgumentError(
          "action.played: not set (an Action carries index or point)");
  }
  if (action.has_strategy()) {
    NASHNET_ASSIGN_OR_RETURN(out.strategy,
                             StrategyFromProto(action.strategy(), dimension, "action.strategy"));
    out.has_strategy = true;
  }
  if (action.has_probability()) {
    if (!std::isfinite(action.probability())) {
      return absl::InvalidArgumentError(absl::StrCat("action.probability: not finite (",
                                                     action.probability(),
                                                     "); leave it unset when unknown"));
    }
    // The probability of the played action (finite games) or its density (continuous games).
    const double p = action.probability();
    if (p < 0.0 || (finite && p > 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("action.probability: ", p, finite ? " is not in [0, 1]" : " is negative",
                       " (the ", finite ? "probability" : "density",
                       " of the played action; leave it unset when unknown)"));
    }
    out.action.probability = p;
  }
  return out;
}

void FeedbackToProto(const Feedback& feedback, const Action& played, bool substituted,
                     v1::Feedback* out) {
  out->set_round(feedback.round);
  out->set_payoff(feedback.payoff);
  CopyToRepeated(feedback.payoff_vector, out->mutable_payoff_vector());
  if (played.point.size() > 0) {
    CopyToRepeated(played.point, out->mutable_point()->mutable_coordinates());
  } else {
    out->set_index(played.index);
  }
  out->set_substituted(substituted);
}

Feedback FeedbackFromProto(const v1::Feedback& feedback) {
  Feedback out;
  out.round = feedback.round();
  out.payoff = feedback.payoff();
  out.payoff_vector = VectorFromRepeated(feedback.payoff_vector());
  return out;
}

}  // namespace nashnet::agents

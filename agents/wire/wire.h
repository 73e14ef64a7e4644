// Wire forms: agents' types (agents/learner.h) ⇄ the protocol's messages (nashnet/v1/*.proto).
//
// Both ends of Coordinator.Play use these: the coordinator turns a PlayerView into Joined.view
// and an Action message into agents::Action; nashnet-agent does the reverse. Doubles travel as
// proto doubles, so a value survives the trip bit for bit — which is what makes `nashnet run`
// reproduce `nashnet simulate` exactly.
//
// The *FromProto functions check the *shape* of a message (a oneof that is set, vectors of
// consistent lengths, finite numbers where the protocol requires them) and return
// InvalidArgument naming the field ("action.point.coordinates[2]: not finite"); whether an action
// fits the game (index in range, dimension, probabilities summing to 1) is the match's check
// (server::Match::SubmitAction), which names its own fault.
//
// Thread safety: free functions, no shared state.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/learner.h"
#include "nashnet/v1/coordinator.pb.h"

namespace nashnet::agents {

// FeedbackModel ⇄ v1::FeedbackModel (UNSPECIFIED reads as full).
[[nodiscard]] v1::FeedbackModel FeedbackModelToProto(FeedbackModel model);
[[nodiscard]] FeedbackModel FeedbackModelFromProto(v1::FeedbackModel model);

void PlayerViewToProto(const PlayerView& view, v1::PlayerView* out);
// InvalidArgument for a view no learner could play: num_players < 1, player out of range,
// num_actions < 0, finite with a box / continuous without one, box lower/upper of different
// lengths or lower > upper or non-finite, payoff_min > payoff_max, horizon < 0.
[[nodiscard]] absl::StatusOr<PlayerView> PlayerViewFromProto(const v1::PlayerView& view);

// The strategy in wire form (continuous: cells flattened as the proto says, d = rows).
void MixedStrategyToProto(const MixedStrategy& strategy, v1::MixedStrategy* out);
// `dimension` is the action space's d (0 for finite games). InvalidArgument if cell_lower /
// cell_upper are not (cells × d) long, or finite games carry cells.
[[nodiscard]] absl::StatusOr<MixedStrategy> MixedStrategyFromProto(
    const v1::MixedStrategy& strategy, int dimension);

// Action{round, index | point, strategy (if given), probability (if finite)}.
void ActionToProto(int64_t round, const Action& action, const MixedStrategy* strategy,
                   v1::Action* out);

// An Action message as the coordinator reads it.
struct WireAction {
  int64_t round = 0;
  Action action;
  bool has_strategy = false;
  MixedStrategy strategy;
};
// Shape checks only (see the file comment): `played` must be set; `dimension` as above.
[[nodiscard]] absl::StatusOr<WireAction> ActionFromProto(const v1::Action& action, int dimension);

// Feedback{round, payoff, payoff_vector, played, substituted}. Continuous full-information
// feedback (a payoff function) has no wire form: the coordinator refuses such games for remote
// seats, so `feedback.payoff_function` is ignored here.
void FeedbackToProto(const Feedback& feedback, const Action& played, bool substituted,
                     v1::Feedback* out);
[[nodiscard]] Feedback FeedbackFromProto(const v1::Feedback& feedback);

}  // namespace nashnet::agents

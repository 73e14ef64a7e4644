// Fuzz target: the wire decoders (agents/wire/wire.h), fed serialized protocol messages as they
// arrive on a Play stream.
//
// Input: byte 0 picks what the rest is (bits 0-1) and the action space's dimension d (bits 2-5,
// d = value - 1, so -1 .. 14; 0 = a finite game); bytes 1.. are the serialized message:
//   0  AgentMessage        (the coordinator's read: Action → ActionFromProto)
//   1  CoordinatorMessage  (the agent's read: Joined.view → PlayerViewFromProto, Feedback →
//                           FeedbackFromProto, History rounds → both)
//   2  MixedStrategy       (MixedStrategyFromProto)
//   3  PlayerView          (PlayerViewFromProto)
// For any bytes no decoder crashes, hangs or leaks, and a rejection is InvalidArgument naming the
// field ("action.…", "view.…", "strategy…"). What a decoder accepts, encoded again by its
// *ToProto partner, decodes to the same value, every double bit for bit (wire.h's promise).
#include "agents/wire/wire.h"

#include <google/protobuf/stubs/logging.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"

namespace nashnet::fuzz {
namespace {

bool SameBits(const double* a, const double* b, Eigen::Index n) {
  return n == 0 || std::memcmp(a, b, sizeof(double) * static_cast<size_t>(n)) == 0;
}
bool SameBits(double a, double b) { return SameBits(&a, &b, 1); }
template <typename Dense>
bool SameBits(const Dense& a, const Dense& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && SameBits(a.data(), b.data(), a.size());
}

bool SameStrategy(const agents::MixedStrategy& a, const agents::MixedStrategy& b) {
  return SameBits(a.probabilities, b.probabilities) && SameBits(a.cell_lower, b.cell_lower) &&
         SameBits(a.cell_upper, b.cell_upper);
}

void CheckStrategy(const v1::MixedStrategy& message, int dimension) {
  auto strategy = agents::MixedStrategyFromProto(message, dimension);
  Note(strategy.ok() ? "strategy accepted" : strategy.status().ToString());
  if (!strategy.ok()) {
    NASHNET_FUZZ_CHECK(IsNamedRejection(strategy.status(), "strategy"),
                       strategy.status().ToString());
    return;
  }
  v1::MixedStrategy encoded;
  agents::MixedStrategyToProto(*strategy, &encoded);
  auto again = agents::MixedStrategyFromProto(encoded, dimension);
  NASHNET_FUZZ_CHECK(again.ok(), again.status().ToString());
  NASHNET_FUZZ_CHECK(SameStrategy(*strategy, *again), encoded.DebugString());
}

void CheckAction(const v1::Action& message, int dimension) {
  auto action = agents::ActionFromProto(message, dimension);
  Note(action.ok() ? "action accepted" : action.status().ToString());
  if (!action.ok()) {
    NASHNET_FUZZ_CHECK(IsNamedRejection(action.status(), "action."), action.status().ToString());
    return;
  }
  v1::Action encoded;
  agents::ActionToProto(action->round, action->action,
                        action->has_strategy ? &action->strategy : nullptr, &encoded);
  auto again = agents::ActionFromProto(encoded, dimension);
  NASHNET_FUZZ_CHECK(again.ok(),
                     absl::StrCat(again.status().ToString(), "\n", encoded.DebugString()));
  const agents::Action& a = action->action;
  const agents::Action& b = again->action;
  const bool same = action->round == again->round && a.index == b.index &&
                    SameBits(a.point, b.point) &&
                    (SameBits(a.probability, b.probability) ||
                     (std::isnan(a.probability) && std::isnan(b.probability))) &&
                    action->has_strategy == again->has_strategy &&
                    SameStrategy(action->strategy, again->strategy);
  NASHNET_FUZZ_CHECK(
      same, absl::StrCat("read:\n", message.DebugString(), "re-encoded:\n", encoded.DebugString()));
}

void CheckFeedback(const v1::Feedback& message) {
  Note("feedback");
  const agents::Feedback feedback = agents::FeedbackFromProto(message);
  agents::Action played;
  if (message.has_point()) {
    played.point.resize(message.point().coordinates_size());
    for (int k = 0; k < message.point().coordinates_size(); ++k) {
      played.point[k] = message.point().coordinates(k);
    }
  } else {
    played.index = message.index();
  }
  v1::Feedback encoded;
  agents::FeedbackToProto(feedback, played, message.substituted(), &encoded);
  const agents::Feedback again = agents::FeedbackFromProto(encoded);
  NASHNET_FUZZ_CHECK(feedback.round == again.round && SameBits(feedback.payoff, again.payoff) &&
                         SameBits(feedback.payoff_vector, again.payoff_vector) &&
                         encoded.substituted() == message.substituted(),
                     encoded.DebugString());
}

void CheckView(const v1::PlayerView& message) {
  // Unknown enum values (a newer protocol) read as full feedback; known ones survive the trip.
  const agents::FeedbackModel model = agents::FeedbackModelFromProto(message.feedback());
  NASHNET_FUZZ_CHECK(agents::FeedbackModelFromProto(agents::FeedbackModelToProto(model)) == model,
                     "");
  auto view = agents::PlayerViewFromProto(message);
  Note(view.ok() ? "view accepted" : view.status().ToString());
  if (!view.ok()) {
    NASHNET_FUZZ_CHECK(IsNamedRejection(view.status(), "view."), view.status().ToString());
    return;
  }
  v1::PlayerView encoded;
  agents::PlayerViewToProto(*view, &encoded);
  auto again = agents::PlayerViewFromProto(encoded);
  NASHNET_FUZZ_CHECK(again.ok(), again.status().ToString());
  const agents::PlayerView& a = *view;
  const agents::PlayerView& b = *again;
  NASHNET_FUZZ_CHECK(a.player == b.player && a.num_players == b.num_players &&
                         a.num_actions == b.num_actions && SameBits(a.box.lower, b.box.lower) &&
                         SameBits(a.box.upper, b.box.upper) &&
                         SameBits(a.payoff_range.min, b.payoff_range.min) &&
                         SameBits(a.payoff_range.max, b.payoff_range.max) &&
                         a.feedback == b.feedback && a.horizon == b.horizon && a.seed == b.seed,
                     encoded.DebugString());
}

}  // namespace
}  // namespace nashnet::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Invalid UTF-8 in a string field fails the parse and logs an error; the log is noise here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = nashnet::fuzz;
  namespace v1 = nashnet::v1;
  if (size < 1) return 0;
  const int kind = data[0] & 3;
  const int dimension = ((data[0] >> 2) & 15) - 1;
  const void* bytes = data + 1;
  const int length = static_cast<int>(size - 1);
  switch (kind) {
    case 0: {
      v1::AgentMessage message;
      if (!message.ParseFromArray(bytes, length)) return 0;
      if (message.has_action()) fuzz::CheckAction(message.action(), dimension);
      break;
    }
    case 1: {
      v1::CoordinatorMessage message;
      if (!message.ParseFromArray(bytes, length)) return 0;
      if (message.has_joined()) fuzz::CheckView(message.joined().view());
      if (message.has_feedback()) fuzz::CheckFeedback(message.feedback());
      for (const v1::HistoryRound& round : message.history().rounds()) {
        fuzz::CheckAction(round.action(), dimension);
        fuzz::CheckFeedback(round.feedback());
      }
      break;
    }
    case 2: {
      v1::MixedStrategy message;
      if (!message.ParseFromArray(bytes, length)) return 0;
      fuzz::CheckStrategy(message, dimension);
      break;
    }
    default: {
      v1::PlayerView message;
      if (!message.ParseFromArray(bytes, length)) return 0;
      fuzz::CheckView(message);
      break;
    }
  }
  return 0;
}

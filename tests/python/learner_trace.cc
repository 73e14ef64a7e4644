// nashnet_learner_trace: one C++ learner driven through scripted feedback, every round printed
// bit for bit (%a), so that the Python SDK's tests (python/tests/test_learners.py) can check that
// nashnet's Python learners reproduce the C++ ones exactly, round by round.
//
//   nashnet_learner_trace ALGORITHM NUM_ACTIONS FEEDBACK SEED ROUNDS PAYOFF_MIN PAYOFF_MAX
//                         [KEY=VALUE ...]
//   nashnet_learner_trace rng SEED COUNT
//
// The feedback is drawn from Rng::Stream(SEED, 99): a payoff vector uniform in a range a little
// wider than [PAYOFF_MIN, PAYOFF_MAX] (noise may leave the range), and now and then a malformed
// round: a non-finite entry, a vector of the wrong size, an entry of 1e300 (γ·v overflows), or a
// round the learner is updated without having acted (a substituted round's replay). Output, one
// line per round t: "t ACTED INDEX PROBABILITY X_0 .. X_n-1 ; PAYOFF V_0 .. V_m-1" (ACTED 0: no
// Act this round, INDEX -1), then the feedback the update received. The `rng` form prints COUNT
// lines "NEXT UNIFORM UNIFORM_INT(7) GAUSSIAN MIXSEED(SEED, i)" of Rng(SEED) (the RNG's own
// check). Exit 2 for bad arguments.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "agents/learner.h"
#include "common/rng.h"

namespace {

using nashnet::agents::Feedback;
using nashnet::agents::FeedbackModel;

int Usage(const std::string& why) {
  std::fprintf(stderr, "nashnet_learner_trace: %s\n", why.c_str());
  return 2;
}

// The `rng` form: the generator's and its distributions' outputs.
int TraceRng(uint64_t seed, long count) {
  nashnet::Rng rng(seed);
  for (long i = 0; i < count; ++i) {
    const uint64_t next = rng.Next();
    const double uniform = rng.Uniform();
    const uint64_t index = rng.UniformInt(7);
    const double gaussian = rng.Gaussian();
    std::printf("%llu %a %llu %a %llu\n", static_cast<unsigned long long>(next), uniform,
                static_cast<unsigned long long>(index), gaussian,
                static_cast<unsigned long long>(nashnet::MixSeed(seed, static_cast<uint64_t>(i))));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "rng") {
    return TraceRng(std::strtoull(argv[2], nullptr, 10), std::atol(argv[3]));
  }
  if (argc < 8) return Usage("usage: ALGORITHM NUM_ACTIONS FEEDBACK SEED ROUNDS MIN MAX [K=V...]");
  const std::string algorithm = argv[1];
  nashnet::agents::PlayerView view;
  view.num_actions = std::atoi(argv[2]);
  const std::string model = argv[3];
  if (model == "full") {
    view.feedback = FeedbackModel::kFull;
  } else if (model == "noisy") {
    view.feedback = FeedbackModel::kNoisy;
  } else if (model == "counterfactual") {
    view.feedback = FeedbackModel::kCounterfactual;
  } else if (model == "bandit") {
    view.feedback = FeedbackModel::kBandit;
  } else {
    return Usage("FEEDBACK: " + model);
  }
  view.seed = std::strtoull(argv[4], nullptr, 10);
  const long rounds = std::atol(argv[5]);
  view.payoff_range = {.min = std::atof(argv[6]), .max = std::atof(argv[7])};
  view.horizon = rounds;
  nashnet::agents::LearnerParams params;
  for (int k = 8; k < argc; ++k) {
    const std::string text = argv[k];
    const size_t eq = text.find('=');
    if (eq == std::string::npos) return Usage("expected KEY=VALUE: " + text);
    params[text.substr(0, eq)] = std::atof(text.c_str() + eq + 1);
  }
  auto learner = nashnet::agents::MakeLearner(algorithm, params, view);
  if (!learner.ok()) return Usage(std::string(learner.status().message()));

  nashnet::Rng script = nashnet::Rng::Stream(view.seed, 99);
  const double lo = view.payoff_range.min, hi = view.payoff_range.max;
  const double margin = 0.25 * (hi - lo);
  for (long t = 1; t <= rounds; ++t) {
    const double event = script.Uniform();
    const bool acted = event >= 0.02;  // 2 %: updated without an Act (a replayed round)
    std::printf("%ld %d", t, acted ? 1 : 0);
    int index = -1;
    if (acted) {
      const nashnet::agents::MixedStrategy& x = (*learner)->strategy();
      const nashnet::agents::Action action = (*learner)->Act();
      index = action.index;
      std::printf(" %d %a", index, action.probability);
      for (Eigen::Index a = 0; a < x.probabilities.size(); ++a) {
        std::printf(" %a", x.probabilities[a]);
      }
    } else {
      std::printf(" -1");
    }
    Feedback feedback;
    feedback.round = t;
    int size = view.num_actions;
    if (event >= 0.02 && event < 0.03) size = view.num_actions + 1;  // wrong size
    feedback.payoff_vector.resize(size);
    for (int a = 0; a < size; ++a) {
      feedback.payoff_vector[a] = script.Uniform(lo - margin, hi + margin);
    }
    if (event >= 0.03 && event < 0.04) {
      feedback.payoff_vector[0] = std::numeric_limits<double>::quiet_NaN();
    }
    if (event >= 0.04 && event < 0.05) feedback.payoff_vector[size - 1] = 1e300;
    feedback.payoff = index >= 0 && index < size ? feedback.payoff_vector[index]
                                                 : script.Uniform(lo - margin, hi + margin);
    if (event >= 0.05 && event < 0.06) feedback.payoff = 1e300;
    std::printf(" ; %a", feedback.payoff);
    for (int a = 0; a < size; ++a) std::printf(" %a", feedback.payoff_vector[a]);
    std::printf("\n");
    (*learner)->Update(feedback);
  }
  return 0;
}

// MakeLearner and LearnerCatalogue: the learners by name (learner.h).
#include "agents/learner.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agents/bandit_hedge.h"
#include "agents/hda.h"
#include "agents/hedge.h"
#include "agents/kernel_da.h"
#include "agents/learner_params.h"
#include "common/status_macros.h"

namespace nashnet::agents {
namespace {

// Prefixes a learner's error with its name ("hedge: beta must be in [0, 1], got 2").
absl::Status Named(std::string_view algorithm, const absl::Status& status) {
  if (status.ok()) return status;
  const std::string prefix = absl::StrCat(std::string(algorithm), ":");
  if (absl::string_view(status.message()).substr(0, prefix.size()) == prefix) return status;
  return absl::Status(status.code(), absl::StrCat(std::string(algorithm), ": ", status.message()));
}

template <typename T>
absl::StatusOr<std::unique_ptr<Learner>> Upcast(std::string_view algorithm,
                                                absl::StatusOr<std::unique_ptr<T>> learner) {
  if (!learner.ok()) return Named(algorithm, learner.status());
  return std::unique_ptr<Learner>(std::move(learner).value());
}

absl::StatusOr<std::unique_ptr<Learner>> MakeHedge(const LearnerParams& params,
                                                   const PlayerView& view) {
  HedgeOptions o = HedgeOptions::Defaults(view);
  ParamReader reader("hedge", params);
  reader.Read("gamma0", &o.gamma0);
  reader.Read("beta", &o.beta);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  return Upcast("hedge", HedgeLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeHedgeLr(const LearnerParams& params,
                                                     const PlayerView& view) {
  HedgeLrOptions o = HedgeLrOptions::Defaults(view);
  ParamReader reader("hedge-lr", params);
  reader.Read("eta0", &o.eta0);
  reader.Read("eta_exponent", &o.eta_exponent);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  return Upcast("hedge-lr", HedgeLrLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeBanditHedge(const LearnerParams& params,
                                                         const PlayerView& view) {
  BanditHedgeOptions o = BanditHedgeOptions::Defaults(view);
  ParamReader reader("bandit-hedge", params);
  reader.Read("gamma0", &o.gamma0);
  reader.Read("beta", &o.beta);
  reader.Read("epsilon0", &o.epsilon0);
  reader.Read("epsilon_exponent", &o.epsilon_exponent);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  return Upcast("bandit-hedge", BanditHedgeLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeKernelDa(const LearnerParams& params,
                                                      const PlayerView& view) {
  KernelDaOptions o = KernelDaOptions::Defaults(view);
  ParamReader reader("kernel-da", params);
  reader.Read("eta0", &o.eta0);
  reader.Read("eta_exponent", &o.eta_exponent);
  reader.Read("bandwidth0", &o.bandwidth0);
  reader.Read("bandwidth_exponent", &o.bandwidth_exponent);
  reader.Read("epsilon0", &o.epsilon0);
  reader.Read("epsilon_exponent", &o.epsilon_exponent);
  reader.ReadInt("grid", &o.grid);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  if (params.contains("grid") && o.grid < 1) {  // 0 means automatic only when not given
    return absl::InvalidArgumentError(
        absl::StrCat("kernel-da: grid must be >= 1 cells per dimension, got ", o.grid));
  }
  return Upcast("kernel-da", KernelDaLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeHda(const LearnerParams& params,
                                                 const PlayerView& view) {
  HdaOptions o = HdaOptions::Defaults(view);
  ParamReader reader("hda", params);
  reader.Read("eta0", &o.eta0);
  reader.Read("eta_exponent", &o.eta_exponent);
  reader.Read("refinement", &o.refinement);
  reader.ReadInt("max_level", &o.max_level);
  int restart_every = 0;
  reader.ReadInt("restart_every", &restart_every);
  double variation_exponent = 0.0;
  reader.Read("variation_exponent", &variation_exponent);
  reader.Read("restart_scale", &o.restart_scale);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  o.restart_every = restart_every;
  if (params.contains("variation_exponent")) o.variation_exponent = variation_exponent;
  return Upcast("hda", HdaLearner::Create(view, o));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Learner>> MakeLearner(std::string_view algorithm,
                                                     const LearnerParams& params,
                                                     const PlayerView& view) {
  if (algorithm == "hedge") return MakeHedge(params, view);
  if (algorithm == "hedge-lr") return MakeHedgeLr(params, view);
  if (algorithm == "bandit-hedge") return MakeBanditHedge(params, view);
  if (algorithm == "kernel-da") return MakeKernelDa(params, view);
  if (algorithm == "hda") return MakeHda(params, view);
  std::vector<std::string> names;
  for (const LearnerInfo& info : LearnerCatalogue()) names.push_back(info.name);
  return absl::InvalidArgumentError(absl::StrCat("unknown learner algorithm '",
                                                 std::string(algorithm),
                                                 "' (known: ", absl::StrJoin(names, ", "), ")"));
}

const std::vector<LearnerInfo>& LearnerCatalogue() {
  static const auto* const kCatalogue = new std::vector<LearnerInfo>{
      {"hedge",
       "Hedge, step-size form: x = softmax(Y), Y += gamma0/t^beta * v (P1)",
       {"gamma0", "beta"},
       true},
      {"hedge-lr",
       "Hedge, learning-rate form: x = softmax(eta0/t^eta_exponent * S), S += v",
       {"eta0", "eta_exponent"},
       true},
      {"bandit-hedge",
       "Hedge from realized payoffs: importance-weighted estimates, epsilon-uniform exploration",
       {"gamma0", "beta", "epsilon0", "epsilon_exponent"},
       true},
      {"kernel-da",
       "Dual averaging on a grid over a box; kernel loss estimator under bandit feedback (P2)",
       {"eta0", "eta_exponent", "bandwidth0", "bandwidth_exponent", "epsilon0", "epsilon_exponent",
        "grid"},
       false},
      {"hda",
       "Hierarchical dual averaging: refined dyadic partition, realized payoffs only (P3); "
       "optional restarts every restart_every rounds, or tuned to a variation budget T^nu",
       {"eta0", "eta_exponent", "refinement", "max_level", "restart_every", "variation_exponent",
        "restart_scale"},
       false},
  };
  return *kCatalogue;
}

}  // namespace nashnet::agents

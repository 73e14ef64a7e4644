// MakeLearner and LearnerCatalogue: the learners by name (learner.h).
#include "agents/learner.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agents/bandit_hedge.h"
#include "agents/hda.h"
#include "agents/hedge.h"
#include "agents/kernel_da.h"
#include "agents/learner_cost.h"
#include "agents/learner_params.h"
#include "common/status_macros.h"
#include "games/footprint.h"

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

absl::StatusOr<HedgeOptions> ParseHedge(const LearnerParams& params, const PlayerView& view) {
  HedgeOptions o = HedgeOptions::Defaults(view);
  ParamReader reader("hedge", params);
  reader.Read("gamma0", &o.gamma0);
  reader.Read("beta", &o.beta);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  return o;
}

absl::StatusOr<HedgeLrOptions> ParseHedgeLr(const LearnerParams& params, const PlayerView& view) {
  HedgeLrOptions o = HedgeLrOptions::Defaults(view);
  ParamReader reader("hedge-lr", params);
  reader.Read("eta0", &o.eta0);
  reader.Read("eta_exponent", &o.eta_exponent);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  return o;
}

absl::StatusOr<BanditHedgeOptions> ParseBanditHedge(const LearnerParams& params,
                                                    const PlayerView& view) {
  BanditHedgeOptions o = BanditHedgeOptions::Defaults(view);
  ParamReader reader("bandit-hedge", params);
  reader.Read("gamma0", &o.gamma0);
  reader.Read("beta", &o.beta);
  reader.Read("epsilon0", &o.epsilon0);
  reader.Read("epsilon_exponent", &o.epsilon_exponent);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  return o;
}

absl::StatusOr<KernelDaOptions> ParseKernelDa(const LearnerParams& params, const PlayerView& view) {
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
  return o;
}

absl::StatusOr<HdaOptions> ParseHda(const LearnerParams& params, const PlayerView& view) {
  HdaOptions o = HdaOptions::Defaults(view);
  ParamReader reader("hda", params);
  reader.Read("eta0", &o.eta0);
  reader.Read("eta_exponent", &o.eta_exponent);
  reader.Read("refinement", &o.refinement);
  reader.Read("level_offset", &o.level_offset);
  reader.ReadInt("max_level", &o.max_level);
  int restart_every = 0;
  reader.ReadInt("restart_every", &restart_every);
  double variation_exponent = 0.0;
  reader.Read("variation_exponent", &variation_exponent);
  reader.Read("restart_scale", &o.restart_scale);
  NASHNET_RETURN_IF_ERROR(reader.Finish());
  o.restart_every = restart_every;
  if (params.contains("variation_exponent")) o.variation_exponent = variation_exponent;
  return o;
}

// The heap bytes of a learner object of type T (allocated by its Create).
template <typename T>
constexpr int64_t ObjectBytes() {
  return games::HeapBytes(static_cast<int64_t>(sizeof(T)));
}

// A continuous learner's strategy over n cells in dimension d: masses and cell bounds.
int64_t CellStrategyBytes(int64_t n, int d) {
  return games::DoublesBytes(n) + 2 * games::DoublesBytes(static_cast<int64_t>(d) * n);
}

}  // namespace

absl::StatusOr<LearnerCost> EstimateLearnerCost(std::string_view algorithm,
                                                const LearnerParams& params,
                                                const PlayerView& view) {
  using games::DoublesBytes;
  LearnerCost cost;
  const int64_t a = view.num_actions;
  // Gibbs weights (an exp per entry), the shift, sampling: a handful of operations per entry.
  constexpr double kPerEntry = 6.0;
  if (algorithm == "hedge") {
    NASHNET_ASSIGN_OR_RETURN(HedgeOptions o, ParseHedge(params, view));
    NASHNET_RETURN_IF_ERROR(Named("hedge", o.Validate()));
    cost.bytes = ObjectBytes<HedgeLearner>() + 2 * DoublesBytes(a);
  } else if (algorithm == "hedge-lr") {
    NASHNET_ASSIGN_OR_RETURN(HedgeLrOptions o, ParseHedgeLr(params, view));
    NASHNET_RETURN_IF_ERROR(Named("hedge-lr", o.Validate()));
    cost.bytes = ObjectBytes<HedgeLrLearner>() + 2 * DoublesBytes(a);
  } else if (algorithm == "bandit-hedge") {
    NASHNET_ASSIGN_OR_RETURN(BanditHedgeOptions o, ParseBanditHedge(params, view));
    NASHNET_RETURN_IF_ERROR(Named("bandit-hedge", o.Validate()));
    cost.bytes = ObjectBytes<BanditHedgeLearner>() + 3 * DoublesBytes(a);
  } else if (algorithm == "kernel-da") {
    NASHNET_ASSIGN_OR_RETURN(KernelDaOptions o, ParseKernelDa(params, view));
    const int d = view.box.dimension();
    NASHNET_RETURN_IF_ERROR(Named("kernel-da", o.Validate(d)));
    const bool bandit = view.feedback == FeedbackModel::kBandit;
    if (o.grid == 0) {
      o.grid = o.AutoGrid(d, view.horizon, bandit);
    } else {
      cost.size_param = "grid";
    }
    int64_t n = 1;
    for (int j = 0; j < d; ++j) n *= o.grid;  // <= kMaxCells (Validate)
    cost.bytes = ObjectBytes<KernelDaLearner>() + DoublesBytes(int64_t{d} * n) +
                 2 * DoublesBytes(n) + CellStrategyBytes(n, d) + 3 * DoublesBytes(d) +
                 (bandit ? games::HeapBytes(4 * n) : 0);
    cost.payoff_calls = bandit ? 0 : n;
    cost.strategy_size = n;
    cost.round_work = kPerEntry * static_cast<double>(n) * (bandit ? 2.0 : 1.0);
    return cost;
  } else if (algorithm == "hda") {
    NASHNET_ASSIGN_OR_RETURN(HdaOptions o, ParseHda(params, view));
    const int d = view.box.dimension();
    NASHNET_RETURN_IF_ERROR(Named("hda", o.Validate(d)));
    absl::StatusOr<int64_t> block_length = o.BlockLength(view.horizon, d);
    if (!block_length.ok()) return Named("hda", block_length.status());
    const int64_t block = *block_length;
    // The finest level it reaches: within a block (restarts), else by the horizon.
    const int64_t last = block > 0 ? block : view.horizon;
    const int level = last > 0 ? o.Level(last) : o.max_level;
    if (params.contains("max_level") && level == o.max_level) cost.size_param = "max_level";
    if (params.contains("refinement") && level < o.max_level) cost.size_param = "refinement";
    if (params.contains("level_offset") && level < o.max_level) {
      cost.size_param = "level_offset";
    }
    const int64_t n = int64_t{1} << level;
    // Scores, p and the strategy; a refinement builds the finer scores before the old go.
    cost.bytes = ObjectBytes<HdaLearner>() + 3 * DoublesBytes(n) + CellStrategyBytes(n, d) +
                 6 * DoublesBytes(d);
    cost.strategy_size = n;
    cost.round_work = kPerEntry * static_cast<double>(n);
    return cost;
  } else {
    return MakeLearner(algorithm, params, view).status();  // the unknown-algorithm error
  }
  cost.strategy_size = a;
  cost.round_work = kPerEntry * static_cast<double>(a);
  return cost;
}

namespace {

absl::StatusOr<std::unique_ptr<Learner>> MakeHedge(const LearnerParams& params,
                                                   const PlayerView& view) {
  NASHNET_ASSIGN_OR_RETURN(HedgeOptions o, ParseHedge(params, view));
  return Upcast("hedge", HedgeLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeHedgeLr(const LearnerParams& params,
                                                     const PlayerView& view) {
  NASHNET_ASSIGN_OR_RETURN(HedgeLrOptions o, ParseHedgeLr(params, view));
  return Upcast("hedge-lr", HedgeLrLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeBanditHedge(const LearnerParams& params,
                                                         const PlayerView& view) {
  NASHNET_ASSIGN_OR_RETURN(BanditHedgeOptions o, ParseBanditHedge(params, view));
  return Upcast("bandit-hedge", BanditHedgeLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeKernelDa(const LearnerParams& params,
                                                      const PlayerView& view) {
  NASHNET_ASSIGN_OR_RETURN(KernelDaOptions o, ParseKernelDa(params, view));
  return Upcast("kernel-da", KernelDaLearner::Create(view, o));
}

absl::StatusOr<std::unique_ptr<Learner>> MakeHda(const LearnerParams& params,
                                                 const PlayerView& view) {
  NASHNET_ASSIGN_OR_RETURN(HdaOptions o, ParseHda(params, view));
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
       {"eta0", "eta_exponent", "refinement", "level_offset", "max_level", "restart_every",
        "variation_exponent", "restart_scale"},
       false},
  };
  return *kCatalogue;
}

}  // namespace nashnet::agents

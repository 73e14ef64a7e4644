#include "cli/run_flags.h"

#include <ctime>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "cli/cli_util.h"
#include "cli/summary_table.h"
#include "common/status_macros.h"
#include "server/game_file.h"
#include "server/record/number_text.h"
#include "server/record/string_view_compat.h"

namespace nashnet::cli {
namespace {

using server::Av;
using server::RunFile;

// "--rounds: expected an integer, got 'x'".
absl::Status FlagError(std::string_view flag, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat(Av(flag), ": ", status.message()));
}

// A folder name from a game name: an .nfg file's stem, characters outside [A-Za-z0-9._-] as '_'.
std::string Slug(const std::string& game) {
  std::string name =
      server::IsGameFilePath(game) ? std::filesystem::path(game).stem().string() : game;
  for (char& c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    if (!plain) c = '_';
  }
  return name.empty() ? "run" : name;
}

// runs/<game>-<UTC yyyymmdd-hhmmss>, with -2, -3, ... if that folder exists already.
std::filesystem::path DefaultOutDir(const std::string& game) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &utc);
  const std::string base = absl::StrCat("runs/", Slug(game), "-", stamp);
  std::filesystem::path dir = base;
  std::error_code ec;
  for (int k = 2; std::filesystem::exists(dir, ec); ++k) dir = absl::StrCat(base, "-", k);
  return dir;
}

}  // namespace

RunFlags::RunFlags(CLI::App* app) {
  app->add_option("run_file", run_file_, "Run file (YAML); flags below override its fields");
  game_opt_ = app->add_option("--game", game_, "Catalogue game name or .nfg file");
  app->add_option("--game-param", game_params_, "Game parameter KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  algorithm_opt_ = app->add_option("--algorithm", algorithm_, "Learner of every player");
  app->add_option("--param", params_, "Learner parameter KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  feedback_opt_ = app->add_option("--feedback", feedback_,
                                  "Feedback model: full, noisy, counterfactual, bandit");
  noise_opt_ = app->add_option("--noise", noise_, "Noise standard deviation sigma (>= 0)");
  noise_distribution_opt_ = app->add_option("--noise-distribution", noise_distribution_,
                                            "Noise distribution: gaussian, uniform");
  rounds_opt_ = app->add_option("--rounds", rounds_, "Horizon T (rounds per seed)");
  seed_opt_ = app->add_option("--seed", seed_, "First seed");
  seeds_opt_ = app->add_option("--seeds", seeds_, "Number of seeds K (seed, seed+1, ...)");
  record_every_opt_ =
      app->add_option("--record-every", record_every_, "Keep every K-th round in rounds.csv");
  out_opt_ = app->add_option("--out", out_,
                             "Run record folder (default runs/<game>-<UTC timestamp>); must be "
                             "new or empty");
  app->add_flag("--quiet,-q", quiet_, "No progress and no table: print only the record's path");
}

absl::StatusOr<RunFile> RunFlags::BuildSpec() const {
  RunFile file;
  if (!run_file_.empty()) {
    NASHNET_ASSIGN_OR_RETURN(file, server::ReadRunFile(run_file_));
  } else {
    file.source_name = "<flags>";
  }
  v1::RunSpec& spec = file.spec;  // a game file the run file names is in spec.game.nfg already

  if (game_opt_->count() > 0) {
    if (game_.empty()) return absl::InvalidArgumentError("--game: must not be empty");
    if (game_ != spec.game().name()) spec.mutable_game()->clear_params();
    spec.mutable_game()->set_name(game_);
    spec.mutable_game()->clear_nfg();
    // A game file on the command line (relative to the working folder) travels with the spec.
    if (absl::Status st = server::EmbedGameFile(".", spec.mutable_game()); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat("--game: ", st.message()));
    }
    file.ForgetLocations("game");
  }
  for (const std::string& text : game_params_) {
    NASHNET_ASSIGN_OR_RETURN(KeyValue kv, ParseKeyValue("--game-param", text));
    (*spec.mutable_game()->mutable_params())[kv.key] = kv.value;
    file.ForgetLocations(absl::StrCat("game.params.", kv.key));
  }
  if (algorithm_opt_->count() > 0) {
    if (algorithm_.empty()) return absl::InvalidArgumentError("--algorithm: must not be empty");
    // Another algorithm's parameters would not fit it: --algorithm replaces the whole learner.
    if (algorithm_ != spec.learner().algorithm()) spec.mutable_learner()->clear_params();
    spec.mutable_learner()->set_algorithm(algorithm_);
    spec.clear_players();
    file.ForgetLocations("learner");
    file.ForgetLocations("players");
  }
  for (const std::string& text : params_) {
    NASHNET_ASSIGN_OR_RETURN(KeyValue kv, ParseKeyValue("--param", text));
    absl::StatusOr<double> value = server::ParseFiniteDouble(kv.value);
    if (!value.ok()) return FlagError(absl::StrCat("--param ", kv.key), value.status());
    (*spec.mutable_learner()->mutable_params())[kv.key] = *value;
    file.ForgetLocations(absl::StrCat("learner.params.", kv.key));
    for (int i = 0; i < spec.players_size(); ++i) {
      if (spec.players(i).algorithm().empty()) continue;  // uses `learner` and its params
      (*spec.mutable_players(i)->mutable_params())[kv.key] = *value;
      file.ForgetLocations(absl::StrCat("players[", i, "].params.", kv.key));
    }
  }
  if (feedback_opt_->count() > 0) {
    absl::StatusOr<v1::FeedbackModel> model = server::ParseFeedbackModel(feedback_);
    if (!model.ok()) return FlagError("--feedback", model.status());
    spec.mutable_feedback()->set_model(*model);
    file.ForgetLocations("feedback.model");
  }
  if (noise_opt_->count() > 0) {
    absl::StatusOr<double> sigma = server::ParseFiniteDouble(noise_);
    if (!sigma.ok()) return FlagError("--noise", sigma.status());
    if (*sigma < 0)
      return absl::InvalidArgumentError("--noise: must be >= 0 (a standard deviation)");
    spec.mutable_feedback()->set_sigma(*sigma);
    file.ForgetLocations("feedback.sigma");
  }
  if (noise_distribution_opt_->count() > 0) {
    absl::StatusOr<v1::NoiseDistribution> noise =
        server::ParseNoiseDistribution(noise_distribution_);
    if (!noise.ok()) return FlagError("--noise-distribution", noise.status());
    spec.mutable_feedback()->set_noise(*noise);
    file.ForgetLocations("feedback.noise");
  }
  if (rounds_opt_->count() > 0) {
    absl::StatusOr<int64_t> rounds = server::ParseInt64(rounds_);
    if (!rounds.ok()) return FlagError("--rounds", rounds.status());
    if (*rounds < 1) return absl::InvalidArgumentError("--rounds: must be at least 1");
    spec.set_rounds(*rounds);
    file.ForgetLocations("rounds");
  }
  if (seed_opt_->count() > 0) {
    absl::StatusOr<uint64_t> seed = server::ParseUint64(seed_);
    if (!seed.ok()) return FlagError("--seed", seed.status());
    spec.set_seed(*seed);
    file.ForgetLocations("seed");
  }
  if (seeds_opt_->count() > 0) {
    absl::StatusOr<int64_t> seeds = server::ParseInt64(seeds_);
    if (!seeds.ok()) return FlagError("--seeds", seeds.status());
    if (*seeds < 1 || *seeds > 1'000'000) {
      return absl::InvalidArgumentError("--seeds: must be in [1, 1000000]");
    }
    spec.set_seeds(static_cast<int32_t>(*seeds));
    file.ForgetLocations("seeds");
  }
  if (record_every_opt_->count() > 0) {
    absl::StatusOr<int64_t> every = server::ParseInt64(record_every_);
    if (!every.ok()) return FlagError("--record-every", every.status());
    if (*every < 1) return absl::InvalidArgumentError("--record-every: must be at least 1");
    spec.set_record_every(*every);
    file.ForgetLocations("record_every");
  }

  if (spec.game().name().empty()) {
    return absl::InvalidArgumentError(
        run_file_.empty() ? "no game: give a run file or --game NAME|FILE.nfg"
                          : absl::StrCat(run_file_, ": game: missing (or give --game)"));
  }
  if (spec.rounds() == 0) {
    return absl::InvalidArgumentError(
        run_file_.empty() ? "no horizon: give --rounds T"
                          : absl::StrCat(run_file_, ": rounds: missing (or give --rounds T)"));
  }
  return file;
}

absl::StatusOr<std::filesystem::path> RunFlags::OutDir(const server::RunPlan& plan) const {
  if (out_opt_->count() == 0) return DefaultOutDir(plan.spec.game().name());
  if (out_.empty()) return absl::InvalidArgumentError("--out: must not be empty");
  return std::filesystem::path(out_);
}

int FinishRun(const server::RunPlan& plan, const std::filesystem::path& dir,
              const std::vector<server::RunSummary>& summaries, bool quiet) {
  std::string table;
  if (summaries.size() > 1) {
    absl::StatusOr<server::AggregateSummary> aggregate = server::AggregateSummaries(summaries);
    if (!aggregate.ok()) return ReportError(aggregate.status(), kExitRunFailed);
    if (absl::Status st =
            server::WriteFileAtomically(dir / "summary.json", server::AggregateJson(*aggregate));
        !st.ok()) {
      return ReportError(st, kExitRunFailed);
    }
    table = RenderAggregateSummary(plan, *aggregate);
  } else if (!summaries.empty()) {
    table = RenderRunSummary(plan, summaries.front());
  }
  if (quiet) {
    std::printf("%s\n", dir.string().c_str());
  } else {
    std::printf("%srecord: %s\n", table.c_str(), dir.string().c_str());
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace nashnet::cli

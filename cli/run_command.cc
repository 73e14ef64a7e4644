#include "cli/run_command.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/cli_util.h"
#include "cli/coordinator_client.h"
#include "cli/game_info_table.h"
#include "cli/local_service.h"
#include "cli/progress.h"
#include "common/status_macros.h"
#include "server/record/number_text.h"
#include "server/record/redact_secrets.h"
#include "server/record/run_record.h"
#include "server/record/string_view_compat.h"
#include "server/service/metrics_wire.h"

namespace nashnet::cli {
namespace {

namespace fs = std::filesystem;

constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr auto kAgentsExit = std::chrono::seconds(30);
constexpr auto kCoordinatorExit = std::chrono::seconds(30);

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void OnInterrupt(int) { g_interrupted = 1; }

// One seed's game while it runs: its WatchGame stream read on its own thread.
struct ActiveGame {
  int index = 0;  // 0-based seed index
  std::string id;
  std::unique_ptr<GameWatch> watch;
  std::thread thread;
  std::atomic<bool> done{false};
  // Written by the watcher thread before `done`; read by the main thread after.
  absl::Status status;
  v1::GameUpdate last;
};

// The folder must be new or empty, as for simulate (nothing is started otherwise).
absl::Status CheckOutDir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return absl::OkStatus();
  if (!fs::is_directory(dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat(dir.string(), ": exists and is not a folder"));
  }
  if (!fs::is_empty(dir, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat(dir.string(), ": folder is not empty (choose another --out or remove it)"));
  }
  return absl::OkStatus();
}

// The seats agents play: every seat but spec.service.local_seats.
absl::StatusOr<std::vector<int>> RemoteSeats(const server::RunPlan& plan) {
  const int n = plan.game->num_players();
  std::set<int> local;
  for (int seat : plan.spec.service().local_seats()) {
    if (seat < 0 || seat >= n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "service.local_seats: ", seat, " is not a seat (the game has seats 0..", n - 1, ")"));
    }
    local.insert(seat);
  }
  std::vector<int> remote;
  for (int seat = 0; seat < n; ++seat) {
    if (!local.contains(seat)) remote.push_back(seat);
  }
  // The coordinator refuses these too; saying so here starts nothing.
  if (!remote.empty() && plan.game->action_kind() == games::ActionKind::kContinuous &&
      plan.spec.feedback().model() != v1::FEEDBACK_MODEL_BANDIT) {
    return absl::InvalidArgumentError(absl::StrCat(
        "feedback.model: ", server::Av(server::FeedbackModelName(plan.spec.feedback().model())),
        " feedback on a continuous game needs the payoff function, which agents cannot get over "
        "the wire: use bandit feedback, or play every seat in the coordinator "
        "(service.local_seats)"));
  }
  return remote;
}

// The seeds of one `nashnet run`, played on a LocalService.
class RunSession {
 public:
  RunSession(const server::RunPlan& plan, LocalService* service, Progress* progress)
      : plan_(plan),
        service_(service),
        progress_(progress),
        client_({.address = service->address(), .timeout = std::chrono::seconds(60)}),
        num_seeds_(std::max(1, plan.spec.seeds())),
        summaries_(num_seeds_) {}

  ~RunSession() { CancelAll(); }

  // Plays every seed, a few games at a time; the first failure ends it.
  absl::Status PlayAll(const std::vector<int>& remote_seats) {
    const int parallel =
        std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, num_seeds_);
    int next = 0;
    while (next < num_seeds_ || !active_.empty()) {
      while (next < num_seeds_ && static_cast<int>(active_.size()) < parallel) {
        NASHNET_RETURN_IF_ERROR(StartGame(next++, remote_seats));
      }
      std::this_thread::sleep_for(kPoll);
      progress_->Tick();
      if (g_interrupted != 0) return absl::CancelledError("interrupted");
      NASHNET_RETURN_IF_ERROR(service_->CheckChildren());
      for (auto it = active_.begin(); it != active_.end();) {
        if (!(*it)->done.load(std::memory_order_acquire)) {
          ++it;
          continue;
        }
        (*it)->thread.join();
        NASHNET_RETURN_IF_ERROR(Collect(**it));
        it = active_.erase(it);
      }
    }
    return absl::OkStatus();
  }

  [[nodiscard]] const std::vector<server::RunSummary>& summaries() const { return summaries_; }

  // Ends every watch and joins the watcher threads.
  void CancelAll() {
    for (auto& game : active_) game->watch->Cancel();
    for (auto& game : active_) {
      if (game->thread.joinable()) game->thread.join();
    }
    active_.clear();
  }

 private:
  bool multi_seed() const { return num_seeds_ > 1; }

  absl::Status StartGame(int index, const std::vector<int>& remote_seats) {
    const uint64_t seed = plan_.spec.seed() + static_cast<uint64_t>(index);
    v1::CreateGameRequest request;
    *request.mutable_spec() = plan_.spec;
    request.mutable_spec()->set_seed(seed);
    request.mutable_spec()->set_seeds(1);
    request.set_game_id(absl::StrCat("seed-", seed));
    request.set_record_dir(multi_seed() ? absl::StrCat("seed-", seed) : ".");
    absl::StatusOr<v1::CreateGameResponse> created = client_.CreateGame(request);
    if (!created.ok()) {
      return absl::Status(created.status().code(),
                          absl::StrCat("the coordinator refused game seed-", seed, ": ",
                                       StatusText(created.status())));
    }
    auto game = std::make_unique<ActiveGame>();
    game->index = index;
    game->id = created->game_id();
    game->watch = client_.Watch(game->id, 0);
    for (int seat : remote_seats) {
      const server::PlayerLearnerSpec& learner = plan_.learners[seat];
      std::vector<std::string> args = {"--game",           game->id,      "--seat",
                                       absl::StrCat(seat), "--algorithm", learner.algorithm};
      for (const auto& [key, value] : learner.params) {
        args.push_back("--param");
        args.push_back(absl::StrCat(key, "=", server::FormatDouble(value)));
      }
      std::vector<std::string> env;  // the join token by the environment: not in `ps`
      if (const std::string& token = plan_.spec.service().join_token(); !token.empty()) {
        env.push_back(absl::StrCat("NASHNET_JOIN_TOKEN=", token));
      }
      NASHNET_RETURN_IF_ERROR(
          service_->SpawnAgent(absl::StrCat(game->id, " seat ", seat), args, env));
    }
    ActiveGame* raw = game.get();
    Progress* progress = progress_;
    game->thread = std::thread([raw, progress] {
      v1::GameUpdate update;
      int64_t reported = 0;
      while (raw->watch->Read(&update)) {
        if (update.round() > reported) {
          progress->Add(update.round() - reported);
          reported = update.round();
        }
        raw->last = update;
      }
      raw->status = raw->watch->Finish();
      raw->done.store(true, std::memory_order_release);
    });
    active_.push_back(std::move(game));
    return absl::OkStatus();
  }

  // A finished game's summary, or why it did not complete.
  absl::Status Collect(const ActiveGame& game) {
    if (!game.status.ok()) {
      return absl::Status(game.status.code(),
                          absl::StrCat("watching game ", game.id, ": ", StatusText(game.status)));
    }
    v1::GameSummary summary = game.last.summary();
    v1::GameStatus status = game.last.status();
    std::string message;
    if (!game.last.has_summary() || status != v1::GAME_STATUS_COMPLETED) {
      absl::StatusOr<v1::GameInfo> info = client_.GetGame(game.id);
      if (!info.ok()) {
        return absl::Status(info.status().code(),
                            absl::StrCat("game ", game.id, ": ", StatusText(info.status())));
      }
      status = info->status();
      summary = info->summary();
      message = info->message();
      if (status == v1::GAME_STATUS_COMPLETED && !info->has_summary()) {
        return absl::InternalError(absl::StrCat("game ", game.id, " completed without a summary"));
      }
    }
    if (status != v1::GAME_STATUS_COMPLETED) {
      return absl::AbortedError(absl::StrCat(
          "game ", game.id, " ended ", server::Av(GameStatusName(status)), " at round ",
          game.last.round(), "/", plan_.spec.rounds(), message.empty() ? "" : ": ", message));
    }
    summaries_[game.index] = server::RunSummaryFromProto(summary);
    return absl::OkStatus();
  }

  const server::RunPlan& plan_;
  LocalService* service_;
  Progress* progress_;
  CoordinatorClient client_;
  const int num_seeds_;
  std::vector<server::RunSummary> summaries_;
  std::vector<std::unique_ptr<ActiveGame>> active_;
};

// Makes the coordinator's records simulate's layout: several seeds → the spec once at the top
// (not in every seed folder). Checks every file is there.
absl::Status AssembleRecord(const server::RunPlan& plan, const fs::path& dir) {
  const int num_seeds = std::max(1, plan.spec.seeds());
  std::error_code ec;
  auto need = [&](const fs::path& path) -> absl::Status {
    if (!fs::is_regular_file(path, ec)) {
      return absl::DataLossError(absl::StrCat(path.string(), ": missing from the record"));
    }
    return absl::OkStatus();
  };
  if (num_seeds == 1) {
    for (const char* name : {"spec.yaml", "rounds.csv", "summary.json"}) {
      NASHNET_RETURN_IF_ERROR(need(dir / name));
    }
    return absl::OkStatus();
  }
  for (int i = 0; i < num_seeds; ++i) {
    const fs::path seed_dir = dir / absl::StrCat("seed-", plan.spec.seed() + i);
    NASHNET_RETURN_IF_ERROR(need(seed_dir / "rounds.csv"));
    NASHNET_RETURN_IF_ERROR(need(seed_dir / "summary.json"));
    fs::remove(seed_dir / "spec.yaml", ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot remove ", seed_dir.string()));
  }
  return server::WriteFileAtomically(dir / "spec.yaml",
                                     server::WriteRunSpecYaml(server::Redacted(plan.spec)));
}

}  // namespace

RunCommand::RunCommand(CLI::App* parent) {
  app_ = parent->add_subcommand(
      "run", "Play a run with real processes: a coordinator and one agent per seat on loopback");
  flags_ = std::make_unique<RunFlags>(app_);
  app_->add_option("--coordinator-bin", coordinator_bin_,
                   "nashnet-coordinator to start (default: next to nashnet, else PATH)");
  app_->add_option("--agent-bin", agent_bin_,
                   "nashnet-agent to start (default: next to nashnet, else PATH)");
  app_->add_option("--metrics-listen", metrics_listen_,
                   "the coordinator serves Prometheus metrics on HOST:PORT (/metrics)");
}

int RunCommand::Run() {
  absl::StatusOr<server::RunFile> file = flags_->BuildSpec();
  if (!file.ok()) return ReportError(file.status(), kExitUsage);
  absl::StatusOr<server::RunPlan> planned = server::PlanRun(file->spec, file->base_dir);
  if (!planned.ok()) return ReportError(file->Annotate(planned.status()), kExitUsage);
  const server::RunPlan& plan = *planned;
  absl::StatusOr<std::vector<int>> remote_seats = RemoteSeats(plan);
  if (!remote_seats.ok()) return ReportError(file->Annotate(remote_seats.status()), kExitUsage);
  absl::StatusOr<fs::path> out = flags_->OutDir(plan);
  if (!out.ok()) return ReportError(out.status(), kExitUsage);
  const fs::path dir = *out;
  if (absl::Status st = CheckOutDir(dir); !st.ok()) return ReportError(st, kExitUsage);
  std::error_code ec;
  const bool created = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    return ReportError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()),
                       kExitRunFailed);
  }
  // On failure, a folder this run created and left empty goes again.
  auto remove_if_empty = [&] {
    if (created) fs::remove(dir, ec);  // fails (harmlessly) unless empty
  };

  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  // A spec carrying a large .nfg text needs more than the coordinator's default 4 MiB messages.
  const int64_t request_bytes = static_cast<int64_t>(plan.spec.ByteSizeLong()) + (64 << 10);
  absl::StatusOr<std::unique_ptr<LocalService>> service =
      LocalService::Start({.coordinator_bin = coordinator_bin_,
                           .agent_bin = agent_bin_,
                           .records_dir = fs::absolute(dir, ec),
                           .metrics_listen = metrics_listen_,
                           .max_message_bytes = request_bytes > (4 << 20) ? request_bytes : 0});
  if (!service.ok()) {
    remove_if_empty();
    return ReportError(service.status(), kExitRunFailed);
  }
  const std::string logs = (*service)->log_dir().string();

  const int num_seeds = std::max(1, plan.spec.seeds());
  Progress progress(plan.spec.rounds() * num_seeds, Progress::DefaultMode(flags_->quiet()));
  absl::Status status;
  std::vector<server::RunSummary> summaries;
  {
    RunSession session(plan, service->get(), &progress);
    status = session.PlayAll(*remote_seats);
    session.CancelAll();
    summaries = session.summaries();
  }
  if (status.ok()) status = (*service)->WaitAgents(kAgentsExit);
  if (status.ok()) status = (*service)->Stop(kCoordinatorExit);
  progress.Finish();
  if (status.ok()) status = AssembleRecord(plan, dir);
  if (!status.ok()) {
    (*service)->KillAll();
    if (absl::IsInvalidArgument(status)) {  // the coordinator refused the spec: bad input
      (*service)->RemoveLogs();
      remove_if_empty();  // as simulate, bad input leaves nothing
      return ReportError(status, kExitUsage);
    }
    remove_if_empty();
    std::string message(status.message());
    if (message.find(logs) == std::string::npos) absl::StrAppend(&message, " (logs in ", logs, ")");
    return ReportError(message, kExitRunFailed);
  }
  (*service)->RemoveLogs();
  return FinishRun(plan, dir, summaries, flags_->quiet());
}

}  // namespace nashnet::cli

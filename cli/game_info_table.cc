#include "cli/game_info_table.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/cli_util.h"
#include "cli/summary_table.h"
#include "server/admission.h"
#include "server/record/run_file.h"
#include "server/record/string_view_compat.h"
#include "server/service/metrics_wire.h"
#include "server/simulation.h"

namespace nashnet::cli {
namespace {

using server::Av;

std::string_view SeatKindName(v1::SeatKind kind) {
  switch (kind) {
    case v1::SEAT_KIND_REMOTE:
      return "remote";
    case v1::SEAT_KIND_LOCAL:
      return "local";
    default:
      return "?";
  }
}

// "braess (players=4, seed=2)".
std::string GameLabel(const v1::RunSpec& spec) {
  std::string out = spec.game().name();
  if (!spec.game().params().empty()) {
    std::vector<std::string> params;
    for (const auto& [key, value] : spec.game().params()) params.push_back(key + "=" + value);
    std::sort(params.begin(), params.end());
    absl::StrAppend(&out, " (", absl::StrJoin(params, ", "), ")");
  }
  return out;
}

std::string Progress(int64_t round, int64_t rounds) { return absl::StrCat(round, "/", rounds); }

}  // namespace

std::string_view GameStatusName(v1::GameStatus status) {
  switch (status) {
    case v1::GAME_STATUS_WAITING:
      return "WAITING";
    case v1::GAME_STATUS_RUNNING:
      return "RUNNING";
    case v1::GAME_STATUS_COMPLETED:
      return "COMPLETED";
    case v1::GAME_STATUS_STOPPED:
      return "STOPPED";
    case v1::GAME_STATUS_FAILED:
      return "FAILED";
    default:
      return "UNSPECIFIED";
  }
}

bool IsOver(v1::GameStatus status) {
  return status == v1::GAME_STATUS_COMPLETED || status == v1::GAME_STATUS_STOPPED ||
         status == v1::GAME_STATUS_FAILED;
}

std::string RenderGameList(const google::protobuf::RepeatedPtrField<v1::GameInfo>& games) {
  Table table({"id", "status", "round", "agents", "game", "nash gap"});
  for (const v1::GameInfo& info : games) {
    int remote = 0, connected = 0;
    for (const v1::SeatInfo& seat : info.seats()) {
      if (seat.kind() != v1::SEAT_KIND_REMOTE) continue;
      ++remote;
      if (seat.connected()) ++connected;
    }
    table.AddRow({info.game_id(), std::string(GameStatusName(info.status())),
                  Progress(info.round(), info.rounds()), absl::StrCat(connected, "/", remote),
                  GameLabel(info.spec()),
                  info.has_latest() ? Cell(info.latest().nash_gap()) : "-"});
  }
  return table.Render();
}

std::string RenderGameSummary(const v1::RunSpec& spec, const v1::RoundMetrics& latest,
                              const v1::GameSummary& summary) {
  // The same table as simulate's when the game can be built here (catalogue games, .nfg text in
  // the spec; never a path, which would name a file of the coordinator's); else the spec's game
  // name, and points recognised from the latest metrics.
  SummaryContext context;
  // Not a game too big to build here for a table (by its admission estimate).
  constexpr int64_t kMaxBuiltHere = int64_t{64} << 20;
  absl::StatusOr<server::GameCost> cost = server::EstimateGameCost(spec, {.hosted = true});
  absl::StatusOr<server::RunPlan> plan = absl::ResourceExhaustedError("too big to build here");
  if (cost.ok() && cost->total_bytes() <= kMaxBuiltHere) plan = server::PlanRun(spec);
  if (plan.ok()) {
    context = ContextOf(*plan);
  } else {
    context.game_name = spec.game().name();
    context.spec = spec;
    context.continuous = std::any_of(latest.players().begin(), latest.players().end(),
                                     [](const v1::PlayerMetrics& p) { return p.point_size() > 0; });
  }
  return RenderRunSummary(context, server::RunSummaryFromProto(summary));
}

std::string RenderGameInfo(const v1::GameInfo& info) {
  const v1::RunSpec& spec = info.spec();
  std::string out = absl::StrCat("game ", info.game_id(), " - ", Av(GameStatusName(info.status())),
                                 " - round ", Progress(info.round(), info.rounds()), "\n");
  const v1::FeedbackSpec& f = spec.feedback();
  std::string feedback(Av(server::FeedbackModelName(f.model())));
  if (f.sigma() > 0) {
    absl::StrAppend(&feedback, " (", Av(server::NoiseDistributionName(f.noise())), ", sigma ",
                    Cell(f.sigma()), ")");
  }
  Table about({"game", GameLabel(spec)});
  about.AddRow({"feedback", feedback});
  about.AddRow({"seed", absl::StrCat(spec.seed())});
  if (!spec.name().empty()) about.AddRow({"name", spec.name()});
  if (!info.record_dir().empty()) about.AddRow({"record", info.record_dir()});
  if (!info.message().empty()) about.AddRow({"message", info.message()});
  out += about.Render(2);

  Table seats({"seat", "kind", "agent", "algorithm", "connected", "missed", "substituted",
               "rejected", "evicted"});
  for (const v1::SeatInfo& seat : info.seats()) {
    const bool remote = seat.kind() == v1::SEAT_KIND_REMOTE;
    seats.AddRow({absl::StrCat(seat.seat()), std::string(SeatKindName(seat.kind())),
                  seat.agent_name().empty() ? "-" : seat.agent_name(),
                  seat.algorithm().empty() ? "-" : seat.algorithm(),
                  remote ? (seat.connected() ? "yes" : "no") : "-",
                  absl::StrCat(seat.missed_deadlines()), absl::StrCat(seat.substituted_rounds()),
                  absl::StrCat(seat.rejected_messages()), seat.evicted() ? "yes" : "no"});
  }
  absl::StrAppend(&out, "\nseats\n", seats.Render(2));

  if (info.has_latest() && info.latest().round() > 0) {
    const v1::RoundMetrics& m = info.latest();
    absl::StrAppend(&out, "\nround ", m.round(), "\n");
    Table game({"nash gap", Cell(m.nash_gap())});
    game.AddRow({"empirical nash gap", Cell(m.empirical_nash_gap())});
    game.AddRow({"equilibrium distance", Cell(m.equilibrium_distance())});
    out += game.Render(2);
    Table players({"player", "regret", "realized", "dynamic", "payoff", "avg payoff"});
    for (int p = 0; p < m.players_size(); ++p) {
      const v1::PlayerMetrics& pm = m.players(p);
      players.AddRow({absl::StrCat(p), Cell(pm.regret()), Cell(pm.realized_regret()),
                      Cell(pm.dynamic_regret()), Cell(pm.payoff()), Cell(pm.average_payoff())});
    }
    absl::StrAppend(&out, "\n", players.Render(2));
  }
  if (info.has_summary()) {
    absl::StrAppend(&out, "\nsummary\n", RenderGameSummary(spec, info.latest(), info.summary()));
  }
  return out;
}

std::string RenderUpdateLine(const v1::GameUpdate& update) {
  std::string out = absl::StrCat(update.game_id(), " ", Av(GameStatusName(update.status())),
                                 " round ", Progress(update.round(), update.rounds()));
  if (update.has_metrics() && update.metrics().round() > 0) {
    const v1::RoundMetrics& m = update.metrics();
    absl::StrAppend(&out, "  nash gap ", Cell(m.nash_gap()), "  empirical ",
                    Cell(m.empirical_nash_gap()), "  regret");
    constexpr int kShown = 8;  // a 1000-player game keeps its line short
    for (int p = 0; p < std::min(m.players_size(), kShown); ++p) {
      absl::StrAppend(&out, " ", Cell(m.players(p).regret()));
    }
    if (m.players_size() > kShown) absl::StrAppend(&out, " ... (", m.players_size(), " players)");
  }
  out.push_back('\n');
  return out;
}

}  // namespace nashnet::cli

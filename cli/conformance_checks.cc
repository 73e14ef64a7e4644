#include "cli/conformance_checks.h"

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agents/learner.h"
#include "agents/wire/wire.h"
#include "common/status_macros.h"
#include "server/journal/journal_file.h"
#include "server/match.h"
#include "server/record/run_record.h"
#include "server/simulation.h"

namespace nashnet::cli {
namespace {

namespace fs = std::filesystem;

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

template <typename Values>
std::string List(const Values& values) {
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(absl::StrCat(v));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The learner that played the seat: the agent's declared one, else the spec's.
agents::LearnerParams Params(const v1::LearnerSpec& learner) {
  agents::LearnerParams params;
  for (const auto& [name, value] : learner.params()) params[name] = value;
  return params;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> SimulatedRounds(const v1::RunSpec& spec, int seat,
                                                           const v1::LearnerSpec& learner,
                                                           const fs::path& dir) {
  v1::RunSpec simulated = spec;
  simulated.clear_service();
  if (!learner.algorithm().empty()) {
    bool known = false;
    for (const agents::LearnerInfo& info : agents::LearnerCatalogue()) {
      known = known || info.name == learner.algorithm();
    }
    if (!known) return std::optional<std::string>();  // the agent's own learner
    NASHNET_ASSIGN_OR_RETURN(server::RunPlan base, server::PlanRun(spec, dir));
    // Every player's learner spelled out, the seat's replaced by what played it.
    simulated.clear_players();
    for (int i = 0; i < static_cast<int>(base.learners.size()); ++i) {
      v1::LearnerSpec* player = simulated.add_players();
      if (i == seat) {
        *player = learner;
      } else {
        player->set_algorithm(base.learners[i].algorithm);
        for (const auto& [name, value] : base.learners[i].params) {
          (*player->mutable_params())[name] = value;
        }
      }
    }
  }
  NASHNET_ASSIGN_OR_RETURN(server::RunPlan plan, server::PlanRun(simulated, dir));
  const fs::path out = dir / "simulate";
  std::error_code ec;
  fs::remove_all(out, ec);
  NASHNET_ASSIGN_OR_RETURN(server::RunRecord record, server::RunRecord::Create(out, plan.spec));
  NASHNET_ASSIGN_OR_RETURN(auto rounds, record.OpenRounds(plan.match.seed, plan.game));
  NASHNET_ASSIGN_OR_RETURN(server::RunSummary summary,
                           server::Simulate(plan, plan.match.seed, rounds.get(), {}));
  NASHNET_RETURN_IF_ERROR(record.CommitSeed(plan.match.seed, rounds.get(), summary));
  return std::optional<std::string>(ReadRounds(out));
}

std::string ReadRounds(const fs::path& record_dir) {
  std::ifstream in(record_dir / "rounds.csv", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string FirstDifference(const std::string& actual, const std::string& expected) {
  if (actual == expected) return "";
  const std::vector<std::string> a = SplitLines(actual), e = SplitLines(expected);
  for (size_t i = 0; i < std::min(a.size(), e.size()); ++i) {
    if (a[i] != e[i]) {
      const std::string round = a[i].substr(0, a[i].find(','));
      return absl::StrCat("line ", i + 1, " (round ", round, ") differs from simulate's");
    }
  }
  return absl::StrCat(a.size(), " lines where simulate has ", e.size());
}

absl::StatusOr<ReplayCheck> CheckReplayContract(const fs::path& record_dir, int seat,
                                                const v1::LearnerSpec& learner) {
  NASHNET_ASSIGN_OR_RETURN(server::JournalReader reader,
                           server::JournalReader::Open(record_dir / server::kJournalFileName));
  v1::JournalRecord record;
  if (!reader.Next(&record) || !record.has_header()) {
    return absl::DataLossError(absl::StrCat(record_dir.string(), "/journal: no header"));
  }
  NASHNET_ASSIGN_OR_RETURN(server::RunPlan plan,
                           server::PlanRun(record.header().spec(), record_dir));
  NASHNET_ASSIGN_OR_RETURN(std::unique_ptr<server::Match> match,
                           server::Match::Create(plan.game, plan.match));
  const agents::PlayerView view = match->ViewFor(seat);
  std::string algorithm = learner.algorithm();
  agents::LearnerParams params = Params(learner);
  if (algorithm.empty() && seat < static_cast<int>(plan.learners.size())) {
    algorithm = plan.learners[seat].algorithm;
    params = plan.learners[seat].params;
  }
  ReplayCheck check;
  absl::StatusOr<std::unique_ptr<agents::Learner>> made =
      agents::MakeLearner(algorithm, params, view);
  if (!made.ok()) return check;  // not one of nashnet's learners: nothing to replay
  agents::Learner& replay = **made;
  check.checked = true;
  while (reader.Next(&record)) {
    if (!record.has_round()) continue;
    const v1::JournalRound& round = record.round();
    if (seat >= round.seats_size()) {
      return absl::DataLossError(
          absl::StrCat("journal round ", round.round(), " has no seat ", seat));
    }
    const v1::JournalSeatPlay& play = round.seats(seat);
    const Eigen::VectorXd x = replay.strategy().probabilities;
    const agents::Action drawn = replay.Act();
    ++check.rounds;
    if (play.substituted()) {
      ++check.substituted;  // drawn, not played, not learned from
      continue;
    }
    const v1::Action& sent = play.action();
    bool same = true;
    if (view.finite()) {
      same = sent.played_case() == v1::Action::kIndex && sent.index() == drawn.index;
    } else {
      same = sent.point().coordinates_size() == drawn.point.size();
      for (int k = 0; same && k < drawn.point.size(); ++k) {
        same = SameBits(sent.point().coordinates(k), drawn.point[k]);
      }
    }
    if (sent.has_strategy()) {
      const auto& p = sent.strategy().probabilities();
      same = same && p.size() == x.size();
      for (int k = 0; same && k < p.size(); ++k) same = SameBits(p[k], x[k]);
    }
    if (!same) {
      check.failure = absl::StrCat(
          "round ", round.round(), ": the agent played ",
          view.finite() ? absl::StrCat(sent.index()) : List(sent.point().coordinates()),
          " with strategy ", List(sent.strategy().probabilities()), "; ", algorithm,
          " replayed by the contract draws ",
          view.finite() ? absl::StrCat(drawn.index) : List(drawn.point), " with ", List(x));
      return check;
    }
    replay.Update(agents::FeedbackFromProto(play.feedback()));
  }
  if (reader.torn()) {
    return absl::DataLossError(
        absl::StrCat(record_dir.string(), "/journal: ", reader.torn_reason()));
  }
  return check;
}

}  // namespace nashnet::cli

#include "server/service/request_bounds.h"

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace nashnet::server {
namespace {

absl::Status CheckCount(absl::string_view field, size_t count, size_t max) {
  if (count <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", count, " entries, at most ", max));
}

// A learner's algorithm and params (`field` is "learner", "players[3]", "join.learner").
absl::Status CheckLearner(absl::string_view field, const v1::LearnerSpec& learner) {
  if (absl::Status st =
          CheckLength(absl::StrCat(field, ".algorithm"), learner.algorithm(), kMaxAlgorithmBytes);
      !st.ok()) {
    return st;
  }
  const std::string params = absl::StrCat(field, ".params");
  if (absl::Status st = CheckCount(params, learner.params_size(), kMaxLearnerParams); !st.ok()) {
    return st;
  }
  for (const auto& [key, value] : learner.params()) {
    if (absl::Status st = CheckLength(absl::StrCat(params, " key"), key, kMaxParamKeyBytes);
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckLength(absl::string_view field, absl::string_view value, size_t max) {
  if (value.size() <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", value.size(), " bytes, at most ", max));
}

absl::Status CheckCreateGameBounds(const v1::CreateGameRequest& request) {
  const v1::RunSpec& spec = request.spec();
  const std::pair<absl::string_view, std::pair<const std::string*, size_t>> strings[] = {
      {"game_id", {&request.game_id(), kMaxGameIdBytes}},
      {"record_dir", {&request.record_dir(), kMaxRecordDirBytes}},
      {"spec.name", {&spec.name(), kMaxSpecNameBytes}},
      {"game.name", {&spec.game().name(), kMaxGameNameBytes}},
      {"game.nfg", {&spec.game().nfg(), kMaxNfgBytes}},
      {"service.join_token", {&spec.service().join_token(), kMaxJoinTokenBytes}},
  };
  for (const auto& [field, value] : strings) {
    if (absl::Status st = CheckLength(field, *value.first, value.second); !st.ok()) return st;
  }
  int depth = 0;
  for (const auto& part : std::filesystem::path(request.record_dir())) {
    if (part.native().size() > kMaxRecordDirPartBytes) {
      return absl::InvalidArgumentError(absl::StrCat("record_dir: a folder name of ",
                                                     part.native().size(), " bytes, at most ",
                                                     kMaxRecordDirPartBytes));
    }
    if (++depth > kMaxRecordDirDepth) {
      return absl::InvalidArgumentError(
          absl::StrCat("record_dir: more than ", kMaxRecordDirDepth, " folders deep"));
    }
  }
  if (absl::Status st = CheckCount("game.params", spec.game().params_size(), kMaxGameParams);
      !st.ok()) {
    return st;
  }
  for (const auto& [key, value] : spec.game().params()) {
    if (absl::Status st = CheckLength("game.params key", key, kMaxParamKeyBytes); !st.ok()) {
      return st;
    }
    if (absl::Status st =
            CheckLength(absl::StrCat("game.params.", key), value, kMaxGameParamValueBytes);
        !st.ok()) {
      return st;
    }
  }
  if (absl::Status st = CheckLearner("learner", spec.learner()); !st.ok()) return st;
  if (absl::Status st = CheckCount("players", spec.players_size(), kMaxPlayerLearners); !st.ok()) {
    return st;
  }
  for (int i = 0; i < spec.players_size(); ++i) {
    if (absl::Status st = CheckLearner(absl::StrCat("players[", i, "]"), spec.players(i));
        !st.ok()) {
      return st;
    }
  }
  return CheckCount("service.local_seats", spec.service().local_seats_size(), kMaxLocalSeats);
}

absl::Status CheckJoinBounds(const v1::Join& join) {
  const std::pair<absl::string_view, std::pair<const std::string*, size_t>> strings[] = {
      {"join.game_id", {&join.game_id(), kMaxGameIdBytes}},
      {"join.agent_name", {&join.agent_name(), kMaxAgentNameBytes}},
      {"join.algorithm", {&join.algorithm(), kMaxAlgorithmBytes}},
      {"join.join_token", {&join.join_token(), kMaxJoinTokenBytes}},
      {"join.resume_token", {&join.resume_token(), kMaxJoinTokenBytes}},
  };
  for (const auto& [field, value] : strings) {
    if (absl::Status st = CheckLength(field, *value.first, value.second); !st.ok()) return st;
  }
  return CheckLearner("join.learner", join.learner());
}

absl::Status CheckGameIdBound(absl::string_view id, absl::string_view field) {
  return CheckLength(field, id, kMaxGameIdBytes);
}

}  // namespace nashnet::server

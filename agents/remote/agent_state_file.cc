#include "agents/remote/agent_state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace nashnet::agents {
namespace {

constexpr size_t kMaxStateBytes = 64 << 10;

absl::Status Bad(const std::filesystem::path& path, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("--state-file ", path.string(), ": ", why));
}

}  // namespace

absl::StatusOr<std::optional<AgentState>> LoadAgentState(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::optional<AgentState>();
    return Bad(path, std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxStateBytes) return Bad(path, "larger than 64 KiB");
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Bad(path, "not a JSON object");
  AgentState state;
  const auto game = json.find("game_id");
  const auto seat = json.find("seat");
  const auto token = json.find("resume_token");
  const auto finished = json.find("finished");
  if (game == json.end() || !game->is_string() || game->get<std::string>().empty()) {
    return Bad(path, "game_id: missing or not a string");
  }
  if (seat == json.end() || !seat->is_number_integer() || seat->get<int64_t>() < 0 ||
      seat->get<int64_t>() > 1'000'000) {
    return Bad(path, "seat: missing or not a seat number");
  }
  if (token == json.end() || !token->is_string()) return Bad(path, "resume_token: missing");
  if (finished != json.end() && !finished->is_boolean()) return Bad(path, "finished: not a bool");
  state.game_id = game->get<std::string>();
  state.seat = static_cast<int>(seat->get<int64_t>());
  state.resume_token = token->get<std::string>();
  state.finished = finished != json.end() && finished->get<bool>();
  if (const auto reason = json.find("reason"); reason != json.end() && reason->is_string()) {
    state.reason = reason->get<std::string>();
  }
  return std::optional<AgentState>(std::move(state));
}

absl::Status SaveAgentState(const std::filesystem::path& path, const AgentState& state) {
  nlohmann::ordered_json json{{"game_id", state.game_id},
                              {"seat", state.seat},
                              {"resume_token", state.resume_token},
                              {"finished", state.finished}};
  if (state.finished) json["reason"] = state.reason;
  const std::string text = json.dump(2) + "\n";
  const std::filesystem::path partial = path.string() + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return Bad(path, absl::StrCat("cannot create ", partial.string(), ": ", std::strerror(errno)));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(partial.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(partial.c_str());
    return Bad(path, absl::StrCat("cannot write: ", why));
  }
  return absl::OkStatus();
}

}  // namespace nashnet::agents

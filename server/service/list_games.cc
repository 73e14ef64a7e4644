#include "server/service/list_games.h"

#include <boost/asio/dispatch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/journal/record_env.h"
#include "server/record/redact_secrets.h"
#include "server/record/run_file.h"
#include "server/service/hosted_game.h"
#include "server/service/request_bounds.h"

namespace nashnet::server {
namespace {

constexpr absl::string_view kTokenPrefix = "after:";

double NumberOr(const nlohmann::json& json, const char* key) {
  const auto it = json.find(key);
  if (it == json.end() || !it->is_number()) return std::numeric_limits<double>::quiet_NaN();
  return it->get<double>();
}

v1::GameStatus StatusNamed(const std::string& status) {
  if (status == "completed") return v1::GAME_STATUS_COMPLETED;
  if (status == "stopped") return v1::GAME_STATUS_STOPPED;
  if (status == "failed") return v1::GAME_STATUS_FAILED;
  if (status == "drained") return v1::GAME_STATUS_DRAINED;
  return v1::GAME_STATUS_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<GamePage> ParseGamePage(const v1::ListGamesRequest& request) {
  GamePage page;
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be >= 0 (0 = ", kDefaultPageSize, "), got ", request.page_size()));
  }
  if (request.page_size() > 0) {
    page.size = static_cast<size_t>(std::min(request.page_size(), kMaxPageSize));
  }
  const std::string& token = request.page_token();
  if (token.empty()) return page;
  std::string decoded;
  if (token.size() > kMaxPageTokenBytes || !absl::WebSafeBase64Unescape(token, &decoded) ||
      !absl::StartsWith(decoded, kTokenPrefix) || decoded.size() == kTokenPrefix.size()) {
    return absl::InvalidArgumentError(
        "page_token: not a token this coordinator issued (pass next_page_token unchanged)");
  }
  page.after = decoded.substr(kTokenPrefix.size());
  return page;
}

std::string GamePageToken(absl::string_view last_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, last_id));
}

v1::GameInfo RetiredGameInfo(const std::string& id, const std::filesystem::path& record_dir) {
  v1::GameInfo info;
  info.set_game_id(id);
  info.set_record_dir(record_dir.string());
  absl::StatusOr<std::string> spec_text = RecordEnv::Default()->Read(record_dir / "spec.yaml");
  if (spec_text.ok()) {
    absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(*spec_text, "spec.yaml");
    if (spec.ok()) {
      info.set_rounds(spec->rounds());
      *info.mutable_spec() = *std::move(spec);
    }
  }
  absl::StatusOr<std::string> text = RecordEnv::Default()->Read(record_dir / "summary.json");
  if (!text.ok()) {
    info.set_message(absl::StrCat("retired game: its summary.json cannot be read (",
                                  text.status().message(), ")"));
    return info;
  }
  const nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    info.set_message("retired game: its summary.json is not a JSON object");
    return info;
  }
  const auto status = json.find("status");
  info.set_status(status != json.end() && status->is_string()
                      ? StatusNamed(status->get<std::string>())
                      : v1::GAME_STATUS_COMPLETED);
  v1::GameSummary* summary = info.mutable_summary();
  const double rounds = NumberOr(json, "rounds");
  if (std::isfinite(rounds)) {
    summary->set_rounds(static_cast<int64_t>(rounds));
    info.set_round(static_cast<int64_t>(rounds));
  }
  const double seed = NumberOr(json, "seed");
  if (std::isfinite(seed) && seed >= 0) summary->set_seed(static_cast<uint64_t>(seed));
  summary->set_nash_gap(NumberOr(json, "nash_gap"));
  summary->set_empirical_nash_gap(NumberOr(json, "empirical_nash_gap"));
  summary->set_equilibrium_distance(NumberOr(json, "equilibrium_distance"));
  summary->set_elapsed_seconds(NumberOr(json, "elapsed_seconds"));
  summary->set_rounds_per_second(NumberOr(json, "rounds_per_second"));
  if (status != json.end() && status->is_string()) summary->set_status(status->get<std::string>());
  return info;
}

void ListGamesPage(const GameDirectory& directory, RecordWriter* disk, const GamePage& page,
                   v1::ListGamesResponse* response, std::function<void()> done) {
  bool more = false;
  std::vector<GameDirectory::Listed> listed = directory.Page(page.after, page.size, &more);
  if (listed.empty()) {
    done();
    return;
  }
  // Each game's info is filled where it lives; the last one in assembles the page.
  struct FanIn {
    std::mutex mutex;
    std::vector<v1::GameInfo> infos;
    std::vector<std::string> ids;
    size_t remaining = 0;
    bool more = false;
    v1::ListGamesResponse* response = nullptr;
    std::function<void()> done;
  };
  auto fan = std::make_shared<FanIn>();
  fan->infos.resize(listed.size());
  fan->remaining = listed.size();
  fan->more = more;
  fan->response = response;
  fan->done = std::move(done);
  for (const GameDirectory::Listed& l : listed) fan->ids.push_back(l.id);
  auto arrive = [fan](size_t k, v1::GameInfo info) {
    RedactSecrets(info.mutable_spec());
    // A listing names games; their .nfg texts (up to 16 MiB each) stay out: GetGame has them.
    info.mutable_spec()->mutable_game()->clear_nfg();
    if (info.ByteSizeLong() > kMaxListedGameBytes) ShortenGameInfo(&info, 0);
    std::lock_guard<std::mutex> lock(fan->mutex);
    fan->infos[k] = std::move(info);
    if (--fan->remaining > 0) return;
    size_t bytes = 0;
    size_t k_end = 0;
    for (; k_end < fan->infos.size(); ++k_end) {
      const size_t size = fan->infos[k_end].ByteSizeLong() + 8;
      if (k_end > 0 && bytes + size > kMaxPageBytes) break;
      bytes += size;
    }
    for (size_t j = 0; j < k_end; ++j) *fan->response->add_games() = std::move(fan->infos[j]);
    if (fan->more || k_end < fan->infos.size()) {
      fan->response->set_next_page_token(GamePageToken(fan->ids[k_end - 1]));
    }
    fan->done();
  };
  std::vector<std::pair<size_t, std::filesystem::path>> retired;
  for (size_t k = 0; k < listed.size(); ++k) {
    GameDirectory::Listed& l = listed[k];
    if (l.live != nullptr) {
      std::shared_ptr<HostedGame> game = std::move(l.live);
      boost::asio::dispatch(game->strand(), [game, k, arrive] {
        v1::GameInfo info;
        game->FillInfo(&info);
        arrive(k, std::move(info));
      });
    } else if (l.info != nullptr) {
      arrive(k, *l.info);
    } else {
      retired.emplace_back(k, std::move(l.record_dir));
    }
  }
  if (retired.empty()) return;
  // Disk reads go to the disk thread, never a gRPC thread.
  disk->Post([retired = std::move(retired), ids = fan->ids, arrive] {
    for (const auto& [k, dir] : retired) arrive(k, RetiredGameInfo(ids[k], dir));
  });
}

}  // namespace nashnet::server

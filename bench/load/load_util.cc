#include "bench/load/load_util.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nashnet::bench {

v1::RunSpec MakeBenchSpec(const BenchGameOptions& options) {
  v1::RunSpec spec;
  spec.set_name("bench");
  spec.mutable_game()->set_name(options.game);
  for (const auto& [key, value] : options.params) {
    (*spec.mutable_game()->mutable_params())[key] = value;
  }
  spec.mutable_learner()->set_algorithm(options.algorithm);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_FULL);
  spec.set_rounds(options.rounds);
  spec.set_seed(options.seed);
  spec.set_seeds(1);
  spec.set_record_every(options.record_every);
  // Paused sides (RunLoad's alternating blocks) must not miss deadlines.
  spec.mutable_service()->set_round_deadline_ms(options.round_deadline_ms);
  return spec;
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("nashnet.bench.channel_index", i);  // distinct args: distinct subchannels
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

void AddAdminToken(const std::string& token, grpc::ClientContext* context) {
  if (!token.empty()) context->AddMetadata("x-nashnet-admin-token", token);
}

absl::Status CreateGames(v1::Coordinator::Stub* stub, const std::string& token,
                         const BenchGameOptions& options, int count,
                         std::vector<std::string>* ids) {
  v1::CreateGameRequest request;
  *request.mutable_spec() = MakeBenchSpec(options);
  for (int i = 0; i < count; ++i) {
    grpc::ClientContext context;
    AddAdminToken(token, &context);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::CreateGameResponse response;
    grpc::Status status = stub->CreateGame(&context, request, &response);
    if (!status.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "CreateGame #", i + 1, ": code ", status.error_code(), ": ", status.error_message()));
    }
    ids->push_back(response.game_id());
  }
  return absl::OkStatus();
}

std::vector<int64_t> SampleRounds(v1::Coordinator::Stub* stub, const std::string& token,
                                  const std::vector<std::string>& ids) {
  std::vector<int64_t> rounds;
  for (const std::string& id : ids) {
    grpc::ClientContext context;
    AddAdminToken(token, &context);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::GetGameRequest request;
    request.set_game_id(id);
    v1::GameInfo info;
    rounds.push_back(stub->GetGame(&context, request, &info).ok() ? info.round() : -1);
  }
  return rounds;
}

absl::StatusOr<ProcStats> ReadProcStats(pid_t pid) {
  const std::string dir = pid == 0 ? "/proc/self" : absl::StrCat("/proc/", pid);
  ProcStats stats;
  std::ifstream status(dir + "/status");
  if (!status) return absl::NotFoundError(absl::StrCat(dir, "/status: cannot read"));
  std::string line;
  while (std::getline(status, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t value = 0;
    fields >> key >> value;
    if (key == "VmRSS:") stats.rss_kib = value;
    if (key == "VmHWM:") stats.hwm_kib = value;
    if (key == "Threads:") stats.threads = value;
  }
  std::ifstream stat_file(dir + "/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) {
    return absl::NotFoundError(absl::StrCat(dir, "/stat: cannot read"));
  }
  // Fields after the command name (which may hold spaces) start at the last ')'.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int k = 3; k <= 15 && rest >> field; ++k) {
    if (k == 14) utime = std::stod(field);
    if (k == 15) stime = std::stod(field);
  }
  stats.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return stats;
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace nashnet::bench

// nashnet-agent: one learner playing one seat of a game on a nashnet coordinator.
//
//   nashnet-agent --coordinator 127.0.0.1:50051 --game g1 [--seat 0] [--state-file F]
//                 [--algorithm hedge --param beta=0.6 ...] [--name NAME] [--join-token-file F]
//                 [--resume-token T] [--tls-ca ca.pem [--tls-cert client.pem --tls-key client.key]
//                  [--tls-server-name NAME]] [--max-retry-seconds 300] [--quiet]
//
// The join token comes from --join-token-file (one line), else $NASHNET_JOIN_TOKEN; --join-token T
// still works but shows in `ps`. With --tls-ca the connection is TLS, the coordinator's
// certificate checked against that CA (and for NAME instead of the dialled host with
// --tls-server-name); --tls-cert/--tls-key present a client certificate (mutual TLS). A TLS
// failure ends the agent at once: "nashnet-agent: error: cannot reach coordinator at ADDR: TLS
// handshake failed: ...".
//
// Without --algorithm the agent plays the seat's learner of the game's spec (Joined.learner).
// --state-file keeps the game, seat and resume token: a restarted agent with the same file takes
// its seat back and replays the seat's history (a Kubernetes Job pod, a laptop that slept); once
// the game is over, a restart with the file exits 0 at once. Evictions and a draining coordinator
// are retried with the token (backoff up to --max-retry-seconds without progress).
//
// stderr: "nashnet-agent: joined game ID seat N" once joined (and "resumed ..." after each
// resume), in-band Errors with their round, reconnect notes (not with --quiet). The resume token
// is a secret: it goes to the state file (mode 0600), never to the logs.
// stdout at GameOver (not with --quiet): "nashnet-agent: game ID seat N REASON: R rounds, average
// payoff P, regret G". Exit codes: 0 the game ended (completed, stopped); 1 a fatal status or a
// failed game (the message names the code and the coordinator's text); 2 bad flags.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agents/remote/agent_client.h"
#include "common/secret_source.h"
#include "common/tls/channel_tls.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& message, int code) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "nashnet-agent: error: %s\n", line.c_str());
  return code;
}

// The whole of `text` as a finite double (no spaces, no "inf"/"nan"), else nullopt.
std::optional<double> StrictDouble(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  if (text.empty() || text.front() == '+') return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int> StrictInt(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

const char* ReasonName(nashnet::v1::GameOverReason reason) {
  switch (reason) {
    case nashnet::v1::GAME_OVER_REASON_COMPLETED:
      return "completed";
    case nashnet::v1::GAME_OVER_REASON_STOPPED:
      return "stopped";
    case nashnet::v1::GAME_OVER_REASON_DRAINING:
      return "draining";
    case nashnet::v1::GAME_OVER_REASON_FAILED:
      return "failed";
    default:
      return "over";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("nashnet-agent: play one seat of a game on a nashnet coordinator", "nashnet-agent");
  std::string coordinator;
  std::string game;
  std::string seat_text;
  std::string algorithm;
  std::vector<std::string> params;
  std::string name;
  std::string join_token;
  std::string join_token_file;
  nashnet::tls::ClientTlsOptions tls;
  std::string resume_token;
  std::string max_retry_text;
  std::string state_file;
  bool quiet = false;
  app.add_option("--coordinator", coordinator, "Coordinator address HOST:PORT")->required();
  app.add_option("--game", game, "Game id")->required();
  app.add_option("--seat", seat_text, "Seat (0-based); default the first free remote seat");
  app.add_option("--algorithm", algorithm,
                 "Learner: hedge, hedge-lr, bandit-hedge, kernel-da, hda (default: as the "
                 "simulator picks for the game)");
  app.add_option("--param", params, "Learner parameter KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--name", name, "Agent name shown by the coordinator");
  app.add_option("--join-token", join_token,
                 "The game's join token (visible in ps: prefer --join-token-file or "
                 "$NASHNET_JOIN_TOKEN)");
  app.add_option("--join-token-file", join_token_file, "Read the join token from this file");
  app.add_option("--tls-ca", tls.ca_file,
                 "Connect with TLS, verifying the coordinator against this CA (PEM)");
  app.add_option("--tls-cert", tls.cert_file, "Client certificate for mutual TLS (PEM)");
  app.add_option("--tls-key", tls.key_file, "The private key of --tls-cert (PEM)");
  app.add_option("--tls-server-name", tls.server_name,
                 "The name the coordinator's certificate must carry (default: the host dialled)");
  app.add_option("--resume-token", resume_token, "Take back the seat this token was issued for");
  app.add_option("--state-file", state_file,
                 "Keep the game, seat and resume token in this file (mode 0600): a restarted agent "
                 "takes its seat back");
  app.add_option("--max-retry-seconds", max_retry_text,
                 "Give up reconnecting after this many seconds without progress (default 300)");
  app.add_flag("--quiet,-q", quiet, "No summary on stdout and no reconnect notes");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(std::string(e.what()) + " (see nashnet-agent --help)", kExitUsage);
  }

  nashnet::agents::AgentClientOptions options;
  if (coordinator.empty()) return Fail("--coordinator: must not be empty", kExitUsage);
  if (game.empty()) return Fail("--game: must not be empty", kExitUsage);
  options.coordinator = coordinator;
  options.game_id = game;
  if (!seat_text.empty()) {
    std::optional<int> seat = StrictInt(seat_text);
    if (!seat.has_value() || *seat < 0) {
      return Fail(absl::StrCat("--seat: '", seat_text, "' is not a seat (0, 1, ...)"), kExitUsage);
    }
    options.seat = *seat;
  }
  options.algorithm = algorithm;
  for (const std::string& text : params) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(absl::StrCat("--param '", text, "': expected KEY=VALUE"), kExitUsage);
    }
    const std::string key = text.substr(0, eq);
    std::optional<double> value = StrictDouble(std::string_view(text).substr(eq + 1));
    if (!value.has_value()) {
      return Fail(
          absl::StrCat("--param ", key, ": '", text.substr(eq + 1), "' is not a finite number"),
          kExitUsage);
    }
    options.params[key] = *value;
  }
  options.name = name;
  absl::StatusOr<std::string> token = nashnet::ResolveSecret({.flag = "--join-token",
                                                              .value = join_token,
                                                              .file_flag = "--join-token-file",
                                                              .file = join_token_file,
                                                              .env = "NASHNET_JOIN_TOKEN"});
  if (!token.ok()) return Fail(std::string(token.status().message()), kExitUsage);
  options.join_token = *std::move(token);
  absl::StatusOr<nashnet::tls::ChannelSecurity> security = nashnet::tls::ChannelSecurity::Load(tls);
  if (!security.ok()) return Fail(std::string(security.status().message()), kExitUsage);
  options.security = *std::move(security);
  options.resume_token = resume_token;
  options.state_file = state_file;
  if (!max_retry_text.empty()) {
    std::optional<double> seconds = StrictDouble(max_retry_text);
    if (!seconds.has_value() || *seconds < 0) {
      return Fail(absl::StrCat("--max-retry-seconds: '", max_retry_text,
                               "' is not a non-negative number of seconds"),
                  kExitUsage);
    }
    options.max_retry_seconds = *seconds;
  }
  bool joined_once = false;  // a Joined arrived at least once
  options.on_joined = [&joined_once](const nashnet::v1::Joined& joined) {
    std::fprintf(stderr, "nashnet-agent: %s game %s seat %d%s\n",
                 joined_once || joined.replay_from() > 0 ? "resumed" : "joined",
                 joined.game_id().c_str(), joined.seat(),
                 joined.replay_from() > 0
                     ? absl::StrCat(" (replaying rounds ", joined.replay_from(), "..",
                                    joined.next_round() - 1, joined.reset() ? ", reset" : "", ")")
                           .c_str()
                     : "");
    std::fflush(stderr);
    joined_once = true;
  };
  options.log = [quiet](const std::string& line) {
    if (quiet && line.starts_with("connection to ")) return;  // reconnect notes
    std::fprintf(stderr, "nashnet-agent: %s\n", line.c_str());
  };

  nashnet::tls::DropTlsHandshakeLogs();  // a failed handshake is reported once, below
  nashnet::agents::AgentClient client(options);
  absl::StatusOr<nashnet::agents::AgentResult> result = client.Run();
  if (!result.ok()) {
    const absl::Status& status = result.status();
    const std::string text =
        absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
    if (client.learner_failed()) {
      return Fail(absl::StrCat("--algorithm/--param: ", status.message()), kExitUsage);
    }
    if (nashnet::tls::IsTlsFailure(status) || (absl::IsUnavailable(status) && !joined_once)) {
      return Fail(absl::StrCat("cannot reach coordinator at ", coordinator, ": ",
                               nashnet::tls::DescribeConnectFailure(status, tls.enabled())),
                  kExitFailed);
    }
    return Fail(text, kExitFailed);
  }
  if (result->already_over) return kExitOk;
  const nashnet::v1::GameOver& over = result->game_over;
  if (!quiet) {
    std::string payoff = "-";
    std::string regret = "-";
    const int seat = result->seat;
    if (seat >= 0 && seat < over.summary().players_size()) {
      const nashnet::v1::PlayerSummary& player = over.summary().players(seat);
      payoff = absl::StrCat(player.average_payoff());
      regret = absl::StrCat(player.regret());
    }
    std::printf("nashnet-agent: game %s seat %d %s: %lld rounds, average payoff %s, regret %s\n",
                result->game_id.c_str(), seat, ReasonName(over.reason()),
                static_cast<long long>(over.rounds_played()), payoff.c_str(), regret.c_str());
    std::fflush(stdout);
  }
  if (over.reason() == nashnet::v1::GAME_OVER_REASON_FAILED) {
    return Fail(absl::StrCat("game ", result->game_id, " failed: ", over.message()), kExitFailed);
  }
  return kExitOk;
}

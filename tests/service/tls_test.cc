// TLS on the gRPC port, end to end with the real executables: agents with --tls-ca play a game on
// a coordinator with --tls-cert/--tls-key and its record is simulate's; every way of getting TLS
// wrong (plaintext client, wrong CA, wrong name, TLS client on a plaintext port, a missing or
// foreign client certificate under mutual TLS) ends the client with one line and exit 1 instead
// of a hang or retries; bad TLS files are refused at start-up naming the flag and the file.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "server/record/run_record.h"
#include "server/simulation.h"
#include "tests/service/service_harness.h"
#include "tests/test_certs.h"

namespace nashnet::service_test {
namespace {

using test::TestCerts;

// summary.json without its wall-clock fields.
nlohmann::json SummaryWithoutTimes(const std::filesystem::path& path) {
  nlohmann::json json = ReadJson(path);
  json.erase("elapsed_seconds");
  json.erase("rounds_per_second");
  return json;
}

class TlsService : public testing::Test {
 protected:
  void SetUp() override {
    NASHNET_REQUIRE_BINARIES();
    ASSERT_TRUE(certs_.status.ok()) << certs_.status;
  }

  std::vector<std::string> ServerFlags() const {
    return {"--tls-cert", certs_.server_cert(), "--tls-key", certs_.server_key()};
  }

  // The test's own channel: TLS against the test CA (with the client certificate if asked).
  tls::ChannelSecurity Security(bool client_cert = false) const {
    tls::ClientTlsOptions options{.ca_file = certs_.ca()};
    if (client_cert) {
      options.cert_file = certs_.client_cert();
      options.key_file = certs_.client_key();
    }
    absl::StatusOr<tls::ChannelSecurity> security = tls::ChannelSecurity::Load(options);
    EXPECT_TRUE(security.ok()) << security.status();
    return security.ok() ? *security : tls::ChannelSecurity();
  }

  // Runs nashnet-agent with `args` to its end; returns the exit status.
  ExitStatus RunAgent(const std::string& name, std::vector<std::string> args) {
    absl::StatusOr<std::unique_ptr<Process>> agent = StartAgent(dir_.path(), name, args);
    EXPECT_TRUE(agent.ok()) << agent.status();
    if (!agent.ok()) return {};
    absl::StatusOr<ExitStatus> ended = (*agent)->process().Wait(kGameTimeout);
    EXPECT_TRUE(ended.ok()) << (*agent)->Describe();
    last_stderr_ = (*agent)->Stderr();
    return ended.ok() ? *ended : ExitStatus{};
  }

  // Expects the last agent's stderr to be exactly one line starting with `prefix` and
  // containing `needle`.
  void ExpectOneLine(const std::string& prefix, const std::string& needle) const {
    EXPECT_EQ(std::count(last_stderr_.begin(), last_stderr_.end(), '\n'), 1) << last_stderr_;
    EXPECT_EQ(last_stderr_.rfind(prefix, 0), 0u) << last_stderr_;
    EXPECT_NE(last_stderr_.find(needle), std::string::npos) << last_stderr_;
  }

  TestDir dir_;
  TestCerts certs_{dir_.path() / "certs"};
  std::string last_stderr_;
};

TEST_F(TlsService, AgentsWithTlsCaPlayAndTheRecordIsSimulates) {
  std::filesystem::path token_file = dir_.path() / "join.token";
  std::ofstream(token_file) << "s3cret-join\n";
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Start(dir_.path(), ServerFlags(), "", Security());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();

  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 300, 11);
  spec.mutable_feedback()->set_model(v1::FEEDBACK_MODEL_NOISY);
  spec.mutable_feedback()->set_sigma(2.5);
  spec.set_record_every(7);
  spec.mutable_service()->set_join_token("s3cret-join");
  absl::StatusOr<std::string> id = (*coordinator)->CreateGame(spec, "pd");
  ASSERT_TRUE(id.ok()) << id.status();

  std::vector<std::unique_ptr<Process>> agents;
  for (int seat = 0; seat < 2; ++seat) {
    absl::StatusOr<std::unique_ptr<Process>> agent = StartAgent(
        dir_.path(), absl::StrCat("agent", seat),
        {"--coordinator", (*coordinator)->address(), "--game", "pd", "--seat", std::to_string(seat),
         "--tls-ca", certs_.ca(), "--join-token-file", token_file.string()});
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(*std::move(agent));
  }
  for (std::unique_ptr<Process>& agent : agents) {
    absl::StatusOr<ExitStatus> ended = agent->process().Wait(kGameTimeout);
    ASSERT_TRUE(ended.ok() && ended->ok()) << agent->Describe();
    EXPECT_NE(agent->Stdout().find("completed: 300 rounds"), std::string::npos) << agent->Stdout();
  }
  absl::StatusOr<v1::GameInfo> info = (*coordinator)->WaitForGame("pd", IsOver);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_COMPLETED);
  EXPECT_EQ(info->spec().service().join_token(), "") << "GetGame shows no join token";

  // simulate's record of the same spec and seed.
  absl::StatusOr<server::RunPlan> plan = server::PlanRun(spec, dir_.path());
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::filesystem::path sim = dir_.path() / "simulated";
  absl::StatusOr<server::RunRecord> record = server::RunRecord::Create(sim, plan->spec);
  ASSERT_TRUE(record.ok()) << record.status();
  auto rounds = record->OpenRounds(plan->spec.seed(), plan->game);
  ASSERT_TRUE(rounds.ok()) << rounds.status();
  auto summary = server::Simulate(*plan, plan->spec.seed(), rounds->get(), {});
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_TRUE(record->CommitSeed(plan->spec.seed(), rounds->get(), *summary).ok());

  const std::filesystem::path game = dir_.path() / "pd";
  EXPECT_EQ(ReadFile(game / "rounds.csv"), ReadFile(sim / "rounds.csv"));
  EXPECT_EQ(ReadFile(game / "spec.yaml"), ReadFile(sim / "spec.yaml"));
  EXPECT_EQ(SummaryWithoutTimes(game / "summary.json"), SummaryWithoutTimes(sim / "summary.json"));
  EXPECT_EQ(Lines(ReadFile(game / "rounds.csv")).size(),
            1u + 1 + 300 / 7 + 1);  // header, 1, 7k, last
  EXPECT_EQ(ReadFile(game / "spec.yaml").find("s3cret"), std::string::npos);
  EXPECT_EQ((*coordinator)->process().Stderr().find("s3cret"), std::string::npos);
}

TEST_F(TlsService, PlaintextClientsAreRefusedInOneLine) {
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Start(dir_.path(), ServerFlags(), "", Security());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  ASSERT_TRUE((*coordinator)->CreateGame(MakeSpec("prisoners_dilemma", 50), "g").ok());
  const ExitStatus plain = RunAgent("plain", {"--coordinator", (*coordinator)->address(), "--game",
                                              "g", "--max-retry-seconds", "1", "--quiet"});
  EXPECT_EQ(plain.ToString(), "exit 1") << last_stderr_;
  ExpectOneLine(absl::StrCat("nashnet-agent: error: cannot reach coordinator at ",
                             (*coordinator)->address(), ": "),
                "--tls-ca");

  // A plaintext RPC fails too (UNAVAILABLE, as for a closed port: the handshake never happens).
  auto stub = v1::Coordinator::NewStub(
      grpc::CreateChannel((*coordinator)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::ListGamesResponse response;
  const grpc::Status status = stub->ListGames(&context, v1::ListGamesRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(TlsService, CertificateProblemsEndTheAgentAtOnceWithoutRetrying) {
  absl::StatusOr<std::unique_ptr<Coordinator>> tls_coordinator =
      Coordinator::Start(dir_.path(), ServerFlags(), "", Security());
  ASSERT_TRUE(tls_coordinator.ok()) << tls_coordinator.status();
  const std::string address = (*tls_coordinator)->address();
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 50);
  spec.mutable_service()->add_local_seats(1);  // seat 0 for the agent that gets in, at the end
  ASSERT_TRUE((*tls_coordinator)->CreateGame(spec, "g").ok());
  const std::string line = absl::StrCat("nashnet-agent: error: cannot reach coordinator at ");

  // Default --max-retry-seconds (30): a certificate error must not be retried, so the one line
  // below is all the agent says (a retry would log "retrying in ...").
  SCOPED_TRACE("wrong CA");
  EXPECT_EQ(
      RunAgent("wrong-ca", {"--coordinator", address, "--game", "g", "--tls-ca", certs_.other_ca()})
          .ToString(),
      "exit 1");
  ExpectOneLine(line + address + ": TLS handshake failed: ", "");

  SCOPED_TRACE("a name the certificate lacks");
  EXPECT_EQ(RunAgent("wrong-name", {"--coordinator", address, "--game", "g", "--tls-ca",
                                    certs_.ca(), "--tls-server-name", "elsewhere.example"})
                .ToString(),
            "exit 1");
  ExpectOneLine(line + address + ": TLS handshake failed: ", "");

  SCOPED_TRACE("TLS client, plaintext coordinator");
  const std::filesystem::path plain_dir = dir_.path() / "plain";  // its files apart
  std::filesystem::create_directories(plain_dir);
  absl::StatusOr<std::unique_ptr<Coordinator>> plain = Coordinator::Start(plain_dir);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE((*plain)->CreateGame(MakeSpec("prisoners_dilemma", 50), "g").ok());
  EXPECT_EQ(RunAgent("tls-to-plain",
                     {"--coordinator", (*plain)->address(), "--game", "g", "--tls-ca", certs_.ca()})
                .ToString(),
            "exit 1");
  ExpectOneLine(line + (*plain)->address() + ": TLS handshake failed: ", "");

  SCOPED_TRACE("the right name, given explicitly, works");
  EXPECT_EQ(RunAgent("right-name",
                     {"--coordinator", address, "--game", "g", "--seat", "0", "--tls-ca",
                      certs_.ca(), "--tls-server-name", "localhost", "--max-retry-seconds", "0"})
                .ToString(),
            "exit 0")
      << last_stderr_;
}

TEST_F(TlsService, MutualTlsAdmitsOnlyClientsWithACertificateFromItsCa) {
  std::vector<std::string> flags = ServerFlags();
  flags.insert(flags.end(), {"--tls-client-ca", certs_.ca()});
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Start(dir_.path(), flags, "", Security(/*client_cert=*/true));
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  const std::string address = (*coordinator)->address();
  v1::RunSpec spec = MakeSpec("prisoners_dilemma", 100);
  spec.mutable_service()->add_local_seats(1);  // seat 1 is the coordinator's own learner
  ASSERT_TRUE((*coordinator)->CreateGame(spec, "g").ok());

  const std::vector<std::string> base = {"--coordinator", address,    "--game", "g",
                                         "--tls-ca",      certs_.ca()};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  SCOPED_TRACE("no client certificate");
  EXPECT_EQ(RunAgent("no-cert", with({"--max-retry-seconds", "1", "--quiet"})).ToString(),
            "exit 1");
  ExpectOneLine("nashnet-agent: error: cannot reach coordinator at " + address + ": ", "");
  SCOPED_TRACE("a certificate from another CA");
  EXPECT_EQ(RunAgent("other-cert",
                     with({"--tls-cert", certs_.other_client_cert(), "--tls-key",
                           certs_.other_client_key(), "--max-retry-seconds", "1", "--quiet"}))
                .ToString(),
            "exit 1");
  ExpectOneLine("nashnet-agent: error: cannot reach coordinator at " + address + ": ", "");
  // Refused in the handshake: the game never saw either of them.
  absl::StatusOr<v1::GameInfo> info = (*coordinator)->GetGame("g");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_WAITING);

  SCOPED_TRACE("the client certificate");
  EXPECT_EQ(RunAgent("cert", with({"--tls-cert", certs_.client_cert(), "--tls-key",
                                   certs_.client_key(), "--seat", "0"}))
                .ToString(),
            "exit 0")
      << last_stderr_;
  info = (*coordinator)->WaitForGame("g", IsOver);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status(), v1::GAME_STATUS_COMPLETED);
  EXPECT_EQ(info->round(), 100);
}

TEST_F(TlsService, BadTlsFlagsAreRefusedAtStartNamingFlagAndFile) {
  const std::string missing = (dir_.path() / "missing.pem").string();
  const struct {
    const char* name;
    std::vector<std::string> args;
    std::string error;
  } cases[] = {
      {"missing certificate",
       {"--tls-cert", missing, "--tls-key", certs_.server_key()},
       "nashnet-coordinator: error: --tls-cert: cannot read " + missing},
      {"key of another certificate",
       {"--tls-cert", certs_.server_cert(), "--tls-key", certs_.client_key()},
       "nashnet-coordinator: error: --tls-key: " + certs_.client_key() +
           " does not match the certificate in --tls-cert " + certs_.server_cert()},
      {"certificate without key",
       {"--tls-cert", certs_.server_cert()},
       "nashnet-coordinator: error: --tls-cert: needs --tls-key"},
      {"client CA without TLS",
       {"--tls-client-ca", certs_.ca()},
       "nashnet-coordinator: error: --tls-client-ca: needs --tls-cert and --tls-key"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> argv = {(BinDir() / "nashnet-coordinator").string(), "--listen",
                                     "127.0.0.1:0", "--records-dir", dir_.path().string()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    absl::StatusOr<std::unique_ptr<Process>> process = Process::Start(dir_.path(), "bad", argv);
    ASSERT_TRUE(process.ok()) << process.status();
    absl::StatusOr<ExitStatus> ended = (*process)->process().Wait(kStartTimeout);
    ASSERT_TRUE(ended.ok()) << (*process)->Describe();
    EXPECT_EQ(ended->ToString(), "exit 2");
    EXPECT_EQ((*process)->Stderr().rfind(c.error, 0), 0u) << (*process)->Stderr();
  }
  // And the agent's.
  EXPECT_EQ(
      RunAgent("bad-agent", {"--coordinator", "127.0.0.1:1", "--game", "g", "--tls-ca", missing})
          .ToString(),
      "exit 2");
  ExpectOneLine("nashnet-agent: error: --tls-ca: cannot read " + missing, "");
}

}  // namespace
}  // namespace nashnet::service_test

// The admin verbs and agents against a coordinator serving TLS, as real processes: tokens from
// files and the environment, TLS and mutual TLS flags, one clear line (exit 1) for a plaintext
// client or a wrong CA, exit 2 naming the file for a bad token file, and no join token in
// `show --json` or the record — which is `nashnet simulate`'s.
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/subprocess.h"
#include "tests/cli/cli_runner.h"
#include "tests/test_certs.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;
using test::TestCerts;

fs::path BinDir() { return fs::path(NASHNET_CLI).parent_path(); }

// A coordinator serving TLS on a free loopback port (records in `tmp`/records); SIGTERM at the end.
class TlsCoordinator {
 public:
  TlsCoordinator(const TempDir& tmp, const TestCerts& certs, std::vector<std::string> extra,
                 std::vector<std::string> env = {}) {
    const std::string port_file = tmp / "coordinator.port";
    std::vector<std::string> argv = {(BinDir() / "nashnet-coordinator").string(),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--port-file",
                                     port_file,
                                     "--records-dir",
                                     tmp / "records",
                                     "--tls-cert",
                                     certs.server_cert(),
                                     "--tls-key",
                                     certs.server_key()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    SpawnOptions options;
    options.stdout_path = tmp / "coordinator.out";
    options.stderr_path = log_ = tmp / "coordinator.log";
    options.extra_env = std::move(env);
    absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, options);
    if (!process.ok()) {
      ADD_FAILURE() << process.status();
      return;
    }
    process_.emplace(*std::move(process));
    address_ = WaitForPortFile(port_file);
    if (address_.empty()) ADD_FAILURE() << "no port file: " << ReadFile(tmp / "coordinator.log");
  }
  ~TlsCoordinator() {
    if (!process_) return;
    (void)process_->Signal(SIGTERM);
    absl::StatusOr<ExitStatus> ended = process_->Wait(std::chrono::seconds(20));
    EXPECT_TRUE(ended.ok() && ended->ok())
        << "the coordinator did not drain cleanly: "
        << (ended.ok() ? ended->ToString() : ended.status().ToString()) << "\n"
        << ReadFile(log_);
  }
  const std::string& address() const { return address_; }
  std::string flag() const { return " --coordinator " + address_; }

 private:
  std::optional<Subprocess> process_;
  std::string address_;
  std::string log_;
};

int Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

constexpr char kRun[] =
    "game: prisoners_dilemma\n"
    "learner: {algorithm: hedge, params: {gamma0: 0.2}}\n"
    "feedback: {model: noisy, sigma: 0.5}\n"
    "rounds: 400\n"
    "seed: 9\n"
    "record_every: 10\n";

TEST(TlsAdminCli, AgentsAndAdminVerbsOverTlsWithTokensFromFiles) {
  TempDir tmp;
  TestCerts certs(tmp.path() / "certs");
  ASSERT_TRUE(certs.status.ok()) << certs.status;
  WriteFile(tmp / "admin.token", "adm1n-s3cret\n");
  WriteFile(tmp / "join.token", "j0in-s3cret\n");
  WriteFile(tmp / "run.yaml", kRun);
  TlsCoordinator coordinator(tmp, certs, {"--admin-token-file", tmp / "admin.token", "--quiet"});
  const std::string tls = " --tls-ca '" + certs.ca() + "'";
  const std::string admin = tls + " --admin-token-file '" + (tmp / "admin.token") + "'";

  const CliResult created =
      RunCli(tmp, "create '" + (tmp / "run.yaml") + "' --id pd" + " --join-token-file '" +
                      (tmp / "join.token") + "'" + admin + coordinator.flag());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "pd\n");

  // Two agents over TLS, the join token from the environment (not on their command line), the
  // run file's learner as `nashnet run` passes it.
  std::vector<Subprocess> agents;
  for (int seat = 0; seat < 2; ++seat) {
    SpawnOptions options;
    options.stdout_path = tmp / ("agent" + std::to_string(seat) + ".out");
    options.stderr_path = tmp / ("agent" + std::to_string(seat) + ".err");
    options.extra_env = {"NASHNET_JOIN_TOKEN=j0in-s3cret"};
    absl::StatusOr<Subprocess> agent = Subprocess::Spawn(
        {(BinDir() / "nashnet-agent").string(), "--coordinator", coordinator.address(), "--game",
         "pd", "--seat", std::to_string(seat), "--tls-ca", certs.ca(), "--algorithm", "hedge",
         "--param", "gamma0=0.2", "--quiet"},
        options);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agents.push_back(*std::move(agent));
  }
  // `watch` follows it to the end over TLS, the admin token from the environment this time.
  ::setenv("NASHNET_ADMIN_TOKEN", "adm1n-s3cret", 1);
  const CliResult watched = RunCli(tmp, "watch pd --every 100" + tls + coordinator.flag());
  ::unsetenv("NASHNET_ADMIN_TOKEN");
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  EXPECT_NE(watched.out.find("pd COMPLETED round 400/400"), std::string::npos) << watched.out;
  for (int seat = 0; seat < 2; ++seat) {
    absl::StatusOr<ExitStatus> ended = agents[seat].Wait(std::chrono::seconds(30));
    ASSERT_TRUE(ended.ok() && ended->ok())
        << "agent " << seat << ": " << ReadFile(tmp / ("agent" + std::to_string(seat) + ".err"));
  }

  const CliResult list = RunCli(tmp, "list" + admin + coordinator.flag());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("pd  COMPLETED  400/400"), std::string::npos) << list.out;
  const CliResult json = RunCli(tmp, "show pd --json" + admin + coordinator.flag());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.find("j0in-s3cret"), std::string::npos) << json.out;
  EXPECT_EQ(nlohmann::json::parse(json.out)["spec"]["service"]["join_token"], "");
  const CliResult stopped = RunCli(tmp, "stop pd" + admin + coordinator.flag());
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;

  // The record is simulate's (spec.yaml included: neither holds the join token).
  const CliResult sim =
      RunCli(tmp, "simulate '" + (tmp / "run.yaml") + "' -q --out '" + (tmp / "sim") + "'");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const fs::path record = tmp.path() / "records" / "pd";
  EXPECT_EQ(ReadFile(record / "rounds.csv"), ReadFile(tmp.path() / "sim" / "rounds.csv"));
  EXPECT_EQ(SummaryWithoutElapsed(record / "summary.json"),
            SummaryWithoutElapsed(tmp.path() / "sim" / "summary.json"));
  const std::string spec_yaml = ReadFile(record / "spec.yaml");
  EXPECT_EQ(spec_yaml.find("j0in-s3cret"), std::string::npos) << spec_yaml;
  const std::string log = ReadFile(tmp / "coordinator.log");
  EXPECT_EQ(log.find("s3cret"), std::string::npos) << log;

  // Without the token, or with a wrong one: UNAUTHENTICATED.
  const CliResult anonymous = RunCli(tmp, "list" + tls + coordinator.flag());
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_EQ(anonymous.err.rfind("nashnet: error: UNAUTHENTICATED: ", 0), 0u) << anonymous.err;
  WriteFile(tmp / "wrong.token", "adm1n-s3creT");
  const CliResult wrong = RunCli(tmp, "list" + tls + " --admin-token-file '" +
                                          (tmp / "wrong.token") + "'" + coordinator.flag());
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.err,
            "nashnet: error: UNAUTHENTICATED: x-nashnet-admin-token: wrong admin token\n");
}

TEST(TlsAdminCli, TransportMistakesAreOneLineNamingTheAddress) {
  TempDir tmp;
  TestCerts certs(tmp.path() / "certs");
  ASSERT_TRUE(certs.status.ok()) << certs.status;
  TlsCoordinator coordinator(tmp, certs, {"--quiet"});
  const std::string prefix = "nashnet: cannot reach coordinator at " + coordinator.address() + ": ";
  const struct {
    const char* name;
    std::string flags;
    std::string start;  // after the prefix
  } cases[] = {
      {"plaintext", "", ""},
      {"wrong CA", " --tls-ca '" + certs.other_ca() + "'", "TLS handshake failed: "},
      {"wrong name", " --tls-ca '" + certs.ca() + "' --tls-server-name other.example",
       "TLS handshake failed: "},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    for (const char* verb : {"list", "show g1", "stop g1", "watch g1"}) {
      SCOPED_TRACE(verb);
      const CliResult r = RunCli(tmp, std::string(verb) + c.flags + coordinator.flag());
      EXPECT_EQ(r.exit_code, 1);
      EXPECT_EQ(r.err.rfind(prefix + c.start, 0), 0u) << r.err;
      EXPECT_EQ(Lines(r.err), 1) << r.err;
    }
  }
  const CliResult plain = RunCli(tmp, "list" + coordinator.flag());
  EXPECT_NE(plain.err.find("pass --tls-ca"), std::string::npos) << plain.err;

  // Bad files: exit 2 naming the flag and the file, nothing sent.
  WriteFile(tmp / "empty.token", "");
  const CliResult empty =
      RunCli(tmp, "list --admin-token-file '" + (tmp / "empty.token") + "'" + coordinator.flag());
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_EQ(empty.err,
            "nashnet: error: --admin-token-file: " + (tmp / "empty.token") + " is empty\n");
  const CliResult missing_ca =
      RunCli(tmp, "list --tls-ca '" + (tmp / "nope.pem") + "'" + coordinator.flag());
  EXPECT_EQ(missing_ca.exit_code, 2);
  EXPECT_EQ(missing_ca.err.rfind("nashnet: error: --tls-ca: cannot read " + (tmp / "nope.pem"), 0),
            0u)
      << missing_ca.err;
  WriteFile(tmp / "run.yaml", kRun);
  const CliResult no_join = RunCli(tmp, "create '" + (tmp / "run.yaml") + "' --join-token-file '" +
                                            (tmp / "nope.token") + "'" + coordinator.flag());
  EXPECT_EQ(no_join.exit_code, 2);
  EXPECT_EQ(no_join.err.rfind("nashnet: error: --join-token-file: cannot read ", 0), 0u)
      << no_join.err;
}

TEST(TlsAdminCli, MutualTlsNeedsTheClientCertificate) {
  TempDir tmp;
  TestCerts certs(tmp.path() / "certs");
  ASSERT_TRUE(certs.status.ok()) << certs.status;
  // The admin token from the coordinator's environment.
  TlsCoordinator coordinator(tmp, certs, {"--tls-client-ca", certs.ca(), "--quiet"},
                             {"NASHNET_ADMIN_TOKEN=env-t0ken"});
  const std::string tls = " --tls-ca '" + certs.ca() + "'";
  const std::string cert =
      " --tls-cert '" + certs.client_cert() + "' --tls-key '" + certs.client_key() + "'";
  WriteFile(tmp / "admin.token", "env-t0ken");
  const std::string token = " --admin-token-file '" + (tmp / "admin.token") + "'";

  const CliResult ok = RunCli(tmp, "list" + tls + cert + token + coordinator.flag());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "no games on " + coordinator.address() + "\n");
  const CliResult no_token = RunCli(tmp, "list" + tls + cert + coordinator.flag());
  EXPECT_EQ(no_token.exit_code, 1);
  EXPECT_EQ(no_token.err.rfind("nashnet: error: UNAUTHENTICATED: ", 0), 0u) << no_token.err;

  const std::string other = " --tls-cert '" + certs.other_client_cert() + "' --tls-key '" +
                            certs.other_client_key() + "'";
  for (const std::string& client : {std::string(), other}) {
    SCOPED_TRACE(client.empty() ? "no client certificate" : "another CA's certificate");
    const CliResult r = RunCli(tmp, "list" + tls + client + token + coordinator.flag());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(
        r.err.rfind("nashnet: cannot reach coordinator at " + coordinator.address() + ": ", 0), 0u)
        << r.err;
    EXPECT_EQ(Lines(r.err), 1) << r.err;
  }
}

}  // namespace
}  // namespace nashnet::cli_test

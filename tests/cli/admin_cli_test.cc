// The admin verbs (create, list, show, watch, stop) as real processes against a real
// nashnet-coordinator on loopback: what each prints, the JSON of `show --json`, the admin token,
// and one clear line with exit 1 for an unknown game or an absent coordinator, exit 2 for bad
// input.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "common/subprocess.h"
#include "tests/cli/cli_runner.h"
#include "tests/wait_until.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;

// A coordinator on a free loopback port, records under `tmp`/records; SIGTERM at the end.
class Coordinator {
 public:
  Coordinator(const TempDir& tmp, std::vector<std::string> extra = {}) {
    const fs::path bin = fs::path(NASHNET_CLI).parent_path() / "nashnet-coordinator";
    const std::string port_file = tmp / "coordinator.port";
    std::vector<std::string> argv = {bin.string(), "--listen",      "127.0.0.1:0",   "--port-file",
                                     port_file,    "--records-dir", tmp / "records", "--quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    SpawnOptions options;
    options.stdout_path = tmp / "coordinator.out";
    options.stderr_path = tmp / "coordinator.log";
    absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, options);
    if (!process.ok()) {
      ADD_FAILURE() << process.status();
      return;
    }
    process_.emplace(*std::move(process));
    address_ = WaitForPortFile(port_file);
    if (address_.empty())
      ADD_FAILURE() << "no port file; log: " << ReadFile(tmp / "coordinator.log");
  }
  ~Coordinator() {
    if (!process_) return;
    (void)process_->Signal(SIGTERM);
    absl::StatusOr<ExitStatus> ended = process_->Wait(std::chrono::seconds(20));
    EXPECT_TRUE(ended.ok() && ended->ok()) << "the coordinator did not drain cleanly";
  }
  // "--coordinator 127.0.0.1:PORT".
  std::string flag() const { return " --coordinator " + address_; }

 private:
  std::optional<Subprocess> process_;
  std::string address_;
};

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Two remote seats and nobody to fill them: the game waits.
constexpr char kWaiting[] =
    "game: rock_paper_scissors\n"
    "learner: hedge\n"
    "rounds: 1000\n"
    "seed: 5\n";

// Every seat local: the coordinator plays it alone, at once.
constexpr char kLocal[] =
    "game: prisoners_dilemma\n"
    "learner: {algorithm: hedge, params: {gamma0: 0.2}}\n"
    "feedback: {model: noisy, sigma: 0.5}\n"
    "rounds: 3000\n"
    "seed: 9\n"
    "record_every: 10\n"
    "service: {local_seats: [0, 1]}\n";

TEST(AdminCli, CreateListShowStop) {
  TempDir tmp;
  Coordinator coordinator(tmp);
  WriteFile(tmp / "waiting.yaml", kWaiting);
  const CliResult created =
      RunCli(tmp, "create '" + (tmp / "waiting.yaml") + "'" + coordinator.flag());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = Trim(created.out);
  EXPECT_EQ(created.out, id + "\n");  // only the id, for scripts
  EXPECT_FALSE(id.empty());
  const CliResult named =
      RunCli(tmp, "create '" + (tmp / "waiting.yaml") + "' --id mine --record-dir custom/dir" +
                      coordinator.flag());
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, "mine\n");

  const CliResult list = RunCli(tmp, "list" + coordinator.flag());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("id"), std::string::npos);
  EXPECT_NE(list.out.find(id + "  "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("mine  "), std::string::npos) << list.out;
  // Columns: id, status, round/horizon, agents connected/remote seats, game, Nash gap.
  EXPECT_NE(list.out.find("mine  WAITING  0/1000  0/2     rock_paper_scissors  -\n"),
            std::string::npos)
      << list.out;

  const CliResult json = RunCli(tmp, "show " + id + " --json" + coordinator.flag());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json info = nlohmann::json::parse(json.out);
  EXPECT_EQ(info["game_id"], id);
  EXPECT_EQ(info["status"], "GAME_STATUS_WAITING");
  EXPECT_EQ(info["spec"]["game"]["name"], "rock_paper_scissors");
  EXPECT_EQ(info["spec"]["rounds"], "1000");  // protobuf's JSON mapping: int64 as a string
  EXPECT_EQ(info["spec"]["seed"], "5");
  EXPECT_EQ(info["spec"]["learner"]["algorithm"], "hedge");
  EXPECT_EQ(info["seats"].size(), 2u);

  const CliResult shown = RunCli(tmp, "show mine" + coordinator.flag());
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("game mine - WAITING - round 0/1000\n"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("custom/dir"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("seat  kind"), std::string::npos) << shown.out;

  const CliResult stopped = RunCli(tmp, "stop " + id + coordinator.flag());
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(stopped.out.rfind(id + " ", 0), 0u) << stopped.out;
  // Stopping ends the game after its current round: STOPPED soon (at once for a waiting game).
  std::string status;
  test::WaitUntil(
      [&] {
        const CliResult r = RunCli(tmp, "show " + id + " --json" + coordinator.flag());
        status = r.exit_code == 0 ? std::string(nlohmann::json::parse(r.out)["status"]) : r.err;
        return status == "GAME_STATUS_STOPPED";
      },
      std::chrono::seconds(5));
  EXPECT_EQ(status, "GAME_STATUS_STOPPED");
  EXPECT_NE(RunCli(tmp, "list" + coordinator.flag()).out.find("STOPPED"), std::string::npos);
}

TEST(AdminCli, WatchFollowsAGameToItsSummaryAndTheRecordIsSimulates) {
  TempDir tmp;
  Coordinator coordinator(tmp);
  WriteFile(tmp / "local.yaml", kLocal);
  const CliResult created =
      RunCli(tmp, "create '" + (tmp / "local.yaml") + "' --id solo" + coordinator.flag());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const CliResult watched = RunCli(tmp, "watch solo --every 500" + coordinator.flag());
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  EXPECT_NE(watched.out.find("solo COMPLETED round 3000/3000  nash gap "), std::string::npos)
      << watched.out;
  EXPECT_NE(watched.out.find("final strategy"), std::string::npos) << watched.out;  // the table
  EXPECT_NE(watched.out.find("rounds/s"), std::string::npos) << watched.out;

  const CliResult shown = RunCli(tmp, "show solo" + coordinator.flag());
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("game solo - COMPLETED - round 3000/3000"), std::string::npos);
  EXPECT_NE(shown.out.find("\nsummary\n"), std::string::npos) << shown.out;

  // The coordinator's record of a game is simulate's record of the same spec and seed.
  const CliResult sim =
      RunCli(tmp, "simulate '" + (tmp / "local.yaml") + "' -q --out '" + (tmp / "sim") + "'");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const fs::path record = tmp.path() / "records" / "solo";
  EXPECT_EQ(ReadFile(record / "rounds.csv"), ReadFile(tmp.path() / "sim" / "rounds.csv"));
  EXPECT_EQ(ReadFile(record / "spec.yaml"), ReadFile(tmp.path() / "sim" / "spec.yaml"));
  EXPECT_EQ(SummaryWithoutElapsed(record / "summary.json"),
            SummaryWithoutElapsed(tmp.path() / "sim" / "summary.json"));
}

TEST(AdminCli, CreateSendsAGameFileWithTheSpecAndItsRecordReproduces) {
  // The game file lives in a folder of its own, named relative to the run file's folder; the
  // coordinator (another working folder) never sees the path, only the text.
  TempDir tmp;
  Coordinator coordinator(tmp);
  fs::create_directories(tmp.path() / "lab" / "games");
  fs::create_directories(tmp.path() / "lab" / "runs");
  WriteFile(tmp / "lab/games/stag.nfg",
            "NFG 1 R \"Stag\" { \"1\" \"2\" } { 2 2 }\n4 4 3 0 0 3 2 2\n");
  std::string run = kLocal;
  run.replace(run.find("prisoners_dilemma"), 17, "../games/stag.nfg");
  WriteFile(tmp / "lab/runs/local.yaml", run);
  const CliResult created =
      RunCli(tmp, "create lab/runs/local.yaml --id stag" + coordinator.flag(), tmp.path());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const CliResult watched = RunCli(tmp, "watch stag --every 1000" + coordinator.flag());
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  EXPECT_NE(watched.out.find("stag COMPLETED round 3000/3000"), std::string::npos) << watched.out;
  EXPECT_NE(watched.out.find("stag.nfg: Stag - 3000 rounds"), std::string::npos) << watched.out;

  // The record is simulate's of the run file, and carries the game: no path.
  const fs::path record = tmp.path() / "records" / "stag";
  const CliResult sim = RunCli(tmp, "simulate lab/runs/local.yaml -q --out sim", tmp.path());
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_EQ(ReadFile(record / "spec.yaml"), ReadFile(tmp.path() / "sim" / "spec.yaml"));
  EXPECT_EQ(ReadFile(record / "rounds.csv"), ReadFile(tmp.path() / "sim" / "rounds.csv"));
  EXPECT_EQ(ReadFile(record / "spec.yaml").find(tmp.path().string()), std::string::npos);
  // It replays from the record alone, the game file gone.
  fs::remove(tmp.path() / "lab" / "games" / "stag.nfg");
  const CliResult replay =
      RunCli(tmp, "simulate '" + (record / "spec.yaml").string() + "' -q --out replay", tmp.path());
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(ReadFile(tmp.path() / "replay" / "rounds.csv"), ReadFile(record / "rounds.csv"));
  EXPECT_EQ(SummaryWithoutElapsed(tmp.path() / "replay" / "summary.json"),
            SummaryWithoutElapsed(record / "summary.json"));
}

TEST(AdminCli, AGameFileLargerThanADefaultGrpcMessageIsCreatedShownAndStopped) {
  // A 2x2 game whose comment makes its .nfg text 5 MiB, over gRPC's default 4 MiB per message
  // (a small game keeps the test quick). The coordinator is told to take it; the CLI reads
  // GameInfos that carry it.
  TempDir tmp;
  Coordinator coordinator(tmp, {"--max-message-bytes", "33554432"});
  const std::string nfg = "NFG 1 R \"big\" { \"1\" \"2\" } { 2 2 }\n\"" +
                          std::string(5 << 20, 'c') + "\"\n9 9 10 0 0 10 1 1\n";
  WriteFile(tmp / "big.nfg", nfg);
  WriteFile(tmp / "big.yaml",
            "game: big.nfg\nrounds: 1000000000\nservice: {local_seats: [0, 1]}\n");
  const CliResult created =
      RunCli(tmp, "create big.yaml --id big" + coordinator.flag(), tmp.path());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const CliResult listed = RunCli(tmp, "list" + coordinator.flag());
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("big.nfg"), std::string::npos) << listed.out;
  const CliResult shown = RunCli(tmp, "show big --json" + coordinator.flag());
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_GT(shown.out.size(), nfg.size());  // the text is in the spec
  const CliResult stopped = RunCli(tmp, "stop big" + coordinator.flag());
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
}

TEST(AdminCli, AnUnknownGameIsOneLineNamingNotFound) {
  TempDir tmp;
  Coordinator coordinator(tmp);
  for (const char* verb : {"show", "stop", "watch"}) {
    SCOPED_TRACE(verb);
    const CliResult r = RunCli(tmp, std::string(verb) + " nope" + coordinator.flag());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("nashnet: error: NOT_FOUND: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }
  // The coordinator refuses a bad id with its own message.
  WriteFile(tmp / "waiting.yaml", kWaiting);
  const CliResult bad_id =
      RunCli(tmp, "create '" + (tmp / "waiting.yaml") + "' --id 'no spaces'" + coordinator.flag());
  EXPECT_EQ(bad_id.exit_code, 1);
  EXPECT_EQ(bad_id.err.rfind("nashnet: error: INVALID_ARGUMENT: ", 0), 0u) << bad_id.err;
}

TEST(AdminCli, NoCoordinatorIsOneLineNamingTheAddress) {
  TempDir tmp;
  // Port 1 on loopback: nothing listens (connection refused at once).
  for (const char* verb : {"list", "show g1", "stop g1", "watch g1"}) {
    SCOPED_TRACE(verb);
    const CliResult r = RunCli(tmp, std::string(verb) + " --coordinator 127.0.0.1:1");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("nashnet: cannot reach coordinator at 127.0.0.1:1: UNAVAILABLE: ", 0), 0u)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(AdminCli, TheAdminTokenIsSentAsMetadata) {
  TempDir tmp;
  Coordinator coordinator(tmp, {"--admin-token", "s3cret"});
  const CliResult none = RunCli(tmp, "list" + coordinator.flag());
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err.rfind("nashnet: error: UNAUTHENTICATED: ", 0), 0u) << none.err;
  EXPECT_EQ(RunCli(tmp, "list --admin-token wrong" + coordinator.flag()).exit_code, 1);
  const CliResult right = RunCli(tmp, "list --admin-token s3cret" + coordinator.flag());
  EXPECT_EQ(right.exit_code, 0) << right.err;
  EXPECT_EQ(right.out.rfind("no games on 127.0.0.1:", 0), 0u) << right.out;
}

TEST(AdminCli, BadInputExitsTwo) {
  TempDir tmp;
  WriteFile(tmp / "seeds.yaml", std::string(kWaiting) + "seeds: 3\n");
  WriteFile(tmp / "typo.yaml", "game: rock_paper_scissors\nroundz: 10\n");
  struct Bad {
    std::string args;
    std::string err_start;
  };
  const Bad cases[] = {
      {"create '" + (tmp / "missing.yaml") + "'", "nashnet: error: " + (tmp / "missing.yaml")},
      {"create '" + (tmp / "typo.yaml") + "'", "nashnet: error: " + (tmp / "typo.yaml") + ":2:1: "},
      {"create '" + (tmp / "seeds.yaml") + "'",
       "nashnet: error: " + (tmp / "seeds.yaml") +
           ":5:1: seeds: a game is one seed, this run has 3 (pick one with --seed S, or use "},
      {"create '" + (tmp / "seeds.yaml") + "' --seed x", "nashnet: error: --seed: "},
      {"create", "nashnet: error: run_file is required"},
      {"show", "nashnet: error: id is required"},
      {"watch g1 --every -1", "nashnet: error: --every"},
      {"list --coordinator ''", "nashnet: error: --coordinator: must not be empty"},
      {"list extra", "nashnet: error: "},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.args);
    const CliResult r = RunCli(tmp, c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.rfind(c.err_start, 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
}  // namespace nashnet::cli_test

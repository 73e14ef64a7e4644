// `nashnet sweep --coordinator` against real nashnet-coordinator processes on loopback (label
// `process`): every cell's rounds.csv and spec.yaml equal the in-process sweep's byte for byte and
// index.csv too (but the wall-clock `seconds`); a sweep killed mid-way resumes with its finished
// cells skipped, an interrupted one stops its games first; a coordinator killed mid-sweep, or one
// without room, or one whose records the sweep cannot read, has its cells played on the other; a
// bad --coordinator is one line naming it, and nothing is written.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/subprocess.h"
#include "tests/cli/cli_runner.h"
#include "tests/wait_until.h"

namespace nashnet::cli_test {
namespace {

namespace fs = std::filesystem;

// A coordinator on a free loopback port, its records in `records` (absolute).
class Coordinator {
 public:
  // `relative`: --records-dir NAME, relative to its working folder `tmp`.
  Coordinator(const TempDir& tmp, const std::string& name, std::vector<std::string> extra = {},
              bool relative = false)
      : records_(tmp.path() / name) {
    const fs::path bin = fs::path(NASHNET_CLI).parent_path() / "nashnet-coordinator";
    const std::string port_file = tmp / (name + ".port");
    SpawnOptions options;
    options.stdout_path = tmp / (name + ".out");
    options.stderr_path = tmp / (name + ".log");
    options.working_dir = tmp.path();
    std::vector<std::string> argv = {bin.string(),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--port-file",
                                     port_file,
                                     "--records-dir",
                                     relative ? name : records_.string(),
                                     "--quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, options);
    if (!process.ok()) {
      ADD_FAILURE() << process.status();
      return;
    }
    process_.emplace(*std::move(process));
    address_ = WaitForPortFile(port_file);
    if (address_.empty()) ADD_FAILURE() << "no port file: " << ReadFile(tmp / (name + ".log"));
  }
  ~Coordinator() {
    if (process_ && process_->running()) {
      (void)process_->Signal(SIGTERM);
      (void)process_->Wait(std::chrono::seconds(20));
    }
  }
  void Kill() {
    (void)process_->Signal(SIGKILL);
    (void)process_->Wait(std::chrono::seconds(20));
  }
  // " --coordinator 127.0.0.1:PORT".
  std::string flag() const { return " --coordinator " + address_; }
  // Games it has created (their record folders).
  int games() const {
    std::error_code ec;
    if (!fs::is_directory(records_, ec)) return 0;
    return static_cast<int>(std::distance(fs::directory_iterator(records_), {}));
  }

 private:
  fs::path records_;
  std::optional<Subprocess> process_;
  std::string address_;
};

// 2 games x 2 learners x 2 seeds.
std::string Sweep(int rounds) {
  return "name: coord\nbase:\n  rounds: " + std::to_string(rounds) +
         "\n  record_every: 10\n  feedback: {model: noisy, sigma: 0.4}\n  seed: 11\nseeds: 2\n"
         "games: [stag_hunt, {name: braess, params: {players: 4}}]\n"
         "learners: [hedge, {algorithm: hedge-lr, params: {eta0: 0.7}}]\n";
}

// index.csv without its last column (`seconds`, wall-clock).
std::string IndexWithoutSeconds(const fs::path& path) {
  std::istringstream in(ReadFile(path));
  std::string out;
  for (std::string line; std::getline(in, line);) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

int FinishedCells(const fs::path& out) {
  int n = 0;
  std::error_code ec;
  if (!fs::is_directory(out / "cells", ec)) return 0;
  for (const auto& cell : fs::directory_iterator(out / "cells")) {
    n += fs::exists(cell.path() / "summary.json") ? 1 : 0;
  }
  return n;
}

// Every cell of `remote` holds the in-process sweep's bytes.
void ExpectSameSweep(const fs::path& remote, const fs::path& local) {
  int cells = 0;
  for (const auto& entry : fs::directory_iterator(local / "cells")) {
    const std::string id = entry.path().filename().string();
    SCOPED_TRACE(id);
    const fs::path mine = remote / "cells" / id;
    EXPECT_EQ(Files(mine), (std::set<std::string>{"rounds.csv", "spec.yaml", "summary.json"}));
    EXPECT_EQ(ReadFile(mine / "rounds.csv"), ReadFile(entry.path() / "rounds.csv"));
    EXPECT_EQ(ReadFile(mine / "spec.yaml"), ReadFile(entry.path() / "spec.yaml"));
    EXPECT_EQ(SummaryWithoutElapsed(mine / "summary.json"),
              SummaryWithoutElapsed(entry.path() / "summary.json"));
    ++cells;
  }
  EXPECT_EQ(cells, 8);
  EXPECT_EQ(IndexWithoutSeconds(remote / "index.csv"), IndexWithoutSeconds(local / "index.csv"));
  EXPECT_EQ(ReadFile(remote / "sweep.yaml"), ReadFile(local / "sweep.yaml"));
}

// The same sweep played in-process (`nashnet sweep s.yaml --out local`, extra flags in `flags`)
// into tmp/local; tmp/remote must hold its bytes.
void ExpectInProcessBytes(const TempDir& tmp, const std::string& flags = "") {
  const CliResult local = RunCli(tmp, "sweep s.yaml --out local" + flags, tmp.path());
  ASSERT_EQ(local.exit_code, 0) << local.err;
  ExpectSameSweep(tmp.path() / "remote", tmp.path() / "local");
}

// What a resumed sweep of 8 cells prints when `finished` were done before.
std::string ResumedOutput(int finished) {
  return "cells: 8 (" + std::to_string(8 - finished) + " played, " + std::to_string(finished) +
         " skipped, 0 failed)\nindex: remote/index.csv\n";
}

// Spawns `nashnet ARGS...` in `tmp`.
Subprocess SpawnCli(const TempDir& tmp, std::vector<std::string> args) {
  args.insert(args.begin(), NASHNET_CLI);
  SpawnOptions options{.stdout_path = tmp / "cli.out", .stderr_path = tmp / "cli.err"};
  options.working_dir = tmp.path();
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(args, options);
  EXPECT_TRUE(process.ok()) << process.status();
  return *std::move(process);
}

// Polls (a real process on a loaded machine) until `done`, for up to 60 s.
bool WaitFor(const std::function<bool()>& done) {
  return test::WaitUntil(done, std::chrono::seconds(60));
}

TEST(SweepCoordinatorCli, TwoCoordinatorsGiveTheInProcessBytes) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", Sweep(3000));
  Coordinator a(tmp, "records-a"), b(tmp, "records-b");
  CliResult r =
      RunCli(tmp, "sweep s.yaml --out remote --in-flight 2" + a.flag() + b.flag(), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cells: 8 (8 played, 0 skipped, 0 failed)\nindex: remote/index.csv\n");
  EXPECT_NE(r.err.find("nashnet: sweep 8/8 cells (0 skipped, 0 failed)"), std::string::npos)
      << r.err;
  // Least-loaded: the four cells in flight at the start go two and two.
  EXPECT_GE(a.games(), 2);
  EXPECT_GE(b.games(), 2);
  EXPECT_EQ(a.games() + b.games(), 8);
  ExpectInProcessBytes(tmp, " --jobs 2");

  // Again: nothing to play, no game created.
  r = RunCli(tmp, "sweep s.yaml --out remote" + a.flag() + b.flag(), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cells: 8 (0 played, 8 skipped, 0 failed)\nindex: remote/index.csv\n");
  EXPECT_EQ(a.games() + b.games(), 8);
}

TEST(SweepCoordinatorCli, AKilledSweepResumesWithItsFinishedCellsSkipped) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", Sweep(60000));
  Coordinator a(tmp, "records-a"), b(tmp, "records-b");
  {
    Subprocess cli =
        SpawnCli(tmp, {"sweep", "s.yaml", "--out", "remote", "--in-flight", "1", "--coordinator",
                       a.flag().substr(15), "--coordinator", b.flag().substr(15)});
    ASSERT_TRUE(WaitFor([&] { return FinishedCells(tmp.path() / "remote") >= 2; }))
        << ReadFile(tmp / "cli.err");
    ASSERT_TRUE(cli.Signal(SIGKILL).ok());
    ASSERT_TRUE(cli.Wait(std::chrono::seconds(20)).ok());
  }
  const int finished = FinishedCells(tmp.path() / "remote");
  ASSERT_LT(finished, 8) << "the sweep ended before it could be interrupted";
  EXPECT_FALSE(fs::exists(tmp.path() / "remote" / "index.csv"));  // written last
  const CliResult r =
      RunCli(tmp, "sweep s.yaml --out remote --in-flight 1" + a.flag() + b.flag(), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ResumedOutput(finished));
  ExpectInProcessBytes(tmp);
}

// How many times `what` occurs in `text`.
int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The game ids of the ledger a sweep keeps in `out` (sweep_coordinators.h).
std::vector<std::string> LedgerIds(const fs::path& out) {
  std::istringstream in(ReadFile(out / "coordinator-games.txt"));
  std::vector<std::string> ids;
  for (std::string address, id; in >> address >> id;) ids.push_back(id);
  return ids;
}

TEST(SweepCoordinatorCli, AKilledSweepsGamesAreStoppedWhenItResumes) {
  // Two cells that would play for hours: a killed sweep leaves them running on the coordinator.
  TempDir tmp;
  WriteFile(tmp / "s.yaml",
            "name: long\nbase: {rounds: 1000000000, record_every: 1000000, feedback: full, "
            "seed: 3}\nseeds: 2\ngames: [stag_hunt]\nlearners: [hedge]\n");
  Coordinator a(tmp, "records-a");
  const std::vector<std::string> argv = {"sweep",         "s.yaml",           "--out",
                                         "remote",        "--in-flight",      "2",
                                         "--coordinator", a.flag().substr(15)};
  {
    Subprocess cli = SpawnCli(tmp, argv);
    ASSERT_TRUE(WaitFor([&] { return a.games() >= 2; })) << ReadFile(tmp / "cli.err");
    ASSERT_TRUE(cli.Signal(SIGKILL).ok());
    ASSERT_TRUE(cli.Wait(std::chrono::seconds(20)).ok());
  }
  const std::vector<std::string> orphans = LedgerIds(tmp.path() / "remote");
  ASSERT_EQ(orphans.size(), 2u);
  CliResult list = RunCli(tmp, "list" + a.flag());
  for (const std::string& id : orphans) {
    EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  }
  EXPECT_EQ(Count(list.out, "RUNNING"), 2) << list.out;
  // A game on a coordinator not given this time cannot be checked: said, and kept in the ledger.
  // A torn line (the kill came mid-write) names no game and is dropped.
  {
    std::ofstream ledger(tmp.path() / "remote/coordinator-games.txt", std::ios::app);
    ledger << "127.0.0.1:1 sweep-gone-0-1\ntorn\n";
  }

  // The same command stops them before it plays anything; interrupted in turn, it stops its own.
  {
    Subprocess cli = SpawnCli(tmp, argv);
    ASSERT_TRUE(WaitFor([&] { return a.games() >= 4; })) << ReadFile(tmp / "cli.err");
    ASSERT_TRUE(cli.Signal(SIGINT).ok());
    absl::StatusOr<ExitStatus> ended = cli.Wait(std::chrono::seconds(60));
    ASSERT_TRUE(ended.ok()) << ended.status();
    EXPECT_TRUE(ended->exited && ended->code == 1) << ended->ToString();
  }
  const std::string err = ReadFile(tmp / "cli.err");
  for (const std::string& id : orphans) {
    EXPECT_NE(err.find("nashnet: game " + id + " on " + a.flag().substr(15) +
                       ", left running by an earlier sweep, stopped\n"),
              std::string::npos)
        << err;
  }
  EXPECT_NE(err.find("nashnet: game sweep-gone-0-1 on 127.0.0.1:1, left by an earlier sweep: "
                     "cannot check it: 127.0.0.1:1 is not one of this sweep's --coordinator (kept "
                     "in remote/coordinator-games.txt)\n"),
            std::string::npos)
      << err;
  list = RunCli(tmp, "list" + a.flag());
  EXPECT_EQ(list.out.find("RUNNING"), std::string::npos) << list.out;
  EXPECT_EQ(Count(list.out, "STOPPED"), 4) << list.out;
  // The ledger now holds the unchecked game and the second run's games.
  const std::vector<std::string> second = LedgerIds(tmp.path() / "remote");
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[0], "sweep-gone-0-1");
  for (const std::string& id : second) {
    EXPECT_EQ(std::find(orphans.begin(), orphans.end(), id), orphans.end()) << id;
  }
}

TEST(SweepCoordinatorCli, AnInterruptStopsTheGamesInFlightAndTheSweepResumes) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", Sweep(200000));
  Coordinator a(tmp, "records-a"), b(tmp, "records-b");
  Subprocess cli =
      SpawnCli(tmp, {"sweep", "s.yaml", "--out", "remote", "--in-flight", "1", "--coordinator",
                     a.flag().substr(15), "--coordinator", b.flag().substr(15)});
  ASSERT_TRUE(WaitFor([&] { return a.games() >= 1 && b.games() >= 1; }))
      << ReadFile(tmp / "cli.err");
  ASSERT_TRUE(cli.Signal(SIGINT).ok());
  absl::StatusOr<ExitStatus> ended = cli.Wait(std::chrono::seconds(60));
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_TRUE(ended->exited && ended->code == 1) << ended->ToString();
  const std::string err = ReadFile(tmp / "cli.err");
  const int finished = FinishedCells(tmp.path() / "remote");
  ASSERT_LT(finished, 8);
  // One line for the cells cut short, none per cell; the index says they failed.
  EXPECT_NE(err.find("nashnet: error: interrupted: " + std::to_string(8 - finished) +
                     " cells not played (their games stopped); the same command resumes the "
                     "sweep\n"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("cell "), std::string::npos) << err;
  const std::string index = ReadFile(tmp / "remote/index.csv");
  EXPECT_EQ(std::count(index.begin(), index.end(), '\n'), 9);
  // Nothing of the sweep still runs on the coordinators: the games in flight were stopped.
  for (const Coordinator* c : {&a, &b}) {
    const CliResult list = RunCli(tmp, "list" + c->flag());
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(list.out.find("RUNNING"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("STOPPED"), std::string::npos) << list.out;
  }
  const CliResult r = RunCli(tmp, "sweep s.yaml --out remote" + a.flag() + b.flag(), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ResumedOutput(finished));
  ExpectInProcessBytes(tmp);
}

TEST(SweepCoordinatorCli, CellsOfACoordinatorThatDiesArePlayedAgainOnTheOther) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", Sweep(200000));
  Coordinator a(tmp, "records-a"), b(tmp, "records-b", {"--journal-flush-ms", "5"});
  Subprocess cli =
      SpawnCli(tmp, {"sweep", "s.yaml", "--out", "remote", "--in-flight", "1", "--coordinator",
                     a.flag().substr(15), "--coordinator", b.flag().substr(15)});
  // A game of b is under way — its rounds.csv has rows (b hands rounds to disk every 5 ms), its
  // summary.json is not there yet — when b goes.
  ASSERT_TRUE(WaitFor([&] {
    std::error_code ec;
    for (const auto& game : fs::directory_iterator(tmp.path() / "records-b", ec)) {
      const fs::path csv = game.path() / "rounds.csv";
      if (!fs::exists(game.path() / "summary.json", ec) && fs::exists(csv, ec) &&
          fs::file_size(csv, ec) > 4096) {
        return true;
      }
    }
    return false;
  })) << ReadFile(tmp / "cli.err");
  b.Kill();
  absl::StatusOr<ExitStatus> ended = cli.Wait(std::chrono::seconds(120));
  ASSERT_TRUE(ended.ok()) << ended.status();
  const std::string err = ReadFile(tmp / "cli.err");
  EXPECT_TRUE(ended->ok()) << ended->ToString() << "\n" << err;
  EXPECT_EQ(ReadFile(tmp / "cli.out"),
            "cells: 8 (8 played, 0 skipped, 0 failed)\nindex: remote/index.csv\n");
  EXPECT_NE(err.find("on coordinator " + b.flag().substr(15) + " went away at round "),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("; playing it again (attempt 2 of 5)"), std::string::npos) << err;
  ExpectInProcessBytes(tmp);
}

TEST(SweepCoordinatorCli, CellsACoordinatorHasNoRoomForArePlayedOnTheOther) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", Sweep(200000));
  // a takes one game at a time and refuses the others (RESOURCE_EXHAUSTED); the sweep offers it
  // three at once.
  Coordinator a(tmp, "records-a", {"--max-games", "1"}), b(tmp, "records-b");
  const CliResult r =
      RunCli(tmp, "sweep s.yaml --out remote --in-flight 3" + a.flag() + b.flag(), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cells: 8 (8 played, 0 skipped, 0 failed)\nindex: remote/index.csv\n");
  EXPECT_NE(r.err.find("coordinator " + a.flag().substr(15) +
                       " could not take the cell: RESOURCE_EXHAUSTED: the coordinator runs "
                       "--max-games 1 games not over; playing it again (attempt 2 of 5)"),
            std::string::npos)
      << r.err;
  EXPECT_GE(a.games(), 1);
  ExpectInProcessBytes(tmp);
}

TEST(SweepCoordinatorCli, ACoordinatorWhoseRecordsCannotBeReadIsLeftOut) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", Sweep(3000));
  // a writes its records under a relative folder: the sweep cannot know where that is.
  Coordinator a(tmp, "records-a", {}, /*relative=*/true), b(tmp, "records-b");
  CliResult r = RunCli(tmp, "sweep s.yaml --out remote" + a.flag() + b.flag(), tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cells: 8 (8 played, 0 skipped, 0 failed)\nindex: remote/index.csv\n");
  const std::string reason =
      "coordinator " + a.flag().substr(15) + " writes its records to 'records-a/sweep-";
  EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("', a relative folder: start it with an absolute --records-dir on a "
                       "filesystem this sweep reads at the same path; playing it again (attempt "
                       "2 of 5)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(b.games(), 8);
  // Alone, it plays nothing: every cell fails with the reason, exit 1.
  r = RunCli(tmp, "sweep s.yaml --out alone" + a.flag(), tmp.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "cells: 8 (0 played, 0 skipped, 8 failed)\nindex: alone/index.csv\n");
  EXPECT_NE(r.err.find("nashnet: error: cell stag_hunt__hedge__seed-11: no coordinator can play "
                       "it: " +
                       reason),
            std::string::npos)
      << r.err;
  const CliResult list = RunCli(tmp, "list" + a.flag());
  EXPECT_EQ(list.out.find("RUNNING"), std::string::npos) << list.out;  // its game was stopped
}

TEST(SweepCoordinatorCli, ABadCoordinatorIsNamedAndNothingIsWritten) {
  TempDir tmp;
  WriteFile(tmp / "s.yaml", Sweep(100));
  Coordinator a(tmp, "records-a");
  // Nobody listens on port 1: exit 1, the address named, before anything is written.
  CliResult r =
      RunCli(tmp, "sweep s.yaml --out never" + a.flag() + " --coordinator 127.0.0.1:1", tmp.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("nashnet: error: cannot reach coordinator at 127.0.0.1:1: UNAVAILABLE", 0),
            0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(tmp.path() / "never"));
  EXPECT_EQ(a.games(), 0);
  struct Bad {
    std::string flags;
    std::string err;
  };
  const Bad cases[] = {
      {" --coordinator nonsense",
       "nashnet: error: --coordinator 'nonsense': expected HOST:PORT (a port in 1..65535)\n"},
      {" --coordinator host:99999",
       "nashnet: error: --coordinator 'host:99999': expected HOST:PORT (a port in 1..65535)\n"},
      {a.flag() + " --in-flight 0", "nashnet: error: --in-flight: must be at least 1\n"},
      {a.flag() + " --jobs 2",
       "nashnet: error: --jobs excludes --coordinator (see nashnet --help)\n"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.flags);
    r = RunCli(tmp, "sweep s.yaml --out never" + c.flags, tmp.path());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, c.err);
    EXPECT_FALSE(fs::exists(tmp.path() / "never"));
  }
}

}  // namespace
}  // namespace nashnet::cli_test

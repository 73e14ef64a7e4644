#!/usr/bin/env python3
"""Runs the service benchmarks (bench/README.md, "Service") and prints the table of ratios.

    service_bench.py --build BUILD_DIR [--repeats 3] [--out DIR] [--only m2,m3,m4,m5,m6,m7,m8]

Every figure is a ratio against the bare gRPC lockstep baseline (bench/lockstep/) measured in the
same run: each repetition runs the baseline and the candidate (nashnet-coordinator, and for m2 the
real nashnet-agent processes) one after the other, alternating which goes first, each on a freshly
started server; a ratio is the median over repetitions of (candidate / baseline of the same
repetition). Standard library only; raw JSON of every trial stays in DIR.

  m2  one game, 2 agent processes, loopback: rounds/s from the game's summary (GetGame's
      rounds_per_second: first Start to the last Feedback, measured by the server) and from the
      wall time of the two agent processes (start to exit, so it includes start-up and Join).
      Both servers run at once; each repetition plays --pairs short games per side, one after
      the other in rotating order (baseline, nashnet, nashnet with record_every=1, then shifted),
      and a ratio is the median over those pairs (pooled over repetitions).
  m3  500 games x 2 agents, one load-generator process (bench/load/nashnet_load): agent-updates/s.
      Both servers run at once, each with its own games and agents, and the load generator lets
      one side play at a time in alternating blocks (AB BA AB ...; load_run.h); the ratio is the
      median over block pairs (pooled over repetitions).
  m4  5,000 games x 2 agents = 10,000 streams per server, the same way: server RSS per agent
      (RSS with every agent connected - RSS idle) / 10,000, rounds still advancing.

  m5  the cost of the metrics export, one game x 2 nashnet-agent processes (like m2): the
      baseline is nashnet-coordinator WITHOUT --metrics-listen, the candidates the same
      coordinator WITH --metrics-listen 127.0.0.1:0 (default --metrics-period-ms 100) and with
      --metrics-period-ms 0 (every round published: the worst case), each scraped (GET /metrics)
      every --scrape-interval s (1 s: 5x more often than the compose config) while its game plays.
      Three servers up at once, games of --m5-rounds rounds in rotating order; ratio = median
      over pairs of rounds/s; cost = 1 - ratio.
  m6  the same for 500 games x 2 agents through nashnet_load (m3's paired blocks): coordinator
      without metrics vs with (period 100, then period 0 in a second trial of the repetition),
      the candidate scraped every --scrape-interval s during the whole trial; --m3-games games,
      so 64 detailed (--metrics-detail-games default) and the rest in the aggregates only.

  m7  the cost of the round journal (durable games), one game x 2 nashnet-agent processes (like
      m5): baseline nashnet-coordinator --no-journal, candidates the default journal (flush
      every 100 ms, fsync every 1 s) and --journal-sync-ms 0 (fsync after every write: the
      worst case); ratio = median over pairs of rounds/s.
  m8  the same for 500 games x 2 agents through nashnet_load (m3's paired blocks): coordinator
      --no-journal vs the default journal.

--aa puts the baseline in the candidate's place too: its ratios show how far from 1 the method
alone wanders on this machine.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def log(*args):
    print(*args, flush=True)


class Server:
    """A freshly started nashnet-coordinator or lockstep_server on 127.0.0.1:<free port>."""

    def __init__(self, kind, args, out_dir, tag, coordinator=False, metrics=None, extra=()):
        """coordinator=True: nashnet-coordinator whatever the kind (m5-m8); metrics: None (no
        --metrics-listen) or a list of extra metrics flags (served on 127.0.0.1:<free port>,
        self.metrics_port); extra: more coordinator flags (m7/m8: the journal's)."""
        self.kind = kind
        self.tmp = tempfile.mkdtemp(prefix="nashnet-bench-", dir="/tmp")
        port_file = os.path.join(self.tmp, "port")
        metrics_port_file = os.path.join(self.tmp, "metrics_port")
        self.metrics_port = None
        if not coordinator and (kind == "baseline" or args.aa):
            cmd = [args.lockstep_server, "--listen", "127.0.0.1:0", "--port-file", port_file]
        else:
            cmd = [args.coordinator, "--listen", "127.0.0.1:0", "--port-file", port_file,
                   "--records-dir", os.path.join(self.tmp, "records"), "--quiet"]
            if metrics is not None:
                cmd += ["--metrics-listen", "127.0.0.1:0", "--metrics-port-file",
                        metrics_port_file] + list(metrics)
            cmd += list(extra)
        self.cmd = cmd
        self.log_path = os.path.join(out_dir, f"{tag}_{kind}_server.log")
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"{cmd[0]} did not start (log: {self.log_path})")
            time.sleep(0.02)
        with open(port_file) as f:
            self.address = f"127.0.0.1:{int(f.read().strip())}"
        if metrics is not None:  # written before --port-file
            with open(metrics_port_file) as f:
                self.metrics_port = int(f.read().strip())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Scraper:
    """GETs http://127.0.0.1:<port>/metrics every `interval` s on a thread (the first at once),
    like a Prometheus scrape; keeps the count, the latencies and the last body."""

    def __init__(self, port, interval):
        self.url = f"http://127.0.0.1:{port}/metrics"
        self.interval = interval
        self.latencies, self.bytes, self.errors, self.last = [], 0, 0, ""
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            begin = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    body = response.read()
                self.latencies.append(time.monotonic() - begin)
                self.bytes = len(body)
                self.last = body.decode("utf-8", "replace")
            except Exception:  # counted; the benchmark goes on
                self.errors += 1
            if self.stop_event.wait(max(0.0, self.interval - (time.monotonic() - begin))):
                return

    def stop(self):
        self.stop_event.set()
        self.thread.join()
        return {"scrapes": len(self.latencies), "errors": self.errors,
                "bytes": self.bytes,
                "median_scrape_ms": 1e3 * statistics.median(self.latencies)
                if self.latencies else float("nan"),
                "detailed_games": scraped_value(self.last, "nashnet_metrics_detailed_games"),
                "games_reporting": scraped_value(self.last, "nashnet_live_games_reporting"),
                "series": sum(1 for l in self.last.splitlines() if l and not l.startswith("#"))}


def scraped_value(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def run_json(cmd, timeout):
    """Runs cmd, returns its last stdout line parsed as JSON (raises with stderr on failure)."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(lines[-1])


def cpu_seconds(pid):
    """utime + stime of a running process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_with_rusage(proc, timeout):
    """Waits for a Popen child (killing it after `timeout`): (exit code, its CPU seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.005)


def game_flags(args):
    flags = ["--game", args.game]
    for kv in args.game_param:
        flags += ["--game-param", kv]
    return flags


def m2_game(kind, server, args, out_dir, tag, record_every, rounds=None):
    """One game of `rounds` (args.m2_rounds) rounds on `server` played by 2 agent processes."""
    game_id = subprocess.run(
        [args.load, "create", "--target", server.address, "--games", "1", "--rounds",
         str(rounds or args.m2_rounds), "--record-every", str(record_every)] + game_flags(args),
        capture_output=True, text=True, check=True, timeout=60).stdout.split()[0]
    agents = []
    server_cpu_before = cpu_seconds(server.proc.pid)
    begin = time.monotonic()
    for seat in range(2):
        if server.kind == "baseline" or args.aa:
            cmd = [args.lockstep_client, "--target", server.address, "--game", game_id,
                   "--seat", str(seat)]
        else:
            cmd = [args.agent, "--coordinator", server.address, "--game", game_id,
                   "--seat", str(seat), "--algorithm", "hedge", "--quiet"]
        out = open(os.path.join(out_dir, f"{tag}_{kind}_agent{seat}.log"), "w")
        agents.append((subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT), out))
    codes, agent_cpu = [], 0.0
    for proc, out in agents:
        code, cpu = wait_with_rusage(proc, args.m2_timeout)
        codes.append(code)
        agent_cpu += cpu
        out.close()
    wall = time.monotonic() - begin
    if any(codes):
        raise RuntimeError(f"{tag} {kind}: agent exit codes {codes} (logs in {out_dir})")
    summary = run_json([args.load, "summary", "--target", server.address, "--game-id",
                        game_id, "--wait", "10"], timeout=60)
    server_cpu = cpu_seconds(server.proc.pid) - server_cpu_before
    rounds = max(1, summary["round"])
    return {"rounds_per_second": summary["rounds_per_second"], "round": summary["round"],
            "wall_rounds_per_second": summary["round"] / wall, "wall_seconds": wall,
            "cpu_us_per_round": 1e6 * (agent_cpu + server_cpu) / rounds,
            "server_cpu_us_per_round": 1e6 * server_cpu / rounds,
            "agent_cpu_us_per_round": 1e6 * agent_cpu / rounds}


M2_SIDES = (("baseline", 1_000_000_000), ("candidate", 1_000_000_000),
            ("candidate_full_record", 1))


def m2_trial(args, out_dir, tag):
    """Both servers up; args.pairs rounds of games, one per side in rotating order."""
    base = Server("baseline", args, out_dir, tag)
    try:
        cand = Server("candidate", args, out_dir, tag)
    except Exception:
        base.stop()
        raise
    games = {kind: [] for kind, _ in M2_SIDES}
    try:
        for p in range(args.pairs):
            for j in range(len(M2_SIDES)):
                kind, record_every = M2_SIDES[(j + p) % len(M2_SIDES)]
                server = base if kind == "baseline" else cand
                games[kind].append(
                    m2_game(kind, server, args, out_dir, f"{tag}_{p}", record_every))
    finally:
        cand.stop()
        base.stop()
    return games


# m5's sides: (kind, metrics flags or None = no --metrics-listen, other flags).
M5_SIDES = (("plain", None, ()), ("metrics", [], ()),
            ("metrics_period0", ["--metrics-period-ms", "0"], ()))
# m7's: the journal off (the baseline), on (defaults), and synced after every write.
M7_SIDES = (("nojournal", None, ("--no-journal",)), ("journal", None, ()),
            ("journal_sync0", None, ("--journal-sync-ms", "0")))


def sides_trial(args, out_dir, tag, sides, rounds, label):
    """One coordinator per side, all up at once; args.pairs rounds of games, one per side in
    rotating order, the metrics sides scraped while their game plays (m5, m7)."""
    servers = {}
    try:
        for kind, flags, extra in sides:
            servers[kind] = Server(kind, args, out_dir, tag, coordinator=True, metrics=flags,
                                   extra=extra)
        games = {kind: [] for kind, _, _ in sides}
        for p in range(args.pairs):
            for j in range(len(sides)):
                kind = sides[(j + p) % len(sides)][0]
                server = servers[kind]
                scraper = (Scraper(server.metrics_port, args.scrape_interval)
                           if server.metrics_port else None)
                try:
                    try:
                        game = m2_game(kind, server, args, out_dir, f"{tag}_{p}", 1_000_000_000,
                                       rounds)
                    except RuntimeError as error:  # an agent failed: logged, the game replayed once
                        log(f"{label} {tag}_{p} {kind}: {error}; playing it again")
                        game = m2_game(kind, server, args, out_dir, f"{tag}_{p}_again",
                                       1_000_000_000, rounds)
                finally:
                    scrape = scraper.stop() if scraper else None
                if scrape:
                    game.update(scrape)
                games[kind].append(game)
    finally:
        for server in servers.values():
            server.stop()
    return games


def load_trial(args, out_dir, tag, games, channels, pairs, metrics=None, base_extra=None):
    """Both servers up at once, one nashnet_load measuring them in alternating blocks. metrics:
    None = lockstep baseline vs coordinator (m3/m4); else (m6) coordinator without metrics vs
    coordinator with these metrics flags, scraped every args.scrape_interval s throughout;
    "aa" = coordinator without metrics on both sides (m6's A/A calibration). base_extra (m8):
    the baseline is a coordinator with these flags (--no-journal), the candidate a plain one."""
    m6 = metrics is not None
    aa = metrics == "aa"
    coordinators = m6 or base_extra is not None
    base = Server("baseline", args, out_dir, tag, coordinator=coordinators,
                  extra=base_extra or ())
    try:
        cand = Server("candidate", args, out_dir, tag, coordinator=coordinators,
                      metrics=None if aa else metrics)
    except Exception:
        base.stop()
        raise
    scraper = Scraper(cand.metrics_port, args.scrape_interval) if m6 and not aa else None
    try:
        result = run_json(
            [args.load, "play", "--target", base.address, "--server-pid", str(base.proc.pid),
             "--target", cand.address, "--server-pid", str(cand.proc.pid), "--games", str(games),
             "--channels", str(channels), "--pairs", str(pairs), "--block", str(args.block),
             "--record-every", "1000000000", "--json",
             os.path.join(out_dir, f"{tag}.json")] + game_flags(args),
            timeout=args.load_timeout)
        scrape = scraper.stop() if scraper else None
        scraper = None
        return {"baseline": result["sides"][0], "candidate": result["sides"][1],
                "ratio": result["ratio"], "ratios": result["ratios"], "scrape": scrape}
    finally:
        if scraper:
            scraper.stop()
        cand.stop()
        base.stop()


def paired(reps, key, kinds=("baseline", "candidate")):
    """Median of candidate/baseline per repetition, with the per-repetition values."""
    ratios = [r[kinds[1]][key] / r[kinds[0]][key] for r in reps if r[kinds[0]][key] > 0]
    return (statistics.median(ratios) if ratios else float("nan")), ratios


def med(reps, kind, key):
    return statistics.median(r[kind][key] for r in reps)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True, help="build dir (bench/ and bin/ inside)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=None)
    p.add_argument("--only", default="m2,m3,m4", help="any of m2,m3,m4,m5,m6,m7,m8")
    p.add_argument("--game", default="matching_pennies")
    p.add_argument("--game-param", action="append", default=[])
    p.add_argument("--m2-rounds", type=int, default=5000)
    p.add_argument("--m2-timeout", type=float, default=300)
    p.add_argument("--m5-rounds", type=int, default=20000,
                   help="rounds per m5 game (a few seconds, so that it sees several scrapes)")
    p.add_argument("--scrape-interval", type=float, default=1.0,
                   help="seconds between GET /metrics in m5/m6")
    p.add_argument("--m6-variants", default="p100,p0",
                   help="m6 trials: p100 (default period), p0 (period 0), aa (A/A: no metrics)")
    p.add_argument("--m3-games", type=int, default=500)
    p.add_argument("--m4-games", type=int, default=5000)
    p.add_argument("--m4-repeats", type=int, default=1)
    p.add_argument("--pairs", type=int, default=6, help="block pairs per m3/m4 trial")
    p.add_argument("--block", type=float, default=1.5, help="counted seconds per block")
    p.add_argument("--load-timeout", type=float, default=600)
    p.add_argument("--aa", action="store_true",
                   help="A/A calibration: the baseline in the candidate's place too (ratios "
                        "show the noise of the method)")
    args = p.parse_args()
    b = os.path.abspath(args.build)
    args.lockstep_server = os.path.join(b, "bench", "lockstep_server")
    args.lockstep_client = os.path.join(b, "bench", "lockstep_client")
    args.load = os.path.join(b, "bench", "nashnet_load")
    args.coordinator = os.path.join(b, "bin", "nashnet-coordinator")
    args.agent = os.path.join(b, "bin", "nashnet-agent")
    out_dir = args.out or os.path.join(b, "bench-results", "service-" + time.strftime(
        "%Y%m%dT%H%M%SZ", time.gmtime()))
    os.makedirs(out_dir, exist_ok=True)
    only = set(args.only.split(","))
    have_coordinator = args.aa or os.access(args.coordinator, os.X_OK)
    have_agent = args.aa or os.access(args.agent, os.X_OK)
    for needed in (args.lockstep_server, args.lockstep_client, args.load):
        if not os.access(needed, os.X_OK):
            sys.exit(f"missing {needed} (build the bench targets first)")
    load_before = open("/proc/loadavg").read().split()[:3]
    log(f"machine: nproc={os.cpu_count()}, load average {' '.join(load_before)}; game "
        f"{args.game} {' '.join(args.game_param)}; results in {out_dir}")
    results = {"load_before": load_before, "args": {k: v for k, v in vars(args).items()}}
    rows = []  # (what, baseline, candidate, ratio, spread, target, verdict)

    if "m2" in only and have_coordinator and have_agent:
        games = {kind: [] for kind, _ in M2_SIDES}
        for k in range(args.repeats):
            trial = m2_trial(args, out_dir, f"m2_{k}")
            for kind, values in trial.items():
                games[kind] += values
            log(f"m2 rep {k + 1}/{args.repeats}: summary rounds/s " + "; ".join(
                f"{kind} " + " ".join(f"{g['rounds_per_second']:.0f}" for g in trial[kind])
                for kind in trial))
        results["m2"] = games
        for label, key, kind in (("summary rounds/s", "rounds_per_second", "candidate"),
                                 ("wall-time rounds/s", "wall_rounds_per_second", "candidate"),
                                 ("summary rounds/s, record_every=1", "rounds_per_second",
                                  "candidate_full_record")):
            ratios = [c[key] / b[key] for b, c in zip(games["baseline"], games[kind])]
            ratio = statistics.median(ratios)
            rows.append((f"m2 one game, 2 agent processes: {label}",
                         statistics.median(g[key] for g in games["baseline"]),
                         statistics.median(g[key] for g in games[kind]), ratio, ratios,
                         ">= 0.8", ratio >= 0.8))
        for label, key in (("CPU us per round, server + 2 agents", "cpu_us_per_round"),
                           ("  of which the server", "server_cpu_us_per_round"),
                           ("  of which the 2 agents", "agent_cpu_us_per_round")):
            ratios = [c[key] / b[key] for b, c in zip(games["baseline"], games["candidate"])
                      if b[key] > 0]
            rows.append((f"m2 {label} (lower is better)",
                         statistics.median(g[key] for g in games["baseline"]),
                         statistics.median(g[key] for g in games["candidate"]),
                         statistics.median(ratios) if ratios else float("nan"), ratios, "",
                         None))
    elif "m2" in only:
        log("m2 skipped: nashnet-coordinator or nashnet-agent not built")

    if "m3" in only and have_coordinator:
        reps = []
        for k in range(args.repeats):
            rep = load_trial(args, out_dir, f"m3_{k}", args.m3_games, 8, args.pairs)
            log(f"m3 rep {k + 1}/{args.repeats}: baseline "
                f"{rep['baseline']['updates_per_second']:.0f} updates/s "
                f"({rep['baseline']['server_cpu_us_per_update']:.1f} us server CPU/update), "
                f"nashnet {rep['candidate']['updates_per_second']:.0f} updates/s "
                f"({rep['candidate']['server_cpu_us_per_update']:.1f} us); block ratios "
                f"{rep['ratios']}")
            reps.append(rep)
        results["m3"] = reps
        ratios = [x for r in reps for x in r["ratios"]]
        ratio = statistics.median(ratios)
        rows.append((f"m3 {args.m3_games} games x 2 agents: agent-updates/s",
                     med(reps, "baseline", "updates_per_second"),
                     med(reps, "candidate", "updates_per_second"), ratio,
                     [r["ratio"] for r in reps], ">= 0.8", ratio >= 0.8))
        ratio, values = paired(reps, "server_cpu_us_per_update")
        rows.append(("  server CPU us per agent-update (lower is better)",
                     med(reps, "baseline", "server_cpu_us_per_update"),
                     med(reps, "candidate", "server_cpu_us_per_update"), ratio, values, "", None))
    elif "m3" in only:
        log("m3 skipped: nashnet-coordinator not built")

    if "m4" in only and have_coordinator:
        reps = []
        n = 2 * args.m4_games
        for k in range(args.m4_repeats):
            rep = load_trial(args, out_dir, f"m4_{k}", args.m4_games, 16, args.pairs)
            for kind in ("baseline", "candidate"):
                r = rep[kind]
                log(f"m4 rep {k + 1}/{args.m4_repeats} {kind}: {r['started']} streams started, "
                    f"RSS idle {r['rss_idle_kib']} KiB -> games {r['rss_created_kib']} KiB -> "
                    f"playing {r['rss_playing_kib']} KiB ({r['rss_per_agent_kib']:.1f} "
                    f"KiB/agent), {r['updates_per_second']:.0f} updates/s, "
                    f"{r['sample_advanced']}/{r['sample_games']} sampled games advancing")
            reps.append(rep)
        results["m4"] = reps
        per_agent = med(reps, "candidate", "rss_per_agent_kib")
        rows.append((f"m4 {n} agents: server RSS per agent (KiB)",
                     med(reps, "baseline", "rss_per_agent_kib"), per_agent,
                     per_agent / med(reps, "baseline", "rss_per_agent_kib"), [], "<= 64 KiB",
                     per_agent <= 64))
        advancing = all(r["candidate"]["sample_advanced"] == r["candidate"]["sample_games"]
                        and r["candidate"]["started"] == n for r in reps)
        ratios = [x for r in reps for x in r["ratios"]]
        rows.append((f"m4 {n} agents: agent-updates/s (all started, sampled games advance: "
                     f"{'yes' if advancing else 'NO'})",
                     med(reps, "baseline", "updates_per_second"),
                     med(reps, "candidate", "updates_per_second"), statistics.median(ratios),
                     [r["ratio"] for r in reps], "advancing", advancing))
    elif "m4" in only:
        log("m4 skipped: nashnet-coordinator not built")

    if "m5" in only and have_coordinator and have_agent and not args.aa:
        games = {kind: [] for kind, _, _ in M5_SIDES}
        for k in range(args.repeats):
            trial = sides_trial(args, out_dir, f"m5_{k}", M5_SIDES, args.m5_rounds, "m5")
            for kind, values in trial.items():
                games[kind] += values
            log(f"m5 rep {k + 1}/{args.repeats}: summary rounds/s " + "; ".join(
                f"{kind} " + " ".join(f"{g['rounds_per_second']:.0f}" for g in trial[kind])
                for kind in trial) + "; scrapes per game " + " ".join(
                str(g.get("scrapes")) for g in trial["metrics"]))
        results["m5"] = games
        for label, key, kind in (
                ("summary rounds/s, period 100 ms", "rounds_per_second", "metrics"),
                ("summary rounds/s, period 0", "rounds_per_second", "metrics_period0"),
                ("wall-time rounds/s, period 100 ms", "wall_rounds_per_second", "metrics"),
                ("wall-time rounds/s, period 0", "wall_rounds_per_second", "metrics_period0")):
            ratios = [c[key] / b[key] for b, c in zip(games["plain"], games[kind])]
            ratio = statistics.median(ratios)
            rows.append((f"m5 one game, 2 agents, metrics on / off: {label}",
                         statistics.median(g[key] for g in games["plain"]),
                         statistics.median(g[key] for g in games[kind]), ratio, ratios,
                         ">= 0.95", ratio >= 0.95))
        for kind in ("metrics", "metrics_period0"):
            key = "server_cpu_us_per_round"
            ratios = [c[key] / b[key] for b, c in zip(games["plain"], games[kind]) if b[key] > 0]
            rows.append((f"m5   server CPU us per round, {kind} (lower is better)",
                         statistics.median(g[key] for g in games["plain"]),
                         statistics.median(g[key] for g in games[kind]),
                         statistics.median(ratios) if ratios else float("nan"), ratios, "",
                         None))
        scrapes = [g for g in games["metrics"] + games["metrics_period0"] if "scrapes" in g]
        if scrapes:
            log(f"m5 scrapes: {sum(g['scrapes'] for g in scrapes)} "
                f"({sum(g['errors'] for g in scrapes)} errors), median scrape "
                f"{statistics.median(g['median_scrape_ms'] for g in scrapes):.2f} ms, "
                f"{scrapes[-1]['bytes']} bytes, {scrapes[-1]['series']} series")
    elif "m5" in only:
        log("m5 skipped: needs nashnet-coordinator and nashnet-agent (and no --aa)")

    if "m6" in only and have_coordinator and not args.aa:
        results["m6"] = {}
        variants = {"p100": ("period 100 ms", []),
                    "p0": ("period 0", ["--metrics-period-ms", "0"]),
                    "aa": ("A/A, no metrics on either side", "aa")}
        for name in args.m6_variants.split(","):
            label, flags = variants[name]
            reps = []
            for k in range(args.repeats):
                tag = f"m6_{k}_{name}"
                rep = load_trial(args, out_dir, tag, args.m3_games, 8, args.pairs, metrics=flags)
                sc = rep["scrape"] or {"scrapes": 0, "errors": 0, "median_scrape_ms": float("nan"),
                                       "bytes": 0, "series": 0, "detailed_games": None,
                                       "games_reporting": None}
                log(f"m6 {label} rep {k + 1}/{args.repeats}: without metrics "
                    f"{rep['baseline']['updates_per_second']:.0f} updates/s "
                    f"({rep['baseline']['server_cpu_us_per_update']:.1f} us server CPU/update), "
                    f"with {rep['candidate']['updates_per_second']:.0f} updates/s "
                    f"({rep['candidate']['server_cpu_us_per_update']:.1f} us); block ratios "
                    f"{rep['ratios']}; {sc['scrapes']} scrapes ({sc['errors']} errors), median "
                    f"{sc['median_scrape_ms']:.1f} ms, {sc['bytes']} bytes, {sc['series']} "
                    f"series, detailed games {sc['detailed_games']}, reporting "
                    f"{sc['games_reporting']}")
                reps.append(rep)
            results["m6"][label] = reps
            ratios = [x for r in reps for x in r["ratios"]]
            ratio = statistics.median(ratios)
            rows.append((f"m6 {args.m3_games} games x 2, metrics on / off, {label}: updates/s",
                         med(reps, "baseline", "updates_per_second"),
                         med(reps, "candidate", "updates_per_second"), ratio,
                         [r["ratio"] for r in reps], ">= 0.95", ratio >= 0.95))
            ratio, values = paired(reps, "server_cpu_us_per_update")
            rows.append(("m6   server CPU us per agent-update (lower is better)",
                         med(reps, "baseline", "server_cpu_us_per_update"),
                         med(reps, "candidate", "server_cpu_us_per_update"), ratio, values, "",
                         None))
    elif "m6" in only:
        log("m6 skipped: needs nashnet-coordinator (and no --aa)")

    if "m7" in only and have_coordinator and have_agent and not args.aa:
        games = {kind: [] for kind, _, _ in M7_SIDES}
        for k in range(args.repeats):
            trial = sides_trial(args, out_dir, f"m7_{k}", M7_SIDES, args.m5_rounds, "m7")
            for kind, values in trial.items():
                games[kind] += values
            log(f"m7 rep {k + 1}/{args.repeats}: summary rounds/s " + "; ".join(
                f"{kind} " + " ".join(f"{g['rounds_per_second']:.0f}" for g in trial[kind])
                for kind in trial))
        results["m7"] = games
        for label, key, kind in (
                ("summary rounds/s, journal (defaults)", "rounds_per_second", "journal"),
                ("summary rounds/s, journal fsync every write", "rounds_per_second",
                 "journal_sync0"),
                ("wall-time rounds/s, journal (defaults)", "wall_rounds_per_second", "journal")):
            ratios = [c[key] / b[key] for b, c in zip(games["nojournal"], games[kind])]
            ratio = statistics.median(ratios)
            rows.append((f"m7 one game, 2 agents, journal on / off: {label}",
                         statistics.median(g[key] for g in games["nojournal"]),
                         statistics.median(g[key] for g in games[kind]), ratio, ratios,
                         ">= 0.95", ratio >= 0.95))
        key = "server_cpu_us_per_round"
        ratios = [c[key] / b[key] for b, c in zip(games["nojournal"], games["journal"])
                  if b[key] > 0]
        rows.append(("m7   server CPU us per round, journal (lower is better)",
                     statistics.median(g[key] for g in games["nojournal"]),
                     statistics.median(g[key] for g in games["journal"]),
                     statistics.median(ratios) if ratios else float("nan"), ratios, "", None))
    elif "m7" in only:
        log("m7 skipped: needs nashnet-coordinator and nashnet-agent (and no --aa)")

    if "m8" in only and have_coordinator and not args.aa:
        reps = []
        for k in range(args.repeats):
            rep = load_trial(args, out_dir, f"m8_{k}", args.m3_games, 8, args.pairs,
                             base_extra=["--no-journal"])
            log(f"m8 rep {k + 1}/{args.repeats}: without journal "
                f"{rep['baseline']['updates_per_second']:.0f} updates/s "
                f"({rep['baseline']['server_cpu_us_per_update']:.1f} us server CPU/update), "
                f"with {rep['candidate']['updates_per_second']:.0f} updates/s "
                f"({rep['candidate']['server_cpu_us_per_update']:.1f} us); block ratios "
                f"{rep['ratios']}")
            reps.append(rep)
        results["m8"] = reps
        ratios = [x for r in reps for x in r["ratios"]]
        ratio = statistics.median(ratios)
        rows.append((f"m8 {args.m3_games} games x 2, journal on / off: agent-updates/s",
                     med(reps, "baseline", "updates_per_second"),
                     med(reps, "candidate", "updates_per_second"), ratio,
                     [r["ratio"] for r in reps], ">= 0.95", ratio >= 0.95))
        ratio, values = paired(reps, "server_cpu_us_per_update")
        rows.append(("m8   server CPU us per agent-update (lower is better)",
                     med(reps, "baseline", "server_cpu_us_per_update"),
                     med(reps, "candidate", "server_cpu_us_per_update"), ratio, values, "",
                     None))
    elif "m8" in only:
        log("m8 skipped: needs nashnet-coordinator (and no --aa)")

    results["load_after"] = open("/proc/loadavg").read().split()[:3]
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    width = max([len(r[0]) for r in rows] + [10])
    lines = [f"{'what':<{width}}  {'baseline':>10}  {'nashnet':>10}  {'ratio':>6}  "
             f"{'target':>9}  {'':6}  ratio per repetition"]
    for what, base, cand, ratio, values, target, good in rows:
        verdict = "" if good is None else ("meets" if good else "MISSES")
        spread = " ".join(f"{v:.3g}" for v in values)
        lines.append(f"{what:<{width}}  {base:>10.4g}  {cand:>10.4g}  {ratio:>6.3g}  "
                     f"{target:>9}  {verdict:6}  {spread}")
    lines.append(f"load average before {' '.join(load_before)}, after "
                 f"{' '.join(results['load_after'])}")
    report = "\n".join(lines)
    log("\n" + report)
    with open(os.path.join(out_dir, "report.txt"), "w") as f:
        f.write(report + "\n")
    log(f"raw results: {out_dir}")


if __name__ == "__main__":
    main()

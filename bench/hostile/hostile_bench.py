#!/usr/bin/env python3
"""The hostile-client benchmark (bench/README.md, "Hostile clients"; issue 11's "Proof").

    hostile_bench.py --build build/release [--pairs 6] [--rounds 40000] [--out DIR]

One real nashnet-coordinator (with --memory-budget-bytes and --metrics-listen) hosts a neighbour
game: 2 real nashnet-agent processes playing the run file below, created with `nashnet create`.
The neighbour game is played --pairs times quiet and --pairs times while bench/hostile's
hostile_probes (another process, one thread per probe) attacks the same coordinator: oversize
CreateGames, 1 MiB names, Play streams that never Join, WatchGame streams of the neighbour game
that are never read, half-sent /metrics requests plus scrapes, raw connections that never finish
the HTTP/2 handshake, garbage bytes, a ListGames flood. Quiet and hostile games alternate in
pairs (QH, HQ, QH, ...); a pair's ratio is hostile / quiet rounds/s (the server's measure:
GetGame's rounds_per_second, first Start to last Feedback), and the figure is the median ratio.

Checks (exit 1 if one fails): median ratio >= --min-ratio (0.90); every neighbour game's
rounds.csv equals `nashnet simulate`'s of the same run file, byte for byte; the coordinator's peak
RSS (VmHWM, and VmRSS sampled every 20 ms) stays under --memory-budget-bytes; and the probes got
what the coordinator promises (no oversize or 1 MiB-name game accepted, every scrape answered
while the half-sent requests were held, silent streams and raw connections closed by the server).
Standard library only; the logs and probe tallies stay in DIR (a temporary folder by default).
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

RUN_FILE = """# The neighbour game of the hostile-client benchmark.
name: neighbour
game:
  name: matching_pennies
learner:
  algorithm: hedge
feedback: full
rounds: {rounds}
seed: 11
record_every: 10
"""


def log(*args):
    print(*args, flush=True)


class RssSampler:
    """Samples VmRSS and VmHWM of a process every 20 ms on a thread (KiB)."""

    def __init__(self, pid):
        self.pid = pid
        self.max_rss_kib = 0
        self.hwm_kib = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        self.max_rss_kib = max(self.max_rss_kib, int(line.split()[1]))
                    elif line.startswith("VmHWM:"):
                        self.hwm_kib = max(self.hwm_kib, int(line.split()[1]))
        except OSError:
            pass

    def run(self):
        while not self.stop_event.wait(0.02):
            self.sample()

    def stop(self):
        self.sample()
        self.stop_event.set()
        self.thread.join()


def start_coordinator(args, work):
    port_file = os.path.join(work, "port")
    metrics_port_file = os.path.join(work, "metrics_port")
    cmd = [os.path.join(args.build, "bin", "nashnet-coordinator"),
           "--listen", "127.0.0.1:0", "--port-file", port_file,
           "--records-dir", os.path.join(work, "records"),
           "--metrics-listen", "127.0.0.1:0", "--metrics-port-file", metrics_port_file,
           "--memory-budget-bytes", str(args.memory_budget_bytes),
           "--join-timeout-ms", str(args.join_timeout_ms),
           "--handshake-timeout-ms", "5000", "--quiet"]
    out = open(os.path.join(work, "coordinator.log"), "w")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"coordinator did not start: {' '.join(cmd)} (log in {work})")
        time.sleep(0.02)
    with open(port_file) as f:
        address = f"127.0.0.1:{int(f.read().strip())}"
    with open(metrics_port_file) as f:  # written before --port-file
        metrics_port = int(f.read().strip())
    return proc, out, address, metrics_port


def start_probes(args, work, address, metrics_port, game_id, tag):
    cmd = [os.path.join(args.build, "bench", "hostile_probes"), "--target", address,
           "--metrics-port", str(metrics_port), "--watch-game", game_id,
           "--join-timeout-ms", str(args.join_timeout_ms)]
    err = open(os.path.join(work, f"{tag}_probes.err"), "w")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                            text=True)
    line = proc.stdout.readline().strip()  # "ready": every held stream and connection is open
    if line != "ready":
        proc.kill()
        raise RuntimeError(f"hostile_probes did not get ready ({line!r}; {err.name})")
    return proc, err


def cpu_seconds(pid):
    """utime + stime of a running process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_probes(probes):
    """Ends the probes (stdin closed); their tally, with the CPU time they used (probe_cpu_ms)."""
    proc, err = probes
    cpu = cpu_seconds(proc.pid)
    out, _ = proc.communicate(input="", timeout=120)
    err.close()
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"hostile_probes failed ({proc.returncode}); see {err.name}")
    tally = json.loads(lines[-1])
    tally["probe_cpu_ms"] = int(1000 * cpu)
    return tally


def play_neighbour(args, work, coordinator, address, metrics_port, run_file, index, hostile):
    """Creates and plays one neighbour game; returns (rounds/s, its rounds.csv path, tally, the
    coordinator's CPU seconds per wall second while the agents played)."""
    nashnet = os.path.join(args.build, "bin", "nashnet")
    game_id = f"neighbour-{index}"
    subprocess.run([nashnet, "create", "--coordinator", address, "--id", game_id, run_file],
                   check=True, capture_output=True, timeout=60)
    probes = start_probes(args, work, address, metrics_port, game_id, game_id) if hostile else None
    agents = []
    cpu_before, begin = cpu_seconds(coordinator.pid), time.monotonic()
    try:
        for seat in range(2):
            out = open(os.path.join(work, f"{game_id}_agent{seat}.log"), "w")
            agents.append((subprocess.Popen(
                [os.path.join(args.build, "bin", "nashnet-agent"), "--coordinator", address,
                 "--game", game_id, "--seat", str(seat), "--algorithm", "hedge", "--quiet"],
                stdout=out, stderr=subprocess.STDOUT), out))
        codes = []
        for proc, out in agents:
            codes.append(proc.wait(timeout=args.game_timeout))
            out.close()
        coordinator_load = (cpu_seconds(coordinator.pid) - cpu_before) / (time.monotonic() - begin)
    finally:
        tally = stop_probes(probes) if probes else {}
    if any(codes):
        raise RuntimeError(f"{game_id}: agent exit codes {codes} (logs in {work})")
    done = subprocess.run(
        [os.path.join(args.build, "bench", "nashnet_load"), "summary", "--target", address,
         "--game-id", game_id, "--wait", "10"], capture_output=True, text=True, timeout=60)
    summary = json.loads([l for l in done.stdout.splitlines() if l.startswith("{")][-1])
    return (summary["rounds_per_second"], os.path.join(work, "records", game_id, "rounds.csv"),
            tally, coordinator_load)


def merge(total, tally):
    for key, value in tally.items():
        if key.endswith("max_ms"):
            total[key] = max(total.get(key, 0), value)
        else:
            total[key] = total.get(key, 0) + value


def probe_checks(tally):
    """(name, ok, detail) for what the coordinator promises the probes."""
    accepted = sum(v for k, v in tally.items()
                   if (k.startswith("oversize_") or k.startswith("big_name")) and k.endswith(".OK"))
    refused = sum(v for k, v in tally.items()
                  if (k.startswith("oversize_") or k.startswith("big_name"))
                  and not k.endswith(".OK") and not k.endswith("max_ms"))
    return [
        ("no oversize or 1 MiB-name game accepted", accepted == 0 and refused > 0,
         f"{refused} refused, {accepted} accepted"),
        ("every /metrics scrape answered while half-sent requests were held",
         tally.get("scrape.ok", 0) > 0 and tally.get("scrape.failed", 0) == 0
         and tally.get("scrape.connect_failed", 0) == 0,
         f"{tally.get('scrape.ok', 0)} ok, {tally.get('scrape.failed', 0)} failed, "
         f"slowest {tally.get('scrape.max_ms', 0)} ms"),
        ("silent Play streams ended by the join timeout",
         tally.get("silent_streams.closed_by_join_timeout", 0) > 0,
         f"{tally.get('silent_streams.closed_by_join_timeout', 0)} closed by the join timeout of "
         f"{tally.get('silent_streams.opened', 0)} opened"),
        ("half-handshaken connections closed by the server",
         tally.get("raw_connections.closed_by_server", 0) > 0,
         f"{tally.get('raw_connections.closed_by_server', 0)} closed of "
         f"{tally.get('raw_connections.opened', 0)} opened"),
        ("ListGames answered through the flood",
         tally.get("list_games.OK", 0) > 0 and
         sum(v for k, v in tally.items() if k.startswith("list_games.") and k != "list_games.OK")
         == 0, f"{tally.get('list_games.OK', 0)} OK"),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", required=True, help="build dir (bin/ and bench/ inside)")
    p.add_argument("--pairs", type=int, default=6, help="quiet/hostile pairs of games")
    p.add_argument("--rounds", type=int, default=40000, help="rounds of each neighbour game")
    p.add_argument("--memory-budget-bytes", type=int, default=256 << 20)
    p.add_argument("--join-timeout-ms", type=int, default=3000)
    p.add_argument("--min-ratio", type=float, default=0.90)
    p.add_argument("--game-timeout", type=float, default=120)
    p.add_argument("--out", default=None, help="keep logs here (default: a temporary folder)")
    args = p.parse_args()
    work = args.out or tempfile.mkdtemp(prefix="nashnet-hostile-", dir="/tmp")
    os.makedirs(work, exist_ok=True)
    run_file = os.path.join(work, "neighbour.yaml")
    with open(run_file, "w") as f:
        f.write(RUN_FILE.format(rounds=args.rounds))
    simulated = os.path.join(work, "simulate")
    shutil.rmtree(simulated, ignore_errors=True)
    subprocess.run([os.path.join(args.build, "bin", "nashnet"), "simulate", run_file, "--out",
                    simulated, "-q"], check=True, capture_output=True, timeout=120)
    with open(os.path.join(simulated, "rounds.csv"), "rb") as f:
        reference = f.read()

    load_before = os.getloadavg()
    proc, out, address, metrics_port = start_coordinator(args, work)
    sampler = RssSampler(proc.pid)
    rates = {"quiet": [], "hostile": []}
    coordinator_cpu = {"quiet": [], "hostile": []}  # CPU s per s while the agents played
    ratios, mismatches, tally = [], [], {}
    try:
        index = 0
        for pair in range(args.pairs):
            order = ("quiet", "hostile") if pair % 2 == 0 else ("hostile", "quiet")
            got = {}
            for kind in order:
                rate, rounds_csv, probe_tally, load = play_neighbour(
                    args, work, proc, address, metrics_port, run_file, index, kind == "hostile")
                coordinator_cpu[kind].append(load)
                index += 1
                merge(tally, probe_tally)
                with open(rounds_csv, "rb") as f:
                    if f.read() != reference:
                        mismatches.append(rounds_csv)
                got[kind] = rate
                rates[kind].append(rate)
            ratios.append(got["hostile"] / got["quiet"])
            log(f"pair {pair}: quiet {got['quiet']:.0f} rounds/s, hostile {got['hostile']:.0f} "
                f"rounds/s, ratio {ratios[-1]:.3f}")
    finally:
        sampler.stop()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()
    load_after = os.getloadavg()

    budget_kib = args.memory_budget_bytes // 1024
    median_ratio = statistics.median(ratios)
    checks = [
        (f"median hostile/quiet rounds/s >= {args.min_ratio}", median_ratio >= args.min_ratio,
         f"{median_ratio:.3f} (pairs: {', '.join(f'{r:.3f}' for r in ratios)})"),
        ("every neighbour rounds.csv == nashnet simulate's", not mismatches,
         f"{2 * args.pairs - len(mismatches)} of {2 * args.pairs} equal"
         + (f"; differ: {mismatches}" if mismatches else "")),
        ("coordinator peak RSS under --memory-budget-bytes",
         max(sampler.hwm_kib, sampler.max_rss_kib) <= budget_kib,
         f"VmHWM {sampler.hwm_kib / 1024:.1f} MiB, sampled VmRSS max "
         f"{sampler.max_rss_kib / 1024:.1f} MiB, budget {budget_kib / 1024:.0f} MiB"),
    ] + probe_checks(tally)
    hostile_seconds = sum(args.rounds / r for r in rates["hostile"])
    log(f"probes used {tally.get('probe_cpu_ms', 0) / 1000:.1f} CPU s over ~{hostile_seconds:.0f} s "
        f"of hostile games")
    log(f"coordinator CPU while the agents played (median, cores): quiet "
        f"{statistics.median(coordinator_cpu['quiet']):.2f}, hostile "
        f"{statistics.median(coordinator_cpu['hostile']):.2f}")
    log(f"quiet: median {statistics.median(rates['quiet']):.0f} rounds/s; hostile: median "
        f"{statistics.median(rates['hostile']):.0f} rounds/s; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")
    log("probe tallies: " + json.dumps(tally, sort_keys=True))
    failed = 0
    for name, ok, detail in checks:
        log(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
        failed += not ok
    with open(os.path.join(work, "result.json"), "w") as f:
        json.dump({"ratios": ratios, "rates": rates, "tally": tally,
                   "coordinator_cpu": coordinator_cpu,
                   "vmhwm_kib": sampler.hwm_kib, "max_vmrss_kib": sampler.max_rss_kib,
                   "load": [load_before, load_after],
                   "checks": [{"name": n, "ok": o, "detail": d} for n, o, d in checks]},
                  f, indent=1)
    log(f"logs and result.json in {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Recovery time of a long game (bench/README.md, "Durability"): how long a coordinator takes to
come back up on a records folder holding an unfinished game of --rounds rounds, against the same
coordinator starting on an empty folder, measured side by side.

    recovery_bench.py --build BUILD_DIR [--rounds 1000000] [--repeats 3] [--remote] [--out DIR]

1. A coordinator plays one game (matching pennies, Hedge; all seats local, or with --remote one
   seat played by a real nashnet-agent process, so that the journal also holds the feedback a
   remote seat was sent) until it has played --rounds rounds, and is SIGKILLed.
2. Each repetition starts, in alternating order, a coordinator on that folder (it replays the
   journal, repairs rounds.csv, then listens) and one on an empty folder, timing each from exec
   to its port file, then SIGKILLs it (the recovered game has not moved: a remote seat's agent
   is gone, and an all-local game is killed at once). Recovery time = recovering start - empty
   start, median over repetitions. Target: <= 2 s for 10^6 rounds.
Standard library only.
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
import time

RUN_FILE = """name: recovery
game: matching_pennies
learner: {algorithm: hedge}
feedback: {model: noisy, sigma: 0.5}
rounds: 1000000000
seed: 3
record_every: 1000
service: {local_seats: [%s]}
"""


def start_coordinator(bin_dir, records, out_dir, tag):
    port_file = os.path.join(out_dir, f"{tag}.port")
    if os.path.exists(port_file):
        os.remove(port_file)
    log = open(os.path.join(out_dir, f"{tag}.log"), "w")
    begin = time.monotonic()
    proc = subprocess.Popen([os.path.join(bin_dir, "nashnet-coordinator"), "--listen",
                             "127.0.0.1:0", "--port-file", port_file, "--records-dir", records],
                            stdout=log, stderr=subprocess.STDOUT)
    while not os.path.exists(port_file):
        if proc.poll() is not None:
            sys.exit(f"{tag}: the coordinator exited {proc.returncode} (log {log.name})")
        time.sleep(0.001)
    elapsed = time.monotonic() - begin
    with open(port_file) as f:
        address = f"127.0.0.1:{int(f.read())}"
    return proc, address, elapsed


def show(bin_dir, address):
    out = subprocess.run([os.path.join(bin_dir, "nashnet"), "show", "recovery", "--json",
                          "--coordinator", address], capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True)
    p.add_argument("--rounds", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--remote", action="store_true", help="seat 1 is a nashnet-agent process")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    bin_dir = os.path.join(os.path.abspath(args.build), "bin")
    out_dir = args.out or tempfile.mkdtemp(prefix="nashnet-recovery-")
    os.makedirs(out_dir, exist_ok=True)
    records = os.path.join(out_dir, "records")
    empty = os.path.join(out_dir, "empty")
    shutil.rmtree(records, ignore_errors=True)
    os.makedirs(empty, exist_ok=True)
    run_file = os.path.join(out_dir, "recovery.yaml")
    with open(run_file, "w") as f:
        f.write(RUN_FILE % ("0" if args.remote else "0, 1"))

    # 1. Play --rounds rounds, then SIGKILL.
    proc, address, _ = start_coordinator(bin_dir, records, out_dir, "play")
    subprocess.run([os.path.join(bin_dir, "nashnet"), "create", run_file, "--id", "recovery",
                    "--coordinator", address], check=True, capture_output=True, timeout=60)
    agent = None
    if args.remote:
        agent = subprocess.Popen([os.path.join(bin_dir, "nashnet-agent"), "--coordinator",
                                  address, "--game", "recovery", "--quiet"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    begin = time.monotonic()
    played = 0
    while played < args.rounds:
        time.sleep(0.2)
        played = int(show(bin_dir, address).get("round", 0))
    play_seconds = time.monotonic() - begin
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if agent is not None:
        agent.kill()
        agent.wait()
    journal = os.path.join(records, "recovery", "journal")
    print(f"played {played} rounds in {play_seconds:.1f} s; journal {os.path.getsize(journal)} "
          f"bytes, rounds.csv {os.path.getsize(os.path.join(records, 'recovery', 'rounds.csv'))} "
          f"bytes", flush=True)

    # 2. Recovering start vs empty start, alternating.
    recovering, plain, recovered_rounds = [], [], []
    for k in range(args.repeats):
        for kind in (("recover", "empty") if k % 2 == 0 else ("empty", "recover")):
            proc, address, elapsed = start_coordinator(
                bin_dir, records if kind == "recover" else empty, out_dir, f"{kind}{k}")
            if kind == "recover":
                if not args.remote:
                    proc.send_signal(signal.SIGKILL)  # the all-local game would play on
                    proc.wait()
                else:
                    recovered_rounds.append(int(show(bin_dir, address).get("round", 0)))
                recovering.append(elapsed)
            else:
                plain.append(elapsed)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
    recovery = [r - e for r, e in zip(recovering, plain)]
    print(f"start on the records of a {played}-round game: "
          f"{' '.join(f'{x:.3f}' for x in recovering)} s; on an empty folder: "
          f"{' '.join(f'{x:.3f}' for x in plain)} s", flush=True)
    if recovered_rounds:
        print(f"rounds recovered: {recovered_rounds}")
    median = statistics.median(recovery)
    print(f"recovery time (median of {args.repeats}): {median:.3f} s for {played} rounds "
          f"({'remote seat' if args.remote else 'local seats'}); target <= 2 s: "
          f"{'meets' if median <= 2.0 else 'MISSES'}")
    print(f"(raw files in {out_dir})")


if __name__ == "__main__":
    main()

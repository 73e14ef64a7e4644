#!/usr/bin/python3
"""Runs `nashnet conformance` and checks its table: exactly the scenarios expected to fail
failed, exactly the ones expected to be skipped were, every other one ran and passed, and the
exit status says so (ctest runs it: tests/conformance/CMakeLists.txt).

    check_conformance.py --nashnet BIN [--expect-fail A,B] [--expect-skip C] -- CONFORMANCE ARGS
    check_conformance.py --nashnet BIN --bad-flags     # bad flags: exit 2 and what is wrong
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile

ROW = re.compile(r"^  (\S+)\s+(pass|FAIL|skipped)\s+([0-9.]+)\s+(.*)$")


def names(text: str) -> set[str]:
    return {n for n in text.split(",") if n}


def list_scenarios(nashnet: str) -> list[str]:
    out = subprocess.run([nashnet, "conformance", "--list"], capture_output=True, text=True,
                         check=True).stdout
    return [line.split()[0] for line in out.splitlines()[1:] if line.strip()]


def check_table(args: argparse.Namespace, rest: list[str]) -> list[str]:
    work = None
    if "--work-dir" not in rest:  # failed scenarios keep their folder: ours, removed if all is well
        work = tempfile.mkdtemp(prefix="check-conformance-")
        rest = [*rest, "--work-dir", work]
    problems = run_and_check(args, rest)
    if work is not None:
        if problems:
            print(f"check_conformance.py: records and logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return problems


def run_and_check(args: argparse.Namespace, rest: list[str]) -> list[str]:
    run = subprocess.run([args.nashnet, "conformance", *rest], capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    rows = {}
    for line in run.stdout.splitlines():
        match = ROW.match(line)
        if match and match.group(1) != "scenario":
            rows[match.group(1)] = match.group(2)
    problems = []
    only = [rest[i + 1] for i, a in enumerate(rest[:-1]) if a in ("--only", "--scenario")]
    expected_rows = set(only) if only else set(list_scenarios(args.nashnet))
    if set(rows) != expected_rows:
        problems.append(f"the table has scenarios {sorted(rows)}, expected "
                        f"{sorted(expected_rows)}")
    fail, skip = names(args.expect_fail), names(args.expect_skip)
    for name, verdict in sorted(rows.items()):
        want = "FAIL" if name in fail else "skipped" if name in skip else "pass"
        if verdict != want:
            problems.append(f"{name}: {verdict}, expected {want}")
    want_code = 1 if fail else 0
    if run.returncode != want_code:
        problems.append(f"exit status {run.returncode}, expected {want_code}")
    summary = f"{sum(v == 'pass' for v in rows.values())} passed, {len(fail)} failed, "
    if not re.search(rf"^{summary}{len(skip)} skipped$", run.stdout, re.M):
        problems.append(f"no summary line '{summary}{len(skip)} skipped'")
    return problems


def check_bad_flags(nashnet: str) -> list[str]:
    cases = [
        (["conformance"], "--agent: required"),
        (["conformance", "--agent", "  "], "--agent: the command is empty"),
        (["conformance", "--agent", "agent {coordinator}"], "needs {coordinator} and {game}"),
        (["conformance", "--agent", "agent {coordinator} {game} {sit}"],
         "unknown placeholder {sit}"),
        (["conformance", "--agent", "a {coordinator} {game}", "--only", "whole-gam"],
         "--only whole-gam: no such scenario (known: whole-game,"),
        (["conformance", "--agent", "a {coordinator} {game}", "--skip", "x"],
         "--skip x: no such scenario"),
        (["conformance", "--agent", "a {coordinator} {game}", "--timeout-seconds", "0"],
         "--timeout-seconds: 0 is not a positive number of seconds"),
        (["conformance", "--agent", "a {coordinator} {game}", "--resume-seconds", "-1"],
         "--resume-seconds: -1 is not a positive number of seconds"),
    ]
    problems = []
    for argv, message in cases:
        run = subprocess.run([nashnet, *argv], capture_output=True, text=True)
        if run.returncode != 2 or message not in run.stderr:
            problems.append(f"nashnet {argv}: exit {run.returncode}, stderr {run.stderr!r}; "
                            f"expected exit 2 and {message!r}")
    return problems


def main(argv: list[str]) -> int:
    rest: list[str] = []
    if "--" in argv:
        rest = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    parser = argparse.ArgumentParser()
    parser.add_argument("--nashnet", required=True)
    parser.add_argument("--expect-fail", default="")
    parser.add_argument("--expect-skip", default="")
    parser.add_argument("--bad-flags", action="store_true")
    args = parser.parse_args(argv)
    problems = check_bad_flags(args.nashnet) if args.bad_flags else check_table(args, rest)
    for problem in problems:
        print(f"check_conformance.py: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

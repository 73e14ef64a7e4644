#!/usr/bin/python3
"""A real Prometheus scrapes a coordinator whose agents play; the dashboards' queries return data.

  live_prometheus_test.py --bin-dir <build>/bin [--source-dir <repo>] [--keep]

1. nashnet-coordinator on loopback (--metrics-listen 127.0.0.1:0 --metrics-port-file), a game of the
   prisoner's dilemma created with `nashnet create` (horizon 10^9: it runs until stopped), and
   Debian's `prometheus` on a free loopback port with a config derived from the project's
   dashboards/prometheus/prometheus.yml (job nashnet-coordinator pointed at the metrics port,
   scrape interval 1 s; job name and metrics_path kept), checked by `promtool check config`.
   Once Prometheus scrapes, a second game, live-online (online_bumps in 2 dimensions: a continuous,
   time-varying game), is created and one nashnet-agent plays it with hierarchical dual averaging.
2. Two nashnet-agent processes play the first with Hedge, γ_t = 0.5 / t: the step sum grows like
   0.5·ln t, so the cooperate probability falls like t^-1/2 (payoff edge of defecting ≥ 1) and the
   Nash gap ≈ x_cooperate stays far above double rounding for the whole run (with the default
   constant step it is 0.0 within a second, and "falling" could not be asserted).
3. Through the HTTP API, over the window Prometheus saw the game play: the target is up, two agents
   connected, nashnet_rounds_total and the game's round increase, its Nash gap falls (last sample <
   first), every player's average regret falls, and every player's regret grows sub-linearly:
   regret(t2)/regret(t1) < round(t2)/round(t1). Sharper, from the dynamics above: the log-log slope
   of the gap against the round is < -1/4 (theory ≤ -1/2) and that of the regret < 3/4 (theory 1/2;
   measured -0.50 and 0.49).
   The online game's played point has its 2 coordinates in [0, 1], its variation V_t grows, and
   per-game rounds/s (rate(nashnet_game_round[1m])) is > 0 for both games.
4. Every target of every panel of dashboards/grafana/*.json, with $game → each of the two games in
   turn, $instance → the coordinator target, $job → its job, $player → All (.*),
   $__rate_interval → 5s (≥ 4 scrape intervals), $__interval → 1s, $__range → 1m, is evaluated with
   /api/v1/query and must succeed, with a non-empty result holding at least one finite value for
   at least one of the games (a continuous game's point and variation, a finite game's strategies);
   the variables' label_values / query_result queries must list the job, the coordinator, both
   games and the players; the "Games created" annotation must mark the online game's creation. A
   failure names the dashboard and panel.
5. `nashnet stop` the finite game: its series vanish from a fresh /metrics scrape, the game
   variable (an instant query) stops listing it at once, the "Games ended" annotation marks it,
   the gauges over live games (games active, reporting, detailed games) count only the online
   game, nashnet_games_ended_total{reason="stopped"} is 1; then the online game is stopped too and
   the live gauges (games active, reporting, the summed gap and regret, detailed games, vacant
   seats) are exactly 0; every agent exits 0; the coordinator exits 0 on SIGTERM.

Every process runs in its own process group, killed on every exit path (and by the kernel if this
script dies: PR_SET_PDEATHSIG). Exit 0 = pass, 1 = fail, 77 = skipped (no prometheus or promtool).
"""
import argparse
import ctypes
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SKIP = 77
GAME = "live-pd"
SCRAPE_INTERVAL = "1s"
# Grafana's macros for a 1 s scrape interval. Grafana makes $__rate_interval
# max(4 × scrape interval, $__interval + scrape interval) = 4 s; 5 s keeps ≥ 4 samples in a rate()
# when a scrape comes late.
MACROS = {"__rate_interval": "5s", "__interval": "1s", "__range": "1m"}
# Samples of the game Prometheus must hold before the trends are checked (one per scrape).
MIN_SAMPLES = 12
RUN_FILE = f"""\
name: {GAME}
game: {{name: prisoners_dilemma}}
learner: {{algorithm: hedge}}
feedback: {{model: full}}
rounds: 1000000000
seed: 7
record_every: 1000000
service: {{round_deadline_ms: 10000}}
"""
AGENT_LEARNER = ["--algorithm", "hedge", "--param", "gamma0=0.5", "--param", "beta=1"]
# A continuous, time-varying game: its panels (played point, variation) must have data too.
ONLINE = "live-online"
ONLINE_RUN_FILE = f"""\
name: {ONLINE}
game: {{name: online_bumps, params: {{dimension: 2, bumps: 5, seed: 3}}}}
learner: {{algorithm: hda}}
feedback: {{model: bandit}}
rounds: 1000000000
seed: 3
record_every: 1000000
service: {{round_deadline_ms: 10000}}
"""
ONLINE_AGENT_LEARNER = ["--algorithm", "hda"]

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}", flush=True)


def note(message):
    print(message, flush=True)


class Failed(Exception):
    """A failure after which the rest of the test cannot run."""


# ---- processes ----------------------------------------------------------------------------------
_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _child_setup():
    os.setsid()  # own process group: killed as a group
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # and by the kernel if this script dies


class Processes:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []  # (name, Popen)

    def start(self, name, argv):
        log = open(os.path.join(self.tmp, f"{name}.log"), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             preexec_fn=_child_setup)
        log.close()
        self.procs.append((name, p))
        return p

    def log(self, name):
        try:
            with open(os.path.join(self.tmp, f"{name}.log")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop_all(self):
        """SIGTERM to every group still running, SIGKILL to those alive 5 s later; reaps them all."""
        for _, p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.time() + 5
        for _, p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)  # not reaped yet: the group id is still ours
                p.wait()


def wait_for(what, predicate, seconds, interval=0.1, alive=()):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        for name, p in alive:
            if p.poll() is not None:
                raise Failed(f"{name} exited {p.returncode} while waiting for {what}")
        time.sleep(interval)
    raise Failed(f"timed out after {seconds} s waiting for {what}")


def read_port(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        return int(text) if text.isdigit() and int(text) > 0 else None
    except OSError:
        return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- HTTP ---------------------------------------------------------------------------------------
def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


class Prometheus:
    def __init__(self, base):
        self.base = base

    def api(self, path, **params):
        url = f"{self.base}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            _, body = http_get(url)
        except urllib.error.HTTPError as e:  # 400/422: a bad query; the body says why
            body = e.read().decode()
        answer = json.loads(body)
        if answer.get("status") != "success":
            raise Failed(f"{path} {params}: {answer.get('errorType')}: {answer.get('error')}")
        return answer["data"]

    def query(self, expr, at=None):
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self.api("query", **params)

    def series(self, expr, start, end):
        """{frozen labels: [(t, value)]} of a range query, only finite values."""
        data = self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step="1")
        out = {}
        for s in data["result"]:
            points = [(float(t), float(v)) for t, v in s["values"] if math.isfinite(float(v))]
            out[tuple(sorted(s["metric"].items()))] = points
        return out


def scrape(port):
    return http_get(f"http://127.0.0.1:{port}/metrics")[1]


# ---- the test -----------------------------------------------------------------------------------
def derived_config(source_dir, metrics_port, prom_port):
    """The project's scrape config, pointed at the loopback ports, scraping every second."""
    import yaml

    with open(os.path.join(source_dir, "dashboards", "prometheus", "prometheus.yml")) as f:
        config = yaml.safe_load(f)
    config.setdefault("global", {}).update(scrape_interval=SCRAPE_INTERVAL,
                                           scrape_timeout=SCRAPE_INTERVAL,
                                           evaluation_interval=SCRAPE_INTERVAL)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    if "nashnet-coordinator" not in jobs:
        raise Failed("dashboards/prometheus/prometheus.yml has no job nashnet-coordinator")
    for name, job in jobs.items():
        job.pop("scrape_interval", None)
        job.pop("scrape_timeout", None)
        port = metrics_port if name == "nashnet-coordinator" else prom_port if name == "prometheus" else None
        if port is None:  # a job this test has nothing for
            config["scrape_configs"].remove(job)
            continue
        labels = {}
        for sc in job.get("static_configs", []):
            labels.update(sc.get("labels", {}))
        job.pop("dns_sd_configs", None)
        job["static_configs"] = [{"targets": [f"127.0.0.1:{port}"], "labels": labels}]
    return config, jobs["nashnet-coordinator"].get("metrics_path", "/metrics")


def start_prometheus(procs, tmp, source_dir, metrics_port):
    import yaml

    for attempt in range(3):  # the free port can be taken before Prometheus binds it
        port = free_port()
        config, metrics_path = derived_config(source_dir, metrics_port, port)
        config_file = os.path.join(tmp, "prometheus.yml")
        with open(config_file, "w") as f:
            yaml.safe_dump(config, f)
        check = subprocess.run(["promtool", "check", "config", config_file], capture_output=True,
                               text=True, timeout=30)
        if check.returncode != 0:
            raise Failed(f"promtool check config on the derived config: {check.stdout}{check.stderr}")
        name = f"prometheus{attempt}"
        p = procs.start(name, ["prometheus", f"--config.file={config_file}",
                               f"--storage.tsdb.path={os.path.join(tmp, f'tsdb{attempt}')}",
                               f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"])
        base = f"http://127.0.0.1:{port}"

        def ready():
            try:
                return http_get(f"{base}/-/ready", timeout=2)[0] == 200
            except (OSError, urllib.error.URLError):
                return False
        try:
            wait_for("Prometheus /-/ready", ready, 60, alive=[(name, p)])
            note(f"prometheus on {base} (metrics_path {metrics_path}, scrape every {SCRAPE_INTERVAL})")
            return Prometheus(base)
        except Failed as e:
            if "address already in use" not in procs.log(name):
                raise Failed(f"{e}\n{procs.log(name)}")
    raise Failed("prometheus could not bind a free port three times")


def target_up(prom):
    """The nashnet-coordinator job has one target, and it is up."""
    return [r["value"][1] for r in prom.query('up{job="nashnet-coordinator"}')["result"]] == ["1"]


def check_trends(prom, start, end):
    g = f'{{game="{GAME}"}}'
    if not target_up(prom):
        fail(f"up{{job=\"nashnet-coordinator\"}} = {prom.query('up')['result']}, want one target at 1")
    connected = prom.query("nashnet_agents_connected")["result"]
    if [r["value"][1] for r in connected] != ["3"]:
        fail(f"nashnet_agents_connected = {connected}, want 3 (two on {GAME}, one on {ONLINE})")

    def first_last(expr):
        out = {}
        for labels, points in prom.series(expr, start, end).items():
            if len(points) < 2:
                fail(f"{expr}{dict(labels)}: {len(points)} finite samples in the window")
            else:
                out[labels] = (points[0], points[-1])
        if not out:
            fail(f"{expr}: no series in the window")
        return out

    for labels, ((t1, v1), (t2, v2)) in first_last("nashnet_rounds_total").items():
        note(f"nashnet_rounds_total: {v1:.0f} -> {v2:.0f} in {t2 - t1:.0f} s")
        if not v2 > v1:
            fail(f"nashnet_rounds_total did not increase: {v1} -> {v2}")
    rounds = first_last(f"nashnet_game_round{g} >= 1")
    for _, ((t1, r1), (t2, r2)) in rounds.items():
        if not r2 > r1 >= 1:
            fail(f"nashnet_game_round: {r1} -> {r2}, want 1 <= first < last")
    # One publish sets the round, the gap and the regrets together, so a scrape's samples agree.
    round_at = {t: v for points in prom.series(f"nashnet_game_round{g} >= 1", start, end).values()
                for t, v in points}

    def slope(t1, v1, t2, v2):
        """d log(value) / d log(round) between two scrapes."""
        return math.log(v2 / v1) / math.log(round_at[t2] / round_at[t1])

    for _, ((t1, v1), (t2, v2)) in first_last(f"nashnet_game_nash_gap{g}").items():
        known = t1 in round_at and t2 in round_at and round_at[t2] > round_at[t1]
        note(f"nash gap: {v1:.4g} -> {v2:.4g}" + (f" (rounds {round_at[t1]:.0f} -> {round_at[t2]:.0f}, "
                                                  f"log-log slope {slope(t1, v1, t2, v2):.3f})"
                                                  if known and v2 > 0 else ""))
        if not v2 < v1:
            fail(f"nashnet_game_nash_gap did not fall: {v1} at {t1} -> {v2} at {t2}")
        # γ_t = 0.5/t: x_cooperate ~ t^(-0.5·Δ), Δ = v_defect - v_cooperate ≥ 1, gap ≈ Δ·x_cooperate,
        # so the log-log slope is ≤ -1/2; -1/4 is half-way to a flat line.
        elif v2 > 0 and known:
            if not slope(t1, v1, t2, v2) < -0.25:
                fail(f"nashnet_game_nash_gap: log-log slope {slope(t1, v1, t2, v2):.3f} over rounds "
                     f"{round_at[t1]:.0f}..{round_at[t2]:.0f}, want < -0.25 (theory ≤ -0.5)")
    average = first_last(f"nashnet_player_average_regret{g}")
    for labels, ((_, v1), (_, v2)) in sorted(average.items()):
        note(f"average regret player {dict(labels)['player']}: {v1:.4g} -> {v2:.4g}")
        if not v2 < v1:
            fail(f"nashnet_player_average_regret{dict(labels)}: {v1} -> {v2}, want falling")
    if len(average) != 2:
        fail(f"nashnet_player_average_regret: {len(average)} players, want 2")
    # Sub-linear regret: regret(t2)/regret(t1) < round(t2)/round(t1). More precisely the per-round
    # regret ≈ the gap ~ t^-1/2, so regret ~ t^1/2: the log-log slope must be < 3/4 (half-way
    # between the theory's 1/2 and linear growth).
    regret = prom.series(f"nashnet_player_regret{g}", start, end)
    for labels, points in sorted(regret.items()):
        points = [(t, v) for t, v in points if t in round_at and v > 0 and round_at[t] >= 1]
        if len(points) < 2:
            fail(f"nashnet_player_regret{dict(labels)}: {len(points)} positive samples")
            continue
        (t1, g1), (t2, g2) = points[0], points[-1]
        growth, rounds_growth = g2 / g1, round_at[t2] / round_at[t1]
        note(f"regret player {dict(labels)['player']}: {g1:.4g} at round {round_at[t1]:.0f} -> "
             f"{g2:.4g} at round {round_at[t2]:.0f} (x{growth:.3f} while rounds x{rounds_growth:.3f}, "
             f"log-log slope {slope(t1, g1, t2, g2):.3f})")
        if not growth < rounds_growth:
            fail(f"nashnet_player_regret{dict(labels)} grew x{growth} over rounds x{rounds_growth}: "
                 "not sub-linear")
        elif not slope(t1, g1, t2, g2) < 0.75:
            fail(f"nashnet_player_regret{dict(labels)}: log-log slope {slope(t1, g1, t2, g2):.3f}, "
                 "want < 0.75 (theory 1/2)")
    if len(regret) != 2:
        fail(f"nashnet_player_regret: {len(regret)} players, want 2")
    # The continuous game: its played point (2 coordinates in the box [0, 1]^2) and V_t.
    o = f'{{game="{ONLINE}"}}'
    points = prom.series(f"nashnet_player_point{o}", start, end)
    coordinates = sorted(dict(labels).get("coordinate") for labels in points)
    if coordinates != ["0", "1"]:
        fail(f"nashnet_player_point{o}: coordinates {coordinates}, want ['0', '1']")
    for labels, values in points.items():
        if not values or not all(0.0 <= v <= 1.0 for _, v in values):
            fail(f"nashnet_player_point{dict(labels)}: {values[:5]}..., want values in [0, 1]")
    for _, ((_, v1), (_, v2)) in first_last(f"nashnet_game_variation{o}").items():
        note(f"variation V_t of {ONLINE}: {v1:.4g} -> {v2:.4g}")
        if not v2 > v1 >= 0:
            fail(f"nashnet_game_variation{o}: {v1} -> {v2}, want growing")
    for game in (GAME, ONLINE):
        rps = finite_values(prom.query(f'rate(nashnet_game_round{{game="{game}"}}[1m])')["result"])
        note(f"rounds/s of {game}: {rps}")
        if len(rps) != 1 or not rps[0] > 0:
            fail(f'rate(nashnet_game_round{{game="{game}"}}[1m]) = {rps}, want one value > 0')


def expand(expr, variables):
    def value(m):
        name = m.group(1) or m.group(2)
        if name in variables:
            return variables[name]
        raise Failed(f"unknown Grafana variable ${name} in {expr}")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


def finite_values(result):
    """The finite sample values of an instant query's result (vector or scalar)."""
    if isinstance(result, list) and result and isinstance(result[0], dict):
        values = [float(r["value"][1]) for r in result]
    elif isinstance(result, list) and len(result) == 2:  # a scalar: [time, "value"]
        values = [float(result[1])]
    else:
        values = []
    return [v for v in values if math.isfinite(v)]


def variable_query(var):
    query = var.get("query")
    return query.get("query", "") if isinstance(query, dict) else query or ""


def variable_values(prom, var, variables):
    """The values a query variable offers (label_values or query_result with its regex)."""
    query = variable_query(var)
    m = re.fullmatch(r"\s*label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)\s*", query)
    if m:
        return prom.api(f"label/{m.group(2)}/values", **{"match[]": expand(m.group(1), variables)})
    m = re.fullmatch(r"\s*query_result\((.+)\)\s*", query)
    if m:
        regex = var.get("regex") or "/(.*)/"
        pattern = re.compile(regex.strip("/"))
        values = []
        for r in prom.query(expand(m.group(1), variables))["result"]:
            text = "{" + ",".join(f'{k}="{v}"' for k, v in sorted(r["metric"].items())) + "}"
            found = pattern.search(text)
            if found:
                values.append(found.group(1))
        return values
    raise Failed(f"variable {var['name']}: query {query!r} is neither label_values nor query_result")


def dashboard_variables(instance, game):
    return dict(MACROS, job="nashnet-coordinator", instance=instance, game=game, player=".*")


def check_dashboards(prom, source_dir, instance, start, end):
    base = os.path.join(source_dir, "dashboards", "grafana")
    names = sorted(f for f in os.listdir(base) if f.endswith(".json"))
    if not {"convergence.json", "coordinator.json"} <= set(names):
        fail(f"dashboards/grafana has {names}, want convergence.json and coordinator.json")
    evaluated = 0
    for name in names:
        with open(os.path.join(base, name)) as f:
            dash = json.load(f)
        where = f"{name} ({dash.get('title')})"
        variables = dashboard_variables(instance, GAME)
        for var in dash.get("templating", {}).get("list", []):
            if var.get("type") == "datasource":
                if var.get("query") != "prometheus":
                    fail(f"{where}: datasource variable {var['name']} is not of type prometheus")
                continue
            if var.get("type") != "query":
                continue
            try:
                values = variable_values(prom, var, variables)
            except Failed as e:
                fail(f"{where}: {e}")
                continue
            evaluated += 1
            want = {"game": [GAME, ONLINE], "player": ["0", "1"]}.get(var["name"], [variables.get(var["name"])])
            if var["name"] == "instance" and var.get("multi"):
                want = [instance]
            if not set(want) <= set(values):
                fail(f"{where}: variable {var['name']} ({variable_query(var)}) lists {values}, not {want}")
        for panel in dash.get("panels", []):
            for target in panel.get("targets", []):
                results = []
                for game in (GAME, ONLINE):
                    expr = expand(target["expr"], dashboard_variables(instance, game))
                    evaluated += 1
                    try:
                        results.append((expr, prom.query(expr)["result"]))
                    except Failed as e:
                        fail(f"{where} panel {panel.get('title')!r} ref {target.get('refId')}: {e}")
                        results = None
                        break
                    if "$game" not in target["expr"]:
                        break  # the same query for both games
                if results is None:
                    continue
                # All NaN (e.g. a quantile of an empty histogram, a division by 0) draws nothing
                # in Grafana either: at least one game must give a finite value.
                if not any(finite_values(result) for _, result in results):
                    fail(f"{where} panel {panel.get('title')!r} ref {target.get('refId')}: "
                         f"{results[0][0]} returned no finite value: {[r for _, r in results]}")
        for ann in dash.get("annotations", {}).get("list", []):
            if "expr" not in ann:
                continue
            expr = expand(ann["expr"], dashboard_variables(instance, GAME))
            evaluated += 1
            try:
                data = prom.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step="1")
            except Failed as e:
                fail(f"{where} annotation {ann['name']!r}: {e}")
                continue
            if ann["name"] == "Games created" and not data["result"]:
                fail(f"{where} annotation {ann['name']!r}: {expr} marks nothing, though {ONLINE} was "
                     "created while Prometheus scraped")
    note(f"evaluated {evaluated} dashboard queries")
    if evaluated < 80:
        fail(f"only {evaluated} dashboard queries found")


def game_choices(prom, source_dir, instance):
    """The games the convergence dashboard's game variable offers now."""
    with open(os.path.join(source_dir, "dashboards", "grafana", "convergence.json")) as f:
        dash = json.load(f)
    var = next(v for v in dash["templating"]["list"] if v["name"] == "game")
    return variable_values(prom, var, dashboard_variables(instance, GAME))


def stop_game(bin_dir, address, metrics_port, game):
    """`nashnet stop` the game; returns the first /metrics text without its series."""
    stop = subprocess.run([os.path.join(bin_dir, "nashnet"), "stop", game, "--coordinator", address],
                          capture_output=True, text=True, timeout=30)
    if stop.returncode != 0:
        raise Failed(f"nashnet stop {game} exited {stop.returncode}: {stop.stdout}{stop.stderr}")
    return wait_for(f'the game="{game}" series to leave /metrics',
                    lambda: (lambda t: t if f'game="{game}"' not in t else None)(scrape(metrics_port)),
                    20, interval=0.2)


def gauge(text, name):
    g = re.search(rf"^{name}\s+(\S+)", text, re.M)
    return float(g.group(1)) if g else None


def check_stop(procs, prom, args, address, metrics_port, agents, coord):
    bin_dir, instance = args.bin_dir, f"127.0.0.1:{metrics_port}"
    before = scrape(metrics_port)
    if f'game="{GAME}"' not in before:
        fail(f'/metrics has no game="{GAME}" series before the stop')
    stopped_at = time.time()
    text = stop_game(bin_dir, address, metrics_port, GAME)
    # One game left: the live gauges count it alone.
    for name, want in (("nashnet_games_active", 1), ("nashnet_live_games_reporting", 1),
                       ("nashnet_metrics_detailed_games", 1)):
        if gauge(text, name) != want:
            fail(f"after stopping {GAME}: {name} = {gauge(text, name)}, want {want}")
    m = re.search(r'^nashnet_games_ended_total\{[^}]*reason="stopped"[^}]*\}\s+(\S+)', text, re.M)
    if not m or float(m.group(1)) != 1:
        fail(f"nashnet_games_ended_total{{reason=\"stopped\"}} = {m and m.group(1)}, want 1")
    # The game picker is an instant query: the stopped game leaves it at the next scrape (Prometheus
    # marks the vanished series stale), not 15 minutes later.
    wait_for(f"the game variable to stop listing {GAME}",
             lambda: GAME not in game_choices(prom, args.source_dir, instance), 10, interval=0.5)
    if ONLINE not in game_choices(prom, args.source_dir, instance):
        fail(f"the game variable no longer lists the live game {ONLINE}")
    with open(os.path.join(args.source_dir, "dashboards", "grafana", "coordinator.json")) as f:
        ended = next(a for a in json.load(f)["annotations"]["list"] if a.get("name") == "Games ended")
    expr = expand(ended["expr"], dashboard_variables(instance, GAME))

    def marked():
        data = prom.api("query_range", query=expr, start=f"{stopped_at - 1:.3f}",
                        end=f"{time.time():.3f}", step="1")
        return [r["metric"] for r in data["result"]]
    note(f"'Games ended' annotation: {wait_for('the Games ended annotation', marked, 10, interval=0.5)}")
    text = stop_game(bin_dir, address, metrics_port, ONLINE)
    # With no game left, the gauges and the aggregates over live games are exactly 0 (no residue).
    for name in ("nashnet_games_active", "nashnet_live_games_reporting",
                 "nashnet_live_summed_nash_gap", "nashnet_live_summed_worst_average_regret",
                 "nashnet_metrics_detailed_games", "nashnet_vacant_seats"):
        if gauge(text, name) != 0.0:
            fail(f"after both stops {name} = {gauge(text, name)}, want exactly 0")
    for name, p in agents:
        try:
            if p.wait(timeout=30) != 0:
                fail(f"{name} exited {p.returncode} after the stop: {procs.log(name)}")
        except subprocess.TimeoutExpired:
            fail(f"{name} still running 30 s after the stop")
    # A clean shutdown (under ASan this is also where leaks and late errors surface).
    coord.send_signal(signal.SIGTERM)
    try:
        if coord.wait(timeout=30) != 0:
            fail(f"the coordinator exited {coord.returncode} on SIGTERM: {procs.log('coordinator')}")
    except subprocess.TimeoutExpired:
        fail("the coordinator still running 30 s after SIGTERM")


def create_game(bin_dir, tmp, address, game, text):
    run_file = os.path.join(tmp, f"{game}.yaml")
    with open(run_file, "w") as f:
        f.write(text)
    create = subprocess.run([os.path.join(bin_dir, "nashnet"), "create", run_file, "--id", game,
                             "--coordinator", address], capture_output=True, text=True, timeout=30)
    if create.returncode != 0:
        raise Failed(f"nashnet create {game} exited {create.returncode}: {create.stdout}{create.stderr}")


def run(args, tmp):
    procs = Processes(tmp)
    try:
        bin_dir = args.bin_dir
        port_file, metrics_port_file = os.path.join(tmp, "port"), os.path.join(tmp, "metrics-port")
        coord = procs.start("coordinator", [
            os.path.join(bin_dir, "nashnet-coordinator"), "--listen", "127.0.0.1:0",
            "--port-file", port_file, "--metrics-listen", "127.0.0.1:0",
            "--metrics-port-file", metrics_port_file,
            "--records-dir", os.path.join(tmp, "records"), "--quiet"])
        alive = [("coordinator", coord)]
        try:
            port = wait_for("the coordinator's --port-file", lambda: read_port(port_file), 30, alive=alive)
        except Failed as e:
            raise Failed(f"{e}\n{procs.log('coordinator')}")
        metrics_port = wait_for("--metrics-port-file", lambda: read_port(metrics_port_file), 5, alive=alive)
        address = f"127.0.0.1:{port}"
        note(f"coordinator on {address}, /metrics on 127.0.0.1:{metrics_port}")
        create_game(bin_dir, tmp, address, GAME, RUN_FILE)

        # Prometheus first, so that it sees the game from its first rounds.
        prom = start_prometheus(procs, tmp, args.source_dir, metrics_port)
        # Prometheus' first scrape comes up to 5 s after /-/ready (its target-update throttle).
        wait_for("the coordinator target to be up", lambda: target_up(prom), 30, interval=0.5, alive=alive)
        start = time.time()
        # Created while Prometheus scrapes: the "Games created" annotation must mark it.
        create_game(bin_dir, tmp, address, ONLINE, ONLINE_RUN_FILE)
        agents = []
        for i in range(2):
            name = f"agent{i}"
            agents.append((name, procs.start(name, [
                os.path.join(bin_dir, "nashnet-agent"), "--coordinator", address, "--game", GAME,
                "--name", name, "--quiet"] + AGENT_LEARNER)))
        agents.append(("online-agent", procs.start("online-agent", [
            os.path.join(bin_dir, "nashnet-agent"), "--coordinator", address, "--game", ONLINE,
            "--name", "online-agent", "--quiet"] + ONLINE_AGENT_LEARNER)))
        alive += agents

        def samples():
            points = prom.series(f'nashnet_game_round{{game="{GAME}"}} >= 1', start, time.time())
            online = prom.series(f'nashnet_game_round{{game="{ONLINE}"}} >= 1', start, time.time())
            return (sum(len(p) for p in points.values()) >= MIN_SAMPLES and
                    sum(len(p) for p in online.values()) >= MIN_SAMPLES)
        wait_for(f"{MIN_SAMPLES} scrapes of both games' rounds", samples, 120, interval=1, alive=alive)
        end = time.time()
        note(f"played {end - start:.1f} s while Prometheus scraped")
        check_trends(prom, start, end)
        check_dashboards(prom, args.source_dir, f"127.0.0.1:{metrics_port}", start, end)
        check_stop(procs, prom, args, address, metrics_port, agents, coord)
    except Failed as e:
        fail(str(e))
    finally:
        if failures:
            for name, _ in procs.procs:
                print(f"---- {name}.log (tail)\n{procs.log(name)}", file=sys.stderr)
        procs.stop_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin-dir", required=True, help="folder of the built nashnet executables")
    parser.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))), help="the repository (dashboards/)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found (Debian package prometheus)")
            return SKIP
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("FAIL: /usr/bin/python3 cannot import yaml (Debian package python3-yaml)")
        return 1
    for exe in ("nashnet", "nashnet-coordinator", "nashnet-agent"):
        if not os.access(os.path.join(args.bin_dir, exe), os.X_OK):
            print(f"FAIL: {args.bin_dir}/{exe} not built")
            return 1
    # ctest's timeout or ^C: run the finally blocks (the children also die with us: PDEATHSIG).
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _: sys.exit(128 + s))
    began = time.time()
    tmp = tempfile.mkdtemp(prefix="nashnet-live-prometheus-")
    try:
        run(args, tmp)
    finally:
        if failures or args.keep:
            print(f"files kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'FAILED' if failures else 'passed'} in {time.time() - began:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

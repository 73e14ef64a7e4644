#!/usr/bin/python3
"""Consistency checks of the deployment files that no installed tool makes (deploy/validate.sh).

  check_deploy.py static [--bin-dir DIR] [--rules-out FILE]
      Dockerfile (stages, COPY sources, the binaries CMake builds, CI's build steps, the runtime
      libraries of the built binaries), compose.yaml and compose.tls.yaml (pinned images, mounted
      files, flags of the nashnet executables, agent count = seats, state files on volumes, the
      create service, ports, secrets), deploy/k8s (kinds, names, selectors, ports, probes, pinned
      images, security contexts, Secrets and their keys, the coordinators' Services, PDB, spread,
      readiness, grace period and memory against the admission budget, each agent Job's replica,
      seats, state file and restart policy, NetworkPolicies, generated experiments up to date),
      Grafana provisioning and dashboards (datasource variable, $job/$instance). --rules-out writes every dashboard query as a Prometheus
      recording rule so that `promtool check rules` parses the PromQL.
  check_deploy.py smoke --bin-dir DIR
      Runs compose.yaml's coordinator, create and agent commands as local processes on loopback
      (the image's scripts, the run file, the flags this build has): the game is created once
      (asked twice), starts and advances, goes on when an agent is killed, the records janitor
      leaves it alone, and a SIGTERM drains it with its record on disk.

Prints one line per failed check and exits 1 if any failed. Needs python3-yaml.
"""
import argparse
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import yaml

DEPLOY = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DEPLOY)
EXECUTABLES = ("nashnet-coordinator", "nashnet-agent", "nashnet")
# Libraries every Debian 12 base image (slim too) already has.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# The sanitizer runtimes of an ASan/UBSan build (the asan preset's binaries), not of the image's.
SANITIZER = re.compile(r"^lib(asan|ubsan|lsan|tsan)\d*$")
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

# Flags the manifests use that parallel work adds (durable games: --state-file; TLS and tokens;
# admission: --max-game-bytes, --memory-budget-bytes; the plaintext health listener the kubelet's
# gRPC probe needs). Until an executable's --help lists one, it is reported as a note instead of an
# error, and the smoke test leaves it out; once it is there it is checked like any other.
PENDING_FLAGS = {
    "nashnet-coordinator": {"--health-listen", "--tls-cert", "--tls-key", "--tls-client-ca",
                            "--admin-token-file", "--max-game-bytes", "--memory-budget-bytes"},
    "nashnet-agent": {"--state-file", "--tls-ca", "--tls-cert", "--tls-key", "--tls-server-name",
                      "--join-token-file"},
    "nashnet": {"--tls-ca", "--tls-cert", "--tls-key", "--tls-server-name", "--admin-token-file",
                "--join-token-file"},
}
# Our start scripts in the image and the executable whose flags each passes on (None: its own).
SCRIPTS = {"nashnet-create-once": "nashnet", "nashnet-prune-records": None}
SCRIPT_FLAGS = {"nashnet-prune-records": {"--keep-days", "--every-seconds", "--dry-run"}}
# The Secrets deploy/k8s/make-secrets.sh makes, and their keys.
SECRETS = {"nashnet-server-tls": {"tls.crt", "tls.key", "ca.crt"},
           "nashnet-client-tls": {"tls.crt", "tls.key", "ca.crt"},
           "nashnet-tokens": {"admin-token", "join-token"}}

errors = []
notes = set()


def note(message):
    notes.add(message)


def fail(where, message):
    errors.append(f"{os.path.relpath(where, ROOT) if os.path.isabs(where) else where}: {message}")


def load_yaml_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def image_pinned(image):
    """An image reference with an explicit tag (not latest) or a digest."""
    if "@sha256:" in image:
        return True
    name_tag = image.rsplit("/", 1)[-1]
    return ":" in name_tag and not name_tag.endswith(":latest")


@functools.lru_cache(maxsize=None)
def help_flags(bin_dir, program, verb=None):
    """The long flags `program [verb] --help` lists (None when the binary is not there)."""
    if bin_dir is None:
        return None
    path = os.path.join(bin_dir, program)
    if not os.access(path, os.X_OK):
        return None
    out = subprocess.run([path] + ([verb] if verb else []) + ["--help"], capture_output=True,
                         text=True, timeout=30).stdout
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", out))


def split_flags(args):
    """{flag: [values]} of `--flag=value` / `--flag value` arguments."""
    flags, i = {}, 0
    while i < len(args):
        a = str(args[i])
        if a.startswith("--"):
            if "=" in a:
                k, v = a.split("=", 1)
            elif i + 1 < len(args) and not str(args[i + 1]).startswith("-"):
                k, v = a, str(args[i + 1])
                i += 1
            else:
                k, v = a, None
            flags.setdefault(k, []).append(v)
        i += 1
    return flags


def check_command(where, argv, bin_dir):
    """argv[0] is one of ours (or a start script): every flag must be one it accepts."""
    if argv[0] in SCRIPTS and SCRIPTS[argv[0]] is None:
        for flag in split_flags(argv[1:]):
            if flag not in SCRIPT_FLAGS[argv[0]]:
                fail(where, f"{argv[0]} has no flag {flag}")
        return
    program = SCRIPTS.get(argv[0], argv[0])
    if program not in EXECUTABLES:
        return fail(where, f"{argv[0]}: not one of the image's executables {EXECUTABLES}")
    if "--reflection" in split_flags(argv[1:]):
        fail(where, "--reflection: server reflection stays off in deployments")
    # `nashnet VERB ...`; nashnet-create-once ID RUN.yaml passes its flags to `nashnet create`.
    verb = argv[1] if argv[0] == "nashnet" else "create" if argv[0] == "nashnet-create-once" else None
    known = help_flags(bin_dir, program, verb)
    if known is None:
        return
    first = {"nashnet": 2, "nashnet-create-once": 3}.get(argv[0], 1)
    for flag in split_flags(argv[first:]):
        if flag in known:
            continue
        if flag in PENDING_FLAGS.get(program, ()):
            note(f"{program} {flag}: assumed from parallel work, not in this build's --help yet")
        else:
            fail(where, f"{program} has no flag {flag} (see {program} --help)")


def flag(args, name, default=None):
    values = split_flags(args).get(name)
    return values[0] if values else default


def memory_bytes(quantity):
    """A Kubernetes memory quantity (2Gi, 512Mi, 1G, 1024) in bytes."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(quantity))
    if not m:
        return None
    scale = {None: 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6,
             "G": 10**9, "T": 10**12}[m.group(2)]
    return int(m.group(1)) * scale


def run_file_seats(path):
    """(game id, remote seats) of a run file: players minus service.local_seats."""
    with open(path) as f:
        return spec_seats(yaml.safe_load(f))


def spec_seats(spec):
    players = int(spec["game"]["params"]["players"])
    local = (spec.get("service") or {}).get("local_seats") or []
    return spec.get("name"), players - len(local)


# ---- Dockerfile ---------------------------------------------------------------------------------
def dockerignored(rel):
    patterns = [l.strip() for l in open(os.path.join(ROOT, ".dockerignore"))
                if l.strip() and not l.startswith("#")]
    first = rel.split("/")[0]
    return any(p.strip("/") in (rel, first) for p in patterns)


def check_dockerfile(bin_dir):
    path = os.path.join(DEPLOY, "Dockerfile")
    text = open(path).read().replace("\\\n", " ")
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", "\n".join(lines), re.M))
    stages, current, workdir, users, runs, apt = [], None, {}, {}, {}, {}
    for line in lines:
        op, _, rest = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            image = re.sub(r"\$\{(\w+)\}", lambda g: args.get(g.group(1), ""), m.group(1))
            if not image_pinned(image):
                fail(path, f"FROM {m.group(1)}: base image not pinned to a version ({image})")
            current = m.group(2) or str(len(stages))
            stages.append(current)
            runs[current] = []
        elif op == "WORKDIR":
            workdir[current] = rest
        elif op == "USER":
            users[current] = rest
        elif op == "RUN":
            runs[current].append(rest)
            if "apt-get install" in rest:
                apt[current] = set(w for w in rest.split("apt-get install", 1)[1].split("&&")[0]
                                   .split() if not w.startswith("-"))
        elif op == "COPY":
            parts = rest.split()
            source_stage = None
            if parts[0].startswith("--from="):
                source_stage = parts.pop(0)[len("--from="):]
                if source_stage not in stages[:-1]:
                    fail(path, f"COPY --from={source_stage}: no earlier stage of that name")
            sources = parts[:-1]
            for src in sources:
                if source_stage is None:
                    if not os.path.exists(os.path.join(ROOT, src)) and src != ".":
                        fail(path, f"COPY {src}: not in the build context (the repository root)")
                    elif src != "." and dockerignored(src):
                        fail(path, f"COPY {src}: excluded by .dockerignore")
                else:
                    m = re.fullmatch(re.escape(workdir.get(source_stage, "/")) +
                                     r"/build/release/bin/([\w-]+)", src)
                    if not m or m.group(1) not in EXECUTABLES:
                        fail(path, f"COPY --from={source_stage} {src}: not <WORKDIR>/build/release/"
                                   f"bin/<one of {EXECUTABLES}> (the release preset's binaryDir)")
            if source_stage is not None:
                copied = {os.path.basename(s) for s in sources}
                if copied != set(EXECUTABLES):
                    fail(path, f"the runtime stage copies {sorted(copied)}, not the three executables")
    if len(stages) < 2:
        return fail(path, "not a multi-stage build")
    build, runtime = stages[0], stages[-1]
    build_steps = " && ".join(runs[build])
    for step in ("scripts/install-deps.sh", "cmake --preset release", "cmake --build --preset release"):
        if step not in build_steps:
            fail(path, f"the build stage does not run `{step}` (what .ci/run runs)")
    ci = open(os.path.join(ROOT, "scripts", "test.sh")).read()
    for step in ("scripts/install-deps.sh", 'cmake --preset "$preset"', 'cmake --build --preset "$preset"'):
        if step not in ci:
            fail(path, f"scripts/test.sh (.ci/run) no longer runs `{step}`: update the build stage")
    if users.get(runtime, "root").split(":")[0] in ("root", "0"):
        fail(path, "the runtime stage runs as root (add USER)")
    for exe in EXECUTABLES:
        if not re.search(rf"add_executable\({re.escape(exe)}\b", "".join(
                open(os.path.join(ROOT, d, "CMakeLists.txt")).read() for d in ("server", "agents", "cli"))):
            fail(path, f"CMake builds no executable {exe}")
    # Every package the runtime installs exists in Debian 12 (when this machine's apt lists can tell).
    if shutil.which("apt-cache") and apt.get(runtime):
        def candidates(packages):
            out = subprocess.run(["apt-cache", "policy"] + sorted(packages), capture_output=True,
                                 text=True).stdout
            return {m.group(1) for m in re.finditer(r"^(\S+):\n\s+Installed: .*\n\s+Candidate: (?!\(none\))", out, re.M)}
        if candidates({"libc6"}):
            for package in sorted(apt[runtime] - candidates(apt[runtime])):
                fail(path, f"the runtime stage installs {package}, which apt knows no candidate of")
    # Every shared library the built binaries load comes from a package the runtime installs.
    if bin_dir and shutil.which("dpkg"):
        wanted = apt.get(runtime, set())
        loaded = {}  # library path -> the executable that loads it
        for exe in EXECUTABLES:
            exe_path = os.path.join(bin_dir, exe)
            if os.path.exists(exe_path):
                ldd = subprocess.run(["ldd", exe_path], capture_output=True, text=True).stdout
                for lib in re.findall(r"=> (/\S+)", ldd):
                    loaded.setdefault(lib, exe)
        owners = {}  # one dpkg -S for every library (each call reads the whole package database)
        for lib, exe in loaded.items():
            owners.setdefault(os.path.realpath(lib), []).append(lib)
        found = subprocess.run(["dpkg", "-S"] + sorted(owners) + sorted(loaded), capture_output=True,
                               text=True).stdout
        package_of = {}
        for line in found.splitlines():
            package, _, file = line.partition(": ")
            package_of[file.strip()] = package.split(":")[0]
        for lib, exe in sorted(loaded.items()):
            package = package_of.get(os.path.realpath(lib)) or package_of.get(lib)
            if package is None:
                fail(path, f"{exe} loads {lib}, which no Debian package owns")
            elif package not in wanted | BASE_PACKAGES and not SANITIZER.match(package):
                fail(path, f"{exe} loads {lib} from {package}: add it to the runtime stage's apt-get install")


# ---- compose.yaml -------------------------------------------------------------------------------
def duration_seconds(text):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", str(text))
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0) if m and text else None


def check_compose(bin_dir):
    path = os.path.join(DEPLOY, "compose.yaml")
    services = load_yaml_docs(path)[0]["services"]
    mounts = {}  # (service, container path) -> host path
    for name, svc in services.items():
        if not image_pinned(svc.get("image", "")):
            fail(path, f"services.{name}.image: not pinned ({svc.get('image')})")
        for volume in svc.get("volumes", []):
            src, dst = (volume.split(":") + [None])[:2]
            if src.startswith("."):
                mounts[(name, dst)] = os.path.normpath(os.path.join(DEPLOY, src))
                if not os.path.exists(mounts[(name, dst)]):
                    fail(path, f"services.{name}.volumes: {src} does not exist")
        if name in ("coordinator", "create", "agent"):
            check_command(f"{path} services.{name}.command", svc.get("command"), bin_dir)
    coord = services["coordinator"]["command"]
    agent = services["agent"]["command"]
    create = services["create"]["command"]
    grpc_port = flag(coord, "--listen").rsplit(":", 1)[1]
    metrics_port = flag(coord, "--metrics-listen").rsplit(":", 1)[1]
    # The coordinator keeps its records (and journals) on a named volume: a restart recovers.
    records = flag(coord, "--records-dir")
    if not any(v.split(":")[1:2] == [records] and not v.startswith(".")
               for v in services["coordinator"].get("volumes", [])):
        fail(path, f"--records-dir {records} is not a named volume (a restart could not recover)")
    if "--create" in split_flags(coord[1:]):
        fail(path, "the coordinator must not --create at start-up (a restart recovers the game: "
                   "the create service makes it once)")
    if (duration_seconds(services["coordinator"].get("stop_grace_period")) or 10) < 60:
        fail(path, "coordinator stop_grace_period < 60s: the drain could be cut short")
    # The create service creates the game the agents join, from a mounted run file.
    if create[0] != "nashnet-create-once":
        return fail(path, "services.create.command: not nashnet-create-once ID RUN.yaml ...")
    game_id, run_path = create[1], create[2]
    run_file = mounts.get(("create", run_path))
    if run_file is None:
        return fail(path, f"services.create: {run_path} is not a file mounted into it")
    game, seats = run_file_seats(run_file)
    if flag(agent, "--game") != game_id:
        fail(path, f"agents join game {flag(agent, '--game')}, the create service creates {game_id}")
    if services["agent"].get("scale") != seats:
        fail(path, f"agent scale {services['agent'].get('scale')} != the {seats} remote seats of "
                   f"{os.path.relpath(run_file, ROOT)} (the game would never start)")
    for who, args in (("agents", agent), ("create", create)):
        if flag(args, "--coordinator") != f"coordinator:{grpc_port}":
            fail(path, f"{who} dial {flag(args, '--coordinator')}, the coordinator listens on :{grpc_port}")
    for forbidden in ("--algorithm", "--param"):
        if forbidden in split_flags(agent[1:]):
            fail(path, f"agents pass {forbidden}: they play the game's learner (from Joined)")
    if (services["create"].get("depends_on") or {}).get("coordinator", {}).get("condition") != "service_healthy":
        fail(path, "services.create must wait for the coordinator (condition: service_healthy)")
    if (services["agent"].get("depends_on") or {}).get("create", {}).get("condition") != \
            "service_completed_successfully":
        fail(path, "agents must wait for the create service (condition: service_completed_successfully)")
    if services["agent"].get("restart") != "on-failure":
        fail(path, "agents: restart must be on-failure (exit 0 at GameOver is final)")
    state = flag(agent, "--state-file")
    if state is None or os.path.dirname(state) not in [v.split(":")[-1] if ":" in v else v
                                                       for v in services["agent"].get("volumes", [])]:
        fail(path, f"agents: --state-file {state} is not on a volume (a restarted agent could not resume)")
    health = " ".join(services["coordinator"]["healthcheck"]["test"])
    if f"127.0.0.1:{grpc_port}" not in health:
        fail(path, "the coordinator's healthcheck does not ask its gRPC port")
    prometheus = yaml.safe_load(open(mounts[("prometheus", "/etc/prometheus/prometheus.yml")]))
    targets = [t for job in prometheus["scrape_configs"] if job["job_name"] == "nashnet-coordinator"
               for sc in job.get("static_configs", []) for t in sc["targets"]]
    if targets != [f"coordinator:{metrics_port}"]:
        fail(path, f"prometheus.yml scrapes {targets}, the coordinator serves coordinator:{metrics_port}")
    provisioning = {kind: mounts.get(("grafana", f"/etc/grafana/provisioning/{kind}"))
                    for kind in ("datasources", "dashboards")}
    for kind, host in provisioning.items():
        if host is None:
            return fail(path, f"dashboards/grafana/provisioning/{kind} is not mounted at /etc/grafana/provisioning/{kind}")
    providers = yaml.safe_load(open(os.path.join(provisioning["dashboards"], "nashnet.yaml")))["providers"]
    for provider in providers:
        host = mounts.get(("grafana", provider["options"]["path"]))
        if host is None:
            fail(path, f"Grafana provider path {provider['options']['path']} is not mounted")
    home = services["grafana"]["environment"].get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", "")
    home_dir, home_file = os.path.split(home)
    if home and not os.path.exists(os.path.join(mounts.get(("grafana", home_dir), "/nonexistent"), home_file)):
        fail(path, f"GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH {home}: no such dashboard mounted")
    datasources = yaml.safe_load(open(os.path.join(provisioning["datasources"], "prometheus.yaml")))
    for ds in datasources["datasources"]:
        if ds["url"] != "http://prometheus:9090":
            fail(path, f"Grafana datasource url {ds['url']} is not the prometheus service")
    check_compose_tls(bin_dir, services)


def check_compose_tls(bin_dir, base_services):
    """compose.tls.yaml: every service it changes keeps the base's wiring and mounts the secrets
    its TLS and token flags name."""
    path = os.path.join(DEPLOY, "compose.tls.yaml")
    overlay = load_yaml_docs(path)[0]
    declared = overlay.get("secrets", {})
    for name, svc in overlay["services"].items():
        if name not in base_services:
            fail(path, f"services.{name}: not a service of compose.yaml")
            continue
        command = svc.get("command") or base_services[name]["command"]
        check_command(f"{path} services.{name}.command", command, bin_dir)
        words = command + (svc.get("healthcheck") or {}).get("test", [])
        for secret in re.findall(r"/run/secrets/([\w.-]+)", " ".join(map(str, words))):
            if secret not in declared:
                fail(path, f"services.{name}: /run/secrets/{secret} is no declared secret")
            elif secret not in svc.get("secrets", []):
                fail(path, f"services.{name}: uses /run/secrets/{secret} but does not list it")
        base = base_services[name]["command"]
        for kept in ("--coordinator", "--game", "--listen", "--records-dir", "--state-file"):
            if flag(base, kept) != flag(command, kept):
                fail(path, f"services.{name}: {kept} {flag(command, kept)} differs from compose.yaml's")
        if name == "create" and command[:3] != base[:3]:
            fail(path, "services.create: creates another game than compose.yaml's")
    flags = split_flags(overlay["services"]["coordinator"]["command"][1:])
    for needed in ("--tls-cert", "--tls-key", "--tls-client-ca", "--admin-token-file"):
        if needed not in flags:
            fail(path, f"the coordinator has no {needed}")


# ---- Grafana ------------------------------------------------------------------------------------
# Grafana's interval macros, and what stands in for them (and for template variables) so that
# promtool can parse a panel query.
GRAFANA_MACROS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}


def grafana_to_promql(expr):
    """expr with $__rate_interval, $__interval, $__range → durations and $var / ${var} → "x"."""
    def value(m):
        return GRAFANA_MACROS.get(m.group(1) or m.group(2), "x")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


def check_grafana(rules_out):
    base = os.path.join(ROOT, "dashboards", "grafana")
    ds_file = os.path.join(base, "provisioning", "datasources", "prometheus.yaml")
    ds = yaml.safe_load(open(ds_file))
    if ds.get("apiVersion") != 1:
        fail(ds_file, "apiVersion must be 1")
    if sum(1 for d in ds["datasources"] if d.get("isDefault")) != 1:
        fail(ds_file, "exactly one datasource must be the default")
    prov_file = os.path.join(base, "provisioning", "dashboards", "nashnet.yaml")
    if yaml.safe_load(open(prov_file)).get("apiVersion") != 1:
        fail(prov_file, "apiVersion must be 1")
    dashboards = sorted(f for f in os.listdir(base) if f.endswith(".json"))
    if not dashboards:
        fail(base, "no dashboard")
    seen, exprs = set(), []
    for name in dashboards:
        path = os.path.join(base, name)
        try:
            dash = json.load(open(path))
        except ValueError as e:
            fail(path, f"not JSON: {e}")
            continue
        for key in ("uid", "title", "panels"):
            if key not in dash:
                fail(path, f"no {key}")
        if dash.get("uid") in seen:
            fail(path, f"uid {dash.get('uid')} used twice")
        seen.add(dash.get("uid"))
        ids = [p.get("id") for p in dash.get("panels", [])]
        if len(set(ids)) != len(ids):
            fail(path, "panel ids repeat")
        # The datasource is a variable (so the JSON imports into any Grafana), the provisioned
        # Prometheus by default; every panel, target and query variable uses it.
        variables = dash.get("templating", {}).get("list", [])
        ds_vars = [v["name"] for v in variables if v.get("type") == "datasource"]
        if [v.get("query") for v in variables if v.get("type") == "datasource"] != ["prometheus"]:
            fail(path, "needs exactly one datasource variable of type prometheus")
        wanted = {f"${{{n}}}" for n in ds_vars} | {f"${n}" for n in ds_vars}
        users = [(f"variable {v['name']}", v) for v in variables if v.get("type") == "query"]
        users += [(f"annotation {a.get('name')}", a) for a in dash.get("annotations", {}).get("list", [])
                  if "expr" in a]
        for panel in dash.get("panels", []):
            users += [(f"panel {panel.get('title')}", item) for item in [panel] + panel.get("targets", [])]
        for what, item in users:
            uid = (item.get("datasource") or {}).get("uid")
            if uid not in wanted:
                fail(path, f"{what}: datasource uid {uid!r} is not the datasource variable "
                           f"({sorted(wanted)}): the dashboard would not import into another Grafana")
        for name in ("job", "instance"):
            if name not in [v["name"] for v in variables]:
                fail(path, f"no ${name} variable")
        for panel in dash.get("panels", []):
            for target in panel.get("targets", []):
                if not target.get("expr"):
                    fail(path, f"panel {panel.get('title')}: a target without a query")
                else:
                    exprs.append(grafana_to_promql(target["expr"]))
                    if "$instance" not in target["expr"]:
                        fail(path, f"panel {panel.get('title')}: {target['expr']} ignores $instance")
        for ann in dash.get("annotations", {}).get("list", []):
            if "expr" in ann:
                exprs.append(grafana_to_promql(ann["expr"]))
        for v in variables:
            query = v.get("query")
            query = query.get("query", "") if isinstance(query, dict) else query or ""
            m = re.fullmatch(r"\s*query_result\((.+)\)\s*", query)
            if m:
                exprs.append(grafana_to_promql(m.group(1)))
            elif v.get("type") == "query":
                m = re.fullmatch(r"\s*label_values\((.+),\s*\w+\)\s*", query)
                if not m:
                    fail(path, f"variable {v['name']}: {query!r} is neither label_values nor query_result")
                else:
                    exprs.append(grafana_to_promql(m.group(1)))
    if rules_out:
        rules = [{"record": f"nashnet:dashboard_query_{i}", "expr": e} for i, e in enumerate(exprs)]
        with open(rules_out, "w") as f:
            yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}, f)


# ---- Kubernetes ---------------------------------------------------------------------------------
KINDS = {("v1", "Namespace"), ("v1", "Service"), ("v1", "ConfigMap"), ("v1", "PersistentVolumeClaim"),
         ("apps/v1", "StatefulSet"), ("apps/v1", "Deployment"), ("batch/v1", "Job"),
         ("policy/v1", "PodDisruptionBudget"), ("networking.k8s.io/v1", "NetworkPolicy")}
# What the coordinator's memory limit must leave beyond --memory-budget-bytes (the process'
# own overhead: deploy/README.md, "Sizing").
COORDINATOR_OVERHEAD = 256 * 2**20


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def check_pod(where, pod, config_maps, bin_dir, claim_templates=()):
    """Security and wiring every pod of ours must have."""
    if pod.get("automountServiceAccountToken") is not False:
        fail(where, "automountServiceAccountToken must be false (no pod here talks to the API)")
    if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
        fail(where, "runAsNonRoot must be set")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    volumes.update({name: {"name": name} for name in claim_templates})
    for v in volumes.values():
        if "configMap" in v and v["configMap"]["name"] not in config_maps:
            fail(where, f"volume {v['name']}: no ConfigMap {v['configMap']['name']}")
        secret = v.get("secret")
        if secret:
            if secret["secretName"] not in SECRETS:
                fail(where, f"volume {v['name']}: Secret {secret['secretName']} is not one "
                            f"make-secrets.sh makes ({sorted(SECRETS)})")
            else:
                for item in secret.get("items", []):
                    if item["key"] not in SECRETS[secret["secretName"]]:
                        fail(where, f"volume {v['name']}: {secret['secretName']} has no key {item['key']}")
    containers = pod["containers"] + pod.get("initContainers", [])
    for c in containers:
        cw = f"{where} container {c['name']}"
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        if not image_pinned(c["image"]):
            fail(cw, f"image {c['image']} not pinned")
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False or sc.get("readOnlyRootFilesystem") is not True:
            fail(cw, "needs allowPrivilegeEscalation: false and readOnlyRootFilesystem: true")
        if "memory" not in (c.get("resources") or {}).get("limits", {}):
            fail(cw, "no memory limit")
        mounted = {}
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                fail(cw, f"mounts unknown volume {m['name']}")
            mounted[m["mountPath"]] = volumes.get(m["name"], {})
        for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = c.get(probe_name) or {}
            for kind in ("grpc", "httpGet", "tcpSocket"):
                port = (probe.get(kind) or {}).get("port")
                if port is not None and port not in ports and port not in ports.values():
                    fail(cw, f"{probe_name}: port {port} is not a container port")
        if c["image"].split(":")[0] == "nashnet":
            check_command(cw, c["args"], bin_dir)
            # Every file a flag names lies in a mounted folder.
            for name, values in split_flags(c["args"][1:]).items():
                for value in values:
                    if name.endswith(("-file", "-cert", "-key", "-ca", "-dir")) and value and value.startswith("/"):
                        folder = value if name.endswith("-dir") else os.path.dirname(value)
                        if folder not in mounted:
                            fail(cw, f"{name} {value}: {folder} is not a mounted volume")
                        secret = (mounted.get(folder) or {}).get("secret")
                        if secret and secret["secretName"] in SECRETS:
                            keys = {i["path"] for i in secret.get("items", [])} or SECRETS[secret["secretName"]]
                            if os.path.basename(value) not in keys:
                                fail(cw, f"{name} {value}: {secret['secretName']} does not project "
                                         f"{os.path.basename(value)}")
    return volumes


def check_k8s(bin_dir):
    base = os.path.join(DEPLOY, "k8s")
    kust_path = os.path.join(base, "kustomization.yaml")
    kust = yaml.safe_load(open(kust_path))
    docs = []
    for res in kust["resources"]:
        if not os.path.exists(os.path.join(base, res)):
            fail(kust_path, f"resource {res} does not exist")
            continue
        docs += [(os.path.join(base, res), d) for d in load_yaml_docs(os.path.join(base, res))]
    config_maps = {}
    for gen in kust.get("configMapGenerator", []):
        config_maps[gen["name"]] = {}
        for f in gen.get("files", []):
            if not os.path.exists(os.path.join(base, f.split("=")[-1])):
                fail(kust_path, f"configMapGenerator {gen['name']}: {f} does not exist")
    by_kind = {}
    for path, d in docs:
        key = (d.get("apiVersion"), d.get("kind"))
        name = (d.get("metadata") or {}).get("name", "")
        if key not in KINDS:
            fail(path, f"{key}: not a known apiVersion/kind")
        if not DNS_1123.match(name):
            fail(path, f"{d.get('kind')} {name!r}: not a DNS-1123 name")
        by_kind.setdefault(d["kind"], {})[name] = (path, d)
        if d["kind"] == "ConfigMap":
            config_maps[name] = d.get("data", {})
    services = by_kind.get("Service", {})
    stss = by_kind.get("StatefulSet", {})
    pods = {}  # workload name -> (labels, pod spec)
    for kind in ("StatefulSet", "Deployment", "Job"):
        for name, (path, w) in by_kind.get(kind, {}).items():
            spec, where = w["spec"], f"{path} {kind} {name}"
            labels = spec["template"]["metadata"]["labels"]
            if kind != "Job" and not selects(spec["selector"]["matchLabels"], labels):
                fail(where, f"selector {spec['selector']['matchLabels']} does not match the pod labels {labels}")
            templates = [t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])]
            check_pod(where, spec["template"]["spec"], config_maps, bin_dir, templates)
            pods[name] = (labels, spec["template"]["spec"])
    for name, (path, svc) in services.items():
        selected = [w for w, (labels, _) in pods.items() if selects(svc["spec"]["selector"], labels)]
        if not selected:
            fail(path, f"Service {name} selects no pods")
        for w in selected:
            names = {p["name"] for c in pods[w][1]["containers"] for p in c.get("ports", [])}
            for port in svc["spec"]["ports"]:
                if isinstance(port.get("targetPort"), str) and port["targetPort"] not in names:
                    fail(path, f"Service {name} port {port['name']}: {w} has no port {port['targetPort']}")
    for sts_name, (path, sts) in stss.items():
        check_coordinators(path, sts_name, sts, services, by_kind)
    for name, (path, job) in by_kind.get("Job", {}).items():
        check_agent_job(f"{path} Job {name}", job, stss, config_maps)
    check_network_policies(by_kind, pods)
    # Prometheus discovers the replicas through the SRV record of a headless Service's named port
    # that publishes not-ready replicas (a replica that is down shows as up == 0).
    prom = yaml.safe_load(open(os.path.join(base, "prometheus.yml")))
    for job in prom["scrape_configs"]:
        for sd in job.get("dns_sd_configs", []):
            for srv in sd["names"]:
                m = re.fullmatch(r"_([a-z0-9-]+)\._tcp\.([a-z0-9-]+)", srv)
                svc = services.get(m.group(2)) if m else None
                if svc is None or m.group(1) not in {p["name"] for p in svc[1]["spec"]["ports"]}:
                    fail(os.path.join(base, "prometheus.yml"), f"{srv}: no Service port of that name")
                elif not svc[1]["spec"].get("publishNotReadyAddresses"):
                    fail(svc[0], f"Service {m.group(2)}: publishNotReadyAddresses (down replicas vanish)")
    # The committed experiment manifests are what generate.py makes of their experiment files.
    for experiment in sorted(os.listdir(os.path.join(base, "experiments"))):
        generated = os.path.join(base, f"experiment-{os.path.splitext(experiment)[0]}.yaml")
        out = subprocess.run([sys.executable, os.path.join(base, "generate.py"),
                              os.path.join(base, "experiments", experiment)],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            fail(os.path.join(base, "experiments", experiment), f"generate.py: {out.stderr.strip()}")
        elif not os.path.exists(generated) or open(generated).read() != out.stdout:
            fail(generated, f"not what generate.py makes of experiments/{experiment}: regenerate it")


def check_coordinators(path, name, sts, services, by_kind):
    where = f"{path} StatefulSet {name}"
    spec, pod = sts["spec"], sts["spec"]["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    coordinator = next(c for c in pod["containers"] if c["args"][0] == "nashnet-coordinator")
    args = coordinator["args"]
    headless = services.get(spec["serviceName"])
    if headless is None or headless[1]["spec"].get("clusterIP") != "None":
        fail(where, f"serviceName {spec['serviceName']}: no headless Service of that name")
    elif headless[1]["spec"].get("publishNotReadyAddresses"):
        fail(headless[0], f"Service {spec['serviceName']}: the agents' Service must not publish "
                          "not-ready addresses (readiness would change nothing)")
    if not any(svc["spec"].get("type", "ClusterIP") == "ClusterIP" and svc["spec"].get("clusterIP") != "None"
               and selects(svc["spec"]["selector"], labels) for _, svc in services.values()):
        fail(where, "no ClusterIP Service selects the coordinators")
    if not any(selects(pdb["spec"]["selector"]["matchLabels"], labels)
               for _, pdb in by_kind.get("PodDisruptionBudget", {}).values()):
        fail(where, "no PodDisruptionBudget covers the coordinators")
    if not pod.get("topologySpreadConstraints") and not (pod.get("affinity") or {}).get("podAntiAffinity"):
        fail(where, "neither topology spread nor pod anti-affinity: replicas may share a node")
    # Readiness: gRPC health on the port --health-listen serves (plaintext: kubelet probes have no TLS).
    health = flag(args, "--health-listen")
    ready = (coordinator.get("readinessProbe") or {}).get("grpc", {}).get("port")
    if health is None or ready is None or str(ready) != health.rsplit(":", 1)[1]:
        fail(where, f"readinessProbe gRPC port {ready} is not --health-listen {health}")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace < 60:
        fail(where, f"terminationGracePeriodSeconds {grace} < 60: the drain could be killed")
    # Memory: limit >= the admission budget + the process' overhead; requests = limits.
    resources = coordinator.get("resources", {})
    limit = memory_bytes(resources.get("limits", {}).get("memory"))
    budget = flag(args, "--memory-budget-bytes")
    if budget is None or limit is None or limit < int(budget) + COORDINATOR_OVERHEAD:
        fail(where, f"memory limit {resources.get('limits', {}).get('memory')} < --memory-budget-bytes "
                    f"{budget} + {COORDINATOR_OVERHEAD >> 20} MiB overhead")
    if resources.get("requests", {}).get("memory") != resources.get("limits", {}).get("memory"):
        fail(where, "memory requests != limits (Guaranteed QoS)")
    if flag(args, "--max-game-bytes") is None or int(flag(args, "--max-game-bytes")) > int(budget or 0):
        fail(where, "--max-game-bytes must be set, and at most --memory-budget-bytes")
    records = flag(args, "--records-dir")
    templates = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
    if not any(m["mountPath"] == records and m["name"] in templates for m in coordinator.get("volumeMounts", [])):
        fail(where, f"--records-dir {records} is not on a volumeClaimTemplate (records lost with the pod)")
    if "--create" in split_flags(args[1:]):
        fail(where, "coordinators create no game at start-up: the experiments' Jobs do")
    for needed in ("--tls-cert", "--tls-key", "--tls-client-ca", "--admin-token-file"):
        if needed not in split_flags(args[1:]):
            fail(where, f"the coordinator has no {needed}")


def check_agent_job(where, job, stss, config_maps):
    spec, pod = job["spec"], job["spec"]["template"]["spec"]
    agent = next((c for c in pod["containers"] if c["args"][0] == "nashnet-agent"), None)
    if agent is None:
        return fail(where, "no nashnet-agent container")
    args = agent["args"]
    if spec.get("completionMode") != "Indexed":
        fail(where, "completionMode must be Indexed (one completion per seat)")
    if flag(args, "--seat") != "$(JOB_COMPLETION_INDEX)":
        fail(where, "--seat must be $(JOB_COMPLETION_INDEX)")
    for forbidden in ("--algorithm", "--param"):
        if forbidden in split_flags(args[1:]):
            fail(where, f"{forbidden}: agents play the game's learner (from Joined)")
    m = re.fullmatch(r"([a-z0-9-]+)-(\d+)\.([a-z0-9-]+):(\d+)", flag(args, "--coordinator", ""))
    if not m or m.group(1) not in stss:
        return fail(where, f"--coordinator {flag(args, '--coordinator')}: not <statefulset>-<k>.<service>:<port>")
    sts = stss[m.group(1)][1]
    if int(m.group(2)) >= sts["spec"]["replicas"]:
        fail(where, f"dials replica {m.group(2)}, the StatefulSet has {sts['spec']['replicas']}")
    if m.group(3) != sts["spec"]["serviceName"]:
        fail(where, f"dials through {m.group(3)}, not the StatefulSet's serviceName")
    coord_args = sts["spec"]["template"]["spec"]["containers"][0]["args"]
    if not flag(coord_args, "--listen", "").endswith(":" + m.group(4)):
        fail(where, f"dials port {m.group(4)}, the coordinator listens on {flag(coord_args, '--listen')}")
    # The state file survives what the restart policy promises.
    state = flag(args, "--state-file")
    mount = next((mt for mt in agent.get("volumeMounts", []) if state and mt["mountPath"] == os.path.dirname(state)), None)
    volume = next((v for v in pod.get("volumes", []) if mount and v["name"] == mount["name"]), {})
    if "emptyDir" in volume:
        if pod.get("restartPolicy") != "OnFailure":
            fail(where, "an emptyDir state file needs restartPolicy OnFailure (restarted in place)")
        if "backoffLimit" not in spec:
            fail(where, "no backoffLimit")
    elif "persistentVolumeClaim" in volume:
        if "JOB_COMPLETION_INDEX" not in mount.get("subPathExpr", ""):
            fail(where, "a shared claim needs subPathExpr with $(JOB_COMPLETION_INDEX): one folder per seat")
        if pod.get("restartPolicy") != "Never" or "backoffLimitPerIndex" not in spec:
            fail(where, "a claim-backed state file: restartPolicy Never and backoffLimitPerIndex")
    else:
        fail(where, f"--state-file {state} is on no emptyDir or PersistentVolumeClaim mount")
    # The game: created by the init container from the experiment's run file, with as many
    # completions as it has remote seats.
    init = next((c for c in pod.get("initContainers", []) if c["args"][0] == "nashnet-create-once"), None)
    if init is not None:
        if init["args"][1] != flag(args, "--game"):
            fail(where, f"the init container creates {init['args'][1]}, the agents join {flag(args, '--game')}")
        if flag(init["args"], "--coordinator") != flag(args, "--coordinator"):
            fail(where, "the init container creates the game on another coordinator than the agents dial")
        folder, run_name = os.path.split(init["args"][2])
        mounted = next((mt["name"] for mt in init.get("volumeMounts", []) if mt["mountPath"] == folder), None)
        cm = next((v["configMap"]["name"] for v in pod.get("volumes", []) if v["name"] == mounted and "configMap" in v), None)
        if cm is None or run_name not in config_maps.get(cm, {}):
            fail(where, f"the run file {init['args'][2]} is in no mounted ConfigMap")
        else:
            _, seats = spec_seats(yaml.safe_load(config_maps[cm][run_name]))
            if spec.get("completions") != seats or spec.get("parallelism") != seats:
                fail(where, f"completions/parallelism {spec.get('completions')}/{spec.get('parallelism')} "
                            f"!= the game's {seats} remote seats")
    secrets = {v["name"]: v["secret"] for v in pod.get("volumes", []) if "secret" in v}
    for mt in agent.get("volumeMounts", []):
        secret = secrets.get(mt["name"])
        if secret and secret["secretName"] == "nashnet-tokens" and \
                "admin-token" in ({i["key"] for i in secret.get("items", [])} or SECRETS["nashnet-tokens"]):
            fail(where, "the agent container mounts the admin token (only the init container may)")


def check_network_policies(by_kind, pods):
    """Agents and admins reach the coordinators' gRPC port, Prometheus their metrics port."""
    policies = [d for _, d in by_kind.get("NetworkPolicy", {}).values()]
    if not any(p["spec"]["podSelector"] == {} and "Ingress" in p["spec"].get("policyTypes", [])
               and not p["spec"].get("ingress") for p in policies):
        fail("deploy/k8s", "no default-deny ingress NetworkPolicy")

    def allowed(from_labels, to_labels, port):
        for p in policies:
            if not selects(p["spec"]["podSelector"].get("matchLabels"), to_labels) or \
                    p["spec"]["podSelector"].get("matchExpressions"):
                continue
            for rule in p["spec"].get("ingress", []):
                if any(pp.get("port") == port for pp in rule.get("ports", [])) and any(
                        selects(f.get("podSelector", {}).get("matchLabels"), from_labels)
                        for f in rule.get("from", [])):
                    return True
        return False
    roles = {}
    for name, (labels, _) in pods.items():
        roles.setdefault(labels.get("nashnet.io/role"), labels)
    coordinator = roles.get("coordinator")
    if coordinator is None:
        return fail("deploy/k8s", "no pod labelled nashnet.io/role: coordinator")
    for role, port in (("agent", 50051), ("admin", 50051), ("prometheus", 9464)):
        labels = roles.get(role, {"nashnet.io/role": role})
        if not allowed(labels, coordinator, port):
            fail("deploy/k8s/network-policy.yaml", f"{role} pods may not reach the coordinators' port {port}")
    if allowed(roles.get("agent", {}), coordinator, 9464):
        fail("deploy/k8s/network-policy.yaml", "agents may reach the metrics port")


# ---- smoke: the compose commands as local processes ---------------------------------------------
def runnable(argv, bin_dir):
    """argv less the flags this build's executable does not know yet (PENDING_FLAGS only)."""
    program = SCRIPTS.get(argv[0], argv[0])
    verb = "create" if argv[0] == "nashnet-create-once" else None
    known = help_flags(bin_dir, program, verb) if program in EXECUTABLES else None
    if known is None:
        return list(argv)
    out = []
    for a in argv:
        name = a.split("=", 1)[0]
        if a.startswith("--") and name not in known and name in PENDING_FLAGS.get(program, ()):
            note(f"smoke: {program} {name} left out (not in this build yet)")
            continue
        out.append(a)
    return out


def smoke(bin_dir):
    for exe in EXECUTABLES:
        if not os.access(os.path.join(bin_dir, exe), os.X_OK):
            fail(bin_dir, f"no {exe}: build the three executables first")
            return
    services = load_yaml_docs(os.path.join(DEPLOY, "compose.yaml"))[0]["services"]
    coord_cmd, agent_cmd = services["coordinator"]["command"], services["agent"]["command"]
    create_cmd = services["create"]["command"]
    mounts = {v.split(":")[1]: os.path.normpath(os.path.join(DEPLOY, v.split(":")[0]))
              for v in services["create"]["volumes"] if v.startswith(".")}
    tmp = tempfile.mkdtemp(prefix="nashnet-deploy-smoke-")
    records = os.path.join(tmp, "records")
    env = dict(os.environ, PATH=f"{DEPLOY}:{bin_dir}:{os.environ.get('PATH', '')}")
    args = []
    for a in runnable(coord_cmd, bin_dir)[1:]:
        k, _, v = a.partition("=")
        if k in ("--listen", "--metrics-listen"):
            v = "127.0.0.1:0"
        elif k == "--records-dir":
            v = records
        args.append(f"{k}={v}")
    port_file = os.path.join(tmp, "port")
    coord = subprocess.Popen([coord_cmd[0]] + args + [f"--port-file={port_file}"], env=env,
                             stdout=open(os.path.join(tmp, "coordinator.log"), "w"), stderr=subprocess.STDOUT)
    agents = []
    try:
        deadline = time.time() + 20
        while not os.path.exists(port_file) and time.time() < deadline and coord.poll() is None:
            time.sleep(0.05)
        if not os.path.exists(port_file):
            return fail("smoke", f"the coordinator did not start: {open(os.path.join(tmp, 'coordinator.log')).read()}")
        address = f"127.0.0.1:{open(port_file).read().strip()}"

        def local(argv):
            out = []
            for a in runnable(argv, bin_dir):
                k, _, v = a.partition("=")
                if k == "--coordinator":
                    a = f"--coordinator={address}"
                out.append(mounts.get(a, a))
            return out
        # The create service, twice: the second finds the game and succeeds without creating it.
        for attempt in ("creates", "finds"):
            created = subprocess.run(local(create_cmd), env=env, capture_output=True, text=True, timeout=60)
            if created.returncode != 0:
                return fail("smoke", f"the create service ({attempt} the game) exited "
                                     f"{created.returncode}: {created.stdout}{created.stderr}")
            if attempt == "finds" and "exists already" not in created.stdout:
                fail("smoke", f"nashnet-create-once run twice did not find the game: {created.stdout}")
        game = split_flags(agent_cmd[1:])["--game"][0]
        for i in range(services["agent"]["scale"]):
            argv = local(agent_cmd)
            argv = [f"--state-file={tmp}/agent{i}.state" if a.startswith("--state-file=") else a for a in argv]
            agents.append(subprocess.Popen(argv, env=env,
                                           stdout=open(os.path.join(tmp, f"agent{i}.log"), "w"),
                                           stderr=subprocess.STDOUT))

        def wait_for_round(target, seconds):
            info, deadline = {}, time.time() + seconds
            while time.time() < deadline:
                shown = subprocess.run(["nashnet", "show", game, "--json", "--coordinator", address],
                                       env=env, capture_output=True, text=True, timeout=30)
                info = json.loads(shown.stdout) if shown.returncode == 0 else {}
                if int(info.get("round", 0)) >= target:
                    return int(info["round"])
                time.sleep(0.2)
            fail("smoke", f"game {game} did not reach round {target} in {seconds} s: {info}")
            return None

        if wait_for_round(200, 30) is None:
            return
        # A dead agent must not stall the game (the run file's straggler policy plays its seat).
        agents[0].kill()
        agents[0].wait()
        at = wait_for_round(0, 5)
        if at is None or wait_for_round(at + 200, 20) is None:
            return fail("smoke", "the game stalled after an agent was killed")
        health = subprocess.run(services["coordinator"]["healthcheck"]["test"][1:3] + ["--coordinator", address],
                                env=env, capture_output=True, text=True, timeout=30)
        if health.returncode != 0:
            fail("smoke", f"the healthcheck command failed: {health.stderr}")
        # The records janitor leaves a running game alone.
        pruned = subprocess.run(["nashnet-prune-records", "--keep-days=0", "--dry-run", records],
                                env=env, capture_output=True, text=True, timeout=30)
        if pruned.returncode != 0 or pruned.stdout.strip():
            fail("smoke", f"nashnet-prune-records would touch a running game: {pruned.stdout}{pruned.stderr}")
        coord.send_signal(signal.SIGTERM)
        if coord.wait(timeout=60) != 0:
            fail("smoke", f"the coordinator exited {coord.returncode} after SIGTERM")
        # A drain leaves the game resumable: the agents keep retrying for the next coordinator
        # (their state files keep their seats); stop them here.
        for i, a in enumerate(agents[1:], start=1):
            if a.poll() is not None:
                fail("smoke", f"agent {i} exited {a.returncode} after the drain instead of "
                              f"waiting for the next coordinator: "
                              f"{open(os.path.join(tmp, f'agent{i}.log')).read()}")
            a.terminate()
            a.wait(timeout=10)
        folder = os.path.join(records, game)
        rows = open(os.path.join(folder, "rounds.csv")).read().count("\n") if os.path.exists(
            os.path.join(folder, "rounds.csv")) else 0
        summary = os.path.join(folder, "summary.json")
        if not os.path.exists(os.path.join(folder, "spec.yaml")) or rows < 2:
            fail("smoke", f"no record in <records>/{game} after the drain ({rows} lines of rounds.csv)")
        elif not os.path.exists(summary) or json.load(open(summary)).get("status") != "drained":
            fail("smoke", f"{summary} does not say the game was drained")
        else:
            print(f"smoke: game {game} created once (twice asked), played by {len(agents)} agents "
                  f"(one killed on the way), drained on SIGTERM, {rows - 1} rows in its rounds.csv")
    finally:
        for p in [coord] + agents:
            if p.poll() is None:
                p.kill()
                p.wait()
        if not errors:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"smoke: logs kept in {tmp}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["static", "smoke"])
    parser.add_argument("--bin-dir", help="folder of the built nashnet executables")
    parser.add_argument("--rules-out", help="write the dashboards' queries as a rules file here")
    parser.add_argument("--parts", default="dockerfile,compose,grafana,k8s",
                        help="static: the comma-separated parts to check (default: all)")
    opts = parser.parse_args()
    bin_dir = opts.bin_dir if opts.bin_dir and os.path.isdir(opts.bin_dir) else None
    if opts.mode == "static":
        if bin_dir and not all(os.access(os.path.join(bin_dir, e), os.X_OK) for e in EXECUTABLES):
            print(f"note: {bin_dir} lacks some of {EXECUTABLES}: their flags and libraries are not checked")
        parts = set(opts.parts.split(","))
        unknown = parts - {"dockerfile", "compose", "grafana", "k8s"}
        if unknown:
            parser.error(f"--parts: unknown {sorted(unknown)}")
        if "dockerfile" in parts:
            check_dockerfile(bin_dir)
        if "compose" in parts:
            check_compose(bin_dir)
        if "grafana" in parts or opts.rules_out:
            check_grafana(opts.rules_out)
        if "k8s" in parts:
            check_k8s(bin_dir)
    else:
        if bin_dir is None:
            fail("smoke", f"--bin-dir {opts.bin_dir}: not a folder")
        else:
            smoke(bin_dir)
    for n in sorted(notes):
        print(f"note: {n}")
    for e in errors:
        print(e, file=sys.stderr)
    if not errors:
        print(f"check_deploy {opts.mode}: ok" + ("" if bin_dir else " (no --bin-dir: flags and libraries not checked)"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Consistency checks of the deployment files that no installed tool makes (deploy/validate.sh).

  check_deploy.py static [--bin-dir DIR] [--rules-out FILE]
      Dockerfile (stages, COPY sources, the binaries CMake builds, CI's build steps, the runtime
      libraries of the built binaries), compose.yaml (pinned images, mounted files, flags of the
      nashnet executables, agent count = players, ports), deploy/k8s (kinds, names, selectors,
      ports, probes, pinned images, which replica each agent Deployment dials), Grafana
      provisioning and dashboards. --rules-out writes every dashboard query as a Prometheus
      recording rule so that `promtool check rules` parses the PromQL.
  check_deploy.py smoke --bin-dir DIR
      Runs compose.yaml's coordinator and agent commands as local processes on loopback (the
      image's start script, the run file, the flags): the game must start and advance, and a
      game must go on when an agent is killed, and a SIGTERM must drain it with a complete record.

Prints one line per failed check and exits 1 if any failed. Needs python3-yaml.
"""
import argparse
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

errors = []


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


def help_flags(bin_dir, program):
    """The long flags `program --help` lists (None when the binary is not there)."""
    if bin_dir is None:
        return None
    path = os.path.join(bin_dir, program)
    if not os.access(path, os.X_OK):
        return None
    out = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30).stdout
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
    """argv[0] is one of ours (or the start script): every flag must be one it accepts."""
    program = "nashnet-coordinator" if argv[0] == "nashnet-coordinator-serve" else argv[0]
    if program not in EXECUTABLES:
        return fail(where, f"{argv[0]}: not one of the image's executables {EXECUTABLES}")
    known = help_flags(bin_dir, program)
    if known is None:
        return
    if argv[0] == "nashnet-coordinator-serve" and "--records-dir" in split_flags(argv[1:]):
        fail(where, "nashnet-coordinator-serve sets --records-dir itself")
    first = 2 if program == "nashnet" else 1  # `nashnet VERB ...`
    for flag in split_flags(argv[first:]):
        if flag not in known:
            fail(where, f"{program} has no flag {flag} (see {program} --help)")


def run_file_seats(path):
    """(game id, remote seats) of a run file: players minus service.local_seats."""
    with open(path) as f:
        spec = yaml.safe_load(f)
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
def check_compose(bin_dir):
    path = os.path.join(DEPLOY, "compose.yaml")
    services = load_yaml_docs(path)[0]["services"]
    mounts = {}
    for name, svc in services.items():
        if not image_pinned(svc.get("image", "")):
            fail(path, f"services.{name}.image: not pinned ({svc.get('image')})")
        for volume in svc.get("volumes", []):
            src, dst = volume.split(":")[:2]
            if src.startswith("."):
                mounts[(name, dst)] = os.path.normpath(os.path.join(DEPLOY, src))
                if not os.path.exists(mounts[(name, dst)]):
                    fail(path, f"services.{name}.volumes: {src} does not exist")
        command = svc.get("command")
        if name in ("coordinator", "agent"):
            check_command(f"{path} services.{name}.command", command, bin_dir)
    coord = split_flags(services["coordinator"]["command"][1:])
    agent = split_flags(services["agent"]["command"][1:])
    grpc_port = coord["--listen"][0].rsplit(":", 1)[1]
    metrics_port = coord["--metrics-listen"][0].rsplit(":", 1)[1]
    run_file = mounts.get(("coordinator", coord["--create"][0]))
    if run_file is None:
        return fail(path, f"--create {coord['--create'][0]} is not a file mounted into the coordinator")
    game, seats = run_file_seats(run_file)
    if agent["--game"][0] != game:
        fail(path, f"agents join game {agent['--game'][0]}, the run file creates {game}")
    if services["agent"].get("scale") != seats:
        fail(path, f"agent scale {services['agent'].get('scale')} != the {seats} remote seats of "
                   f"{os.path.relpath(run_file, ROOT)} (the game would never start)")
    if agent["--coordinator"][0] != f"coordinator:{grpc_port}":
        fail(path, f"agents dial {agent['--coordinator'][0]}, the coordinator listens on :{grpc_port}")
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
    uids = {d["uid"] for d in ds["datasources"]}
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
        for panel in dash.get("panels", []):
            for item in [panel] + panel.get("targets", []):
                uid = (item.get("datasource") or {}).get("uid")
                if uid is not None and uid not in uids:
                    fail(path, f"panel {panel.get('title')}: datasource uid {uid} is not provisioned")
            for target in panel.get("targets", []):
                if not target.get("expr"):
                    fail(path, f"panel {panel.get('title')}: a target without a query")
                else:
                    exprs.append(grafana_to_promql(target["expr"]))
    if rules_out:
        rules = [{"record": f"nashnet:dashboard_query_{i}", "expr": e} for i, e in enumerate(exprs)]
        with open(rules_out, "w") as f:
            yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}, f)


# ---- Kubernetes ---------------------------------------------------------------------------------
KINDS = {("v1", "Namespace"), ("v1", "Service"), ("v1", "ConfigMap"), ("v1", "ServiceAccount"),
         ("apps/v1", "StatefulSet"), ("apps/v1", "Deployment"),
         ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding")}


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
    config_maps = set()
    for gen in kust.get("configMapGenerator", []):
        config_maps.add(gen["name"])
        for f in gen.get("files", []):
            if not os.path.exists(os.path.join(base, f.split("=")[-1])):
                fail(kust_path, f"configMapGenerator {gen['name']}: {f} does not exist")
    services, workloads = {}, {}
    for path, d in docs:
        key = (d.get("apiVersion"), d.get("kind"))
        name = (d.get("metadata") or {}).get("name", "")
        if key not in KINDS:
            fail(path, f"{key}: not a known apiVersion/kind")
        if not DNS_1123.match(name):
            fail(path, f"{d.get('kind')} {name!r}: not a DNS-1123 name")
        if d["kind"] == "Service":
            services[name] = (path, d)
        elif d["kind"] == "ConfigMap":
            config_maps.add(name)
        elif d["kind"] in ("Deployment", "StatefulSet"):
            workloads[name] = (path, d)
    pods = {}
    for name, (path, w) in workloads.items():
        spec, where = w["spec"], f"{path} {w['kind']} {name}"
        labels = spec["template"]["metadata"]["labels"]
        selector = spec["selector"]["matchLabels"]
        if any(labels.get(k) != v for k, v in selector.items()):
            fail(where, f"selector {selector} does not match the pod labels {labels}")
        pod = spec["template"]["spec"]
        pods[name] = (labels, pod, spec.get("replicas", 1))
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        volumes.update({v["metadata"]["name"]: v for v in spec.get("volumeClaimTemplates", [])})
        for v in volumes.values():
            if "configMap" in v and v["configMap"]["name"] not in config_maps:
                fail(where, f"volume {v['name']}: no ConfigMap {v['configMap']['name']}")
        for c in pod["containers"]:
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            if not image_pinned(c["image"]):
                fail(where, f"container {c['name']}: image {c['image']} not pinned")
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    fail(where, f"container {c['name']}: mounts unknown volume {m['name']}")
            for probe_name in ("readinessProbe", "livenessProbe"):
                probe = c.get(probe_name) or {}
                for kind in ("grpc", "httpGet", "tcpSocket"):
                    port = (probe.get(kind) or {}).get("port")
                    if port is not None and port not in ports and port not in ports.values():
                        fail(where, f"{probe_name}: port {port} is not a container port")
            if c["image"].split(":")[0] == "nashnet":
                if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
                    fail(where, "nashnet pods must set runAsNonRoot")
                check_command(f"{where} container {c['name']}", c["args"], bin_dir)
        if w["kind"] == "StatefulSet" and (spec["serviceName"] not in services or
                                           services[spec["serviceName"]][1]["spec"].get("clusterIP") != "None"):
            fail(where, f"serviceName {spec['serviceName']}: no headless Service of that name")
    for name, (path, svc) in services.items():
        selected = [w for w, (labels, _, _) in pods.items()
                    if all(labels.get(k) == v for k, v in svc["spec"]["selector"].items())]
        if not selected:
            fail(path, f"Service {name} selects no pods")
        for w in selected:
            names = {p["name"] for c in pods[w][1]["containers"] for p in c.get("ports", [])}
            for port in svc["spec"]["ports"]:
                if isinstance(port.get("targetPort"), str) and port["targetPort"] not in names:
                    fail(path, f"Service {name} port {port['name']}: {w} has no port {port['targetPort']}")
    # Each agent Deployment dials one coordinator replica, by its stable StatefulSet name, joins
    # the game that replica creates, and brings as many agents as the game has remote seats.
    dialed = {}
    for name, (labels, pod, replicas) in pods.items():
        args = pod["containers"][0].get("args") or []
        if not args or args[0] != "nashnet-agent":
            continue
        flags = split_flags(args[1:])
        m = re.fullmatch(r"([a-z0-9-]+)-(\d+)\.([a-z0-9-]+):(\d+)", flags["--coordinator"][0])
        if not m or m.group(1) not in workloads or workloads[m.group(1)][1]["kind"] != "StatefulSet":
            fail(name, f"--coordinator {flags['--coordinator'][0]}: not <statefulset>-<k>.<service>:<port>")
            continue
        sts_labels, sts_pod, sts_replicas = pods[m.group(1)]
        k = int(m.group(2))
        if k >= sts_replicas:
            fail(name, f"dials replica {k}, the StatefulSet has {sts_replicas}")
        if m.group(3) != workloads[m.group(1)][1]["spec"]["serviceName"]:
            fail(name, f"dials through {m.group(3)}, not the StatefulSet's serviceName")
        coord_flags = split_flags(sts_pod["containers"][0]["args"][1:])
        if not coord_flags["--listen"][0].endswith(":" + m.group(4)):
            fail(name, f"dials port {m.group(4)}, the coordinator listens on {coord_flags['--listen'][0]}")
        # The run file the coordinator creates is deploy/<basename>, baked into the image.
        game, seats = run_file_seats(os.path.join(DEPLOY, os.path.basename(coord_flags["--create"][0])))
        if flags["--game"][0] != game:
            fail(name, f"joins game {flags['--game'][0]}, the coordinator creates {game}")
        if replicas != seats:
            fail(name, f"replicas {replicas} != the game's {seats} remote seats (it would never start)")
        dialed[k] = name
    for sts, (_, _, n) in ((w, pods[w]) for w in workloads if workloads[w][1]["kind"] == "StatefulSet"):
        missing = [k for k in range(n) if k not in dialed]
        if missing:
            fail(base, f"no agent Deployment dials {sts} replicas {missing}")
    # Prometheus discovers the replicas through the SRV record of a headless Service's named port.
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


# ---- smoke: the compose commands as local processes ---------------------------------------------
def smoke(bin_dir):
    for exe in EXECUTABLES:
        if not os.access(os.path.join(bin_dir, exe), os.X_OK):
            fail(bin_dir, f"no {exe}: build the three executables first")
            return
    services = load_yaml_docs(os.path.join(DEPLOY, "compose.yaml"))[0]["services"]
    coord_cmd, agent_cmd = services["coordinator"]["command"], services["agent"]["command"]
    mounts = {v.split(":")[1]: os.path.normpath(os.path.join(DEPLOY, v.split(":")[0]))
              for v in services["coordinator"]["volumes"] if v.startswith(".")}
    tmp = tempfile.mkdtemp(prefix="nashnet-deploy-smoke-")
    env = dict(os.environ, PATH=f"{DEPLOY}:{bin_dir}:{os.environ.get('PATH', '')}",
               NASHNET_RECORDS_ROOT=os.path.join(tmp, "runs"))
    args = []
    for a in coord_cmd[1:]:
        k, _, v = a.partition("=")
        if k in ("--listen", "--metrics-listen"):
            v = "127.0.0.1:0"
        elif k == "--create":
            v = mounts[v]
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
        game = split_flags(agent_cmd[1:])["--game"][0]
        agent_args = [f"--coordinator={address}" if a.startswith("--coordinator") else a for a in agent_cmd[1:]]
        for i in range(services["agent"]["scale"]):
            agents.append(subprocess.Popen([agent_cmd[0]] + agent_args, env=env,
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
        agents = agents[1:]
        health = subprocess.run(services["coordinator"]["healthcheck"]["test"][1:3] + ["--coordinator", address],
                                env=env, capture_output=True, text=True, timeout=30)
        if health.returncode != 0:
            fail("smoke", f"the healthcheck command failed: {health.stderr}")
        coord.send_signal(signal.SIGTERM)
        if coord.wait(timeout=30) != 0:
            fail("smoke", f"the coordinator exited {coord.returncode} after SIGTERM")
        # A drain leaves the game resumable: the agents keep retrying for the next coordinator.
        for i, a in enumerate(agents):
            if a.poll() is not None:
                fail("smoke", f"agent {i} exited {a.returncode} after the drain instead of "
                              f"waiting for the next coordinator: "
                              f"{open(os.path.join(tmp, f'agent{i}.log')).read()}")
        starts = os.listdir(os.path.join(tmp, "runs"))
        summary = os.path.join(tmp, "runs", starts[0], game, "summary.json") if len(starts) == 1 else ""
        if not os.path.exists(summary):
            fail("smoke", f"no <records>/<start time>/{game}/summary.json after the drain ({starts})")
        elif json.load(open(summary)).get("status") != "drained":
            fail("smoke", f"{summary} does not say the game was drained")
        else:
            print(f"smoke: game {game} ran {json.load(open(summary)).get('rounds')} rounds with "
                  f"{len(agents) + 1} agents (one killed on the way), drained on SIGTERM, record {os.path.relpath(summary, tmp)}")
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
    opts = parser.parse_args()
    bin_dir = opts.bin_dir if opts.bin_dir and os.path.isdir(opts.bin_dir) else None
    if opts.mode == "static":
        if bin_dir and not all(os.access(os.path.join(bin_dir, e), os.X_OK) for e in EXECUTABLES):
            print(f"note: {bin_dir} lacks some of {EXECUTABLES}: their flags and libraries are not checked")
        check_dockerfile(bin_dir)
        check_compose(bin_dir)
        check_grafana(opts.rules_out)
        check_k8s(bin_dir)
    else:
        if bin_dir is None:
            fail("smoke", f"--bin-dir {opts.bin_dir}: not a folder")
        else:
            smoke(bin_dir)
    for e in errors:
        print(e, file=sys.stderr)
    if not errors:
        print(f"check_deploy {opts.mode}: ok" + ("" if bin_dir else " (no --bin-dir: flags and libraries not checked)"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

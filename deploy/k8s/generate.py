#!/usr/bin/python3
"""Kubernetes manifests for one experiment: its games spread over the coordinator replicas.

  deploy/k8s/generate.py EXPERIMENT.yaml [--out FILE]

EXPERIMENT.yaml (see deploy/k8s/experiments/braess.yaml):
  name: braess                # prefix of every object's name (DNS-1123, <= 40 characters)
  run: ../../braess.yaml      # the run file every game plays, relative to EXPERIMENT.yaml
  replicas: 3                 # the coordinator StatefulSet's replicas (deploy/k8s/coordinator.yaml)
  games:                      # one game per entry
    - {id: braess-s1, seed: 1}                # placed round-robin over the replicas, in order
    - {id: braess-s2, seed: 2, replica: 0}    # or pinned to replica 0
  seats: 8                    # optional: remote seats, when the run file's game has no `players`
  agent_state: emptyDir       # emptyDir (default) | pvc
  storage_class: ""           # pvc: a ReadWriteMany storage class ("" = the cluster's default)
  image: nashnet:0.1.0        # optional
  tls_server_name: nashnet-coordinator   # optional: a name in the coordinators' certificate
  create: true                # optional: false = the games are created by hand (`nashnet create`)
  namespace: nashnet          # optional

Emits (YAML, to stdout or --out): a ConfigMap <name>-run with the run file, and per game an Indexed
Job <name>-<id> of one completion per remote seat: pod k plays seat k (--seat=$(JOB_COMPLETION_INDEX))
against replica r by its stable name nashnet-coordinator-r.nashnet-coordinator:50051. Its init
container creates the game there unless it exists (nashnet-create-once), with the admin token,
which only that container mounts. The agent keeps its game, seat and resume token in a state file
(--state-file): with agent_state emptyDir the pod is restarted in place on failure (restartPolicy
OnFailure) and the file survives container restarts, not the pod's replacement (eviction, node
loss: the new pod cannot take its seat back, which stays on the game's straggler policy); with
agent_state pvc a ReadWriteMany PersistentVolumeClaim <name>-<id>-state holds one folder per seat
(subPathExpr), so a replacement pod resumes its seat too, and failed pods are replaced
(restartPolicy Never, backoffLimitPerIndex, disruptions not counted: Kubernetes >= 1.29).
Exit 2 with a message naming the file and key for a bad experiment.
"""
import argparse
import os
import re
import sys

import yaml

DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
COORDINATOR = "nashnet-coordinator"  # the StatefulSet and its headless Service
GRPC_PORT = 50051
STATE_DIR = "/var/lib/nashnet/agent"
KNOWN_KEYS = {"name", "run", "replicas", "games", "seats", "agent_state", "storage_class", "image",
              "tls_server_name", "create", "namespace"}


class Dumper(yaml.SafeDumper):
    """Multi-line strings (the run file) as literal blocks; no anchors or aliases."""

    def ignore_aliases(self, data):
        return True


Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


class BadExperiment(Exception):
    pass


def check(condition, where, message):
    if not condition:
        raise BadExperiment(f"{where}: {message}")


def remote_seats(experiment, run, where):
    """The remote seats of the run file's game: players minus service.local_seats (which must be
    the last seats, so that completion index k plays seat k)."""
    game = run.get("game")
    params = game.get("params", {}) if isinstance(game, dict) else {}
    players = params.get("players", experiment.get("seats"))
    local = sorted((run.get("service") or {}).get("local_seats") or [])
    if "seats" in experiment:
        check(isinstance(experiment["seats"], int) and experiment["seats"] >= 1, f"{where}: seats",
              f"must be a whole number >= 1, got {experiment['seats']!r}")
        return experiment["seats"]
    check(isinstance(players, int) and players >= 1, f"{where}: seats",
          "the run file's game has no `players` parameter: give the remote seats as `seats: N`")
    remote = players - len(local)
    check(local == list(range(remote, players)), f"{where}: run file service.local_seats",
          f"{local}: the local seats must be the last ones ({remote}..{players - 1}), so that "
          "completion index k plays seat k")
    return remote


def load(path):
    where = path
    try:
        with open(path) as f:
            experiment = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise BadExperiment(f"{where}: {e}")
    check(isinstance(experiment, dict), where, "not a mapping")
    unknown = sorted(set(experiment) - KNOWN_KEYS)
    check(not unknown, where, f"unknown keys {unknown} (known: {sorted(KNOWN_KEYS)})")
    name = experiment.get("name")
    check(isinstance(name, str) and DNS_1123.match(name) and len(name) <= 40, f"{where}: name",
          f"{name!r} is not a DNS-1123 label of at most 40 characters")
    replicas = experiment.get("replicas")
    check(isinstance(replicas, int) and replicas >= 1, f"{where}: replicas",
          f"must be a whole number >= 1, got {replicas!r}")
    run_path = os.path.join(os.path.dirname(os.path.abspath(path)), str(experiment.get("run", "")))
    check(os.path.isfile(run_path), f"{where}: run", f"{experiment.get('run')!r}: no such file")
    with open(run_path) as f:
        run_text = f.read()
    run = yaml.safe_load(run_text)
    check(isinstance(run, dict), f"{where}: run", f"{run_path} is not a run file")
    seats = remote_seats(experiment, run, where)
    state = experiment.get("agent_state", "emptyDir")
    check(state in ("emptyDir", "pvc"), f"{where}: agent_state", f"{state!r}: emptyDir or pvc")
    games = experiment.get("games")
    check(isinstance(games, list) and games, f"{where}: games", "a non-empty list")
    placed, ids = [], set()
    for i, game in enumerate(games):
        gw = f"{where}: games[{i}]"
        check(isinstance(game, dict), gw, "a mapping {id, seed, replica}")
        extra = sorted(set(game) - {"id", "seed", "replica"})
        check(not extra, gw, f"unknown keys {extra}")
        gid = game.get("id")
        check(isinstance(gid, str) and DNS_1123.match(gid) and len(name) + len(gid) <= 52, f"{gw}.id",
              f"{gid!r}: a DNS-1123 label, and name-id at most 53 characters (a Job name)")
        check(gid not in ids, f"{gw}.id", f"{gid} appears twice")
        ids.add(gid)
        seed = game.get("seed")
        check(seed is None or (isinstance(seed, int) and seed >= 0), f"{gw}.seed",
              f"a whole number >= 0, got {seed!r}")
        replica = game.get("replica", i % replicas)
        check(isinstance(replica, int) and 0 <= replica < replicas, f"{gw}.replica",
              f"{replica!r}: must be in 0..{replicas - 1}")
        placed.append({"id": gid, "seed": seed, "replica": replica})
    return {
        "name": name, "namespace": experiment.get("namespace", "nashnet"),
        "image": experiment.get("image", "nashnet:0.1.0"), "run_text": run_text,
        "run_name": os.path.basename(run_path), "seats": seats, "games": placed,
        "state": state, "storage_class": experiment.get("storage_class", ""),
        "server_name": experiment.get("tls_server_name", COORDINATOR),
        "create": experiment.get("create", True),
    }


def labels(e, game=None, role=None):
    out = {"app.kubernetes.io/part-of": "nashnet", "nashnet.io/experiment": e["name"]}
    if game is not None:
        out["nashnet.io/game"] = game["id"]
        out["nashnet.io/replica"] = str(game["replica"])
    if role is not None:
        out["app.kubernetes.io/name"] = f"nashnet-{role}"
        out["nashnet.io/role"] = role
    return out


CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                      "capabilities": {"drop": ["ALL"]}}
TLS_FLAGS = ["--tls-ca=/etc/nashnet/tls/ca.crt", "--tls-cert=/etc/nashnet/tls/tls.crt",
             "--tls-key=/etc/nashnet/tls/tls.key"]


def game_job(e, game):
    address = f"{COORDINATOR}-{game['replica']}.{COORDINATOR}:{GRPC_PORT}"
    name = f"{e['name']}-{game['id']}"
    tls = TLS_FLAGS + [f"--tls-server-name={e['server_name']}"]
    agent = {
        "name": "agent", "image": e["image"], "imagePullPolicy": "IfNotPresent",
        "args": ["nashnet-agent", f"--coordinator={address}", f"--game={game['id']}",
                 "--seat=$(JOB_COMPLETION_INDEX)", f"--state-file={STATE_DIR}/state",
                 "--join-token-file=/etc/nashnet/tokens/join-token", *tls,
                 "--max-retry-seconds=600", "--quiet"],
        "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [{"name": "state", "mountPath": STATE_DIR},
                         {"name": "tls", "mountPath": "/etc/nashnet/tls", "readOnly": True},
                         {"name": "join-token", "mountPath": "/etc/nashnet/tokens", "readOnly": True}],
    }
    if e["state"] == "pvc":
        agent["volumeMounts"][0]["subPathExpr"] = "seat-$(JOB_COMPLETION_INDEX)"
    volumes = [
        {"name": "tls", "secret": {"secretName": "nashnet-client-tls", "defaultMode": 0o440}},
        {"name": "join-token", "secret": {"secretName": "nashnet-tokens", "defaultMode": 0o440,
                                          "items": [{"key": "join-token", "path": "join-token"}]}},
    ]
    if e["state"] == "pvc":
        volumes.insert(0, {"name": "state", "persistentVolumeClaim": {"claimName": f"{name}-state"}})
    else:
        volumes.insert(0, {"name": "state", "emptyDir": {"sizeLimit": "1Mi"}})
    pod = {
        "automountServiceAccountToken": False,
        "restartPolicy": "Never" if e["state"] == "pvc" else "OnFailure",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"nashnet.io/experiment": e["name"],
                                              "nashnet.io/game": game["id"]}}}],
        "containers": [agent],
        "volumes": volumes,
    }
    if e["create"]:
        create = ["nashnet-create-once", game["id"], f"/etc/nashnet/experiment/{e['run_name']}"]
        if game["seed"] is not None:
            create.append(f"--seed={game['seed']}")
        create += [f"--coordinator={address}", *tls,
                   "--admin-token-file=/etc/nashnet/admin/admin-token",
                   "--join-token-file=/etc/nashnet/tokens/join-token"]
        pod["initContainers"] = [{
            "name": "create-game", "image": e["image"], "imagePullPolicy": "IfNotPresent",
            "args": create,
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
            "securityContext": CONTAINER_SECURITY,
            "volumeMounts": [
                {"name": "run", "mountPath": "/etc/nashnet/experiment", "readOnly": True},
                {"name": "tls", "mountPath": "/etc/nashnet/tls", "readOnly": True},
                {"name": "join-token", "mountPath": "/etc/nashnet/tokens", "readOnly": True},
                {"name": "admin-token", "mountPath": "/etc/nashnet/admin", "readOnly": True}],
        }]
        volumes += [
            {"name": "run", "configMap": {"name": f"{e['name']}-run"}},
            {"name": "admin-token", "secret": {
                "secretName": "nashnet-tokens", "defaultMode": 0o440,
                "items": [{"key": "admin-token", "path": "admin-token"}]}},
        ]
    spec = {
        "completionMode": "Indexed",
        "completions": e["seats"],
        "parallelism": e["seats"],
        "ttlSecondsAfterFinished": 7 * 24 * 3600,
        "template": {"metadata": {"labels": labels(e, game, "agent")}, "spec": pod},
    }
    if e["state"] == "pvc":
        # A failed pod is replaced (its seat's state file is on the claim); an eviction or a node
        # drain (DisruptionTarget) does not count as a failure.
        spec.update({
            "backoffLimitPerIndex": 5,
            "podReplacementPolicy": "Failed",
            "podFailurePolicy": {"rules": [{"action": "Ignore",
                                            "onPodConditions": [{"type": "DisruptionTarget",
                                                                 "status": "True"}]}]},
        })
    else:
        # Restarts in place count against the whole Job: 3 per seat.
        spec["backoffLimit"] = 3 * e["seats"]
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": name, "namespace": e["namespace"], "labels": labels(e, game, "agent")},
           "spec": spec}
    out = [job]
    if e["state"] == "pvc":
        claim = {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "16Mi"}}}
        if e["storage_class"]:
            claim["storageClassName"] = e["storage_class"]
        out.insert(0, {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                       "metadata": {"name": f"{name}-state", "namespace": e["namespace"],
                                    "labels": labels(e, game)},
                       "spec": claim})
    return out


def manifests(e):
    docs = [{"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": f"{e['name']}-run", "namespace": e["namespace"], "labels": labels(e)},
             "data": {e["run_name"]: e["run_text"]}}]
    for game in e["games"]:
        docs += game_job(e, game)
    return docs


def render(e, source):
    placement = ", ".join(f"{g['id']} -> {g['replica']}" for g in e["games"])
    header = (f"# Generated by deploy/k8s/generate.py from {source}: do not edit, regenerate.\n"
              f"# Experiment {e['name']}: {len(e['games'])} games of {e['seats']} remote seats; "
              f"game -> replica: {placement}.\n")
    return header + yaml.dump_all(manifests(e), Dumper=Dumper, sort_keys=False, width=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("experiment")
    parser.add_argument("--out", help="write here instead of stdout")
    args = parser.parse_args()
    try:
        e = load(args.experiment)
    except BadExperiment as err:
        print(f"generate.py: error: {err}", file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    text = render(e, os.path.relpath(os.path.abspath(args.experiment), root))
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
